import XCTest
@testable import MTCrypto

/// Known answers from Telethon 1.45.0, tgcrypto and cryptg (scripts/fixtures/crypto_telethon.py).
final class TelethonFixtureTests: XCTestCase {
    func testAESIGEMatchesTelethonTgcryptoCryptg() throws {
        for c in try cases("aes_ige") {
            XCTAssertEqual(try AESIGE.encrypt(c.bytes("plaintext"), key: c.bytes("key"), iv: c.bytes("iv")), c.bytes("ciphertext"))
            XCTAssertEqual(try AESIGE.decrypt(c.bytes("ciphertext"), key: c.bytes("key"), iv: c.bytes("iv")), c.bytes("plaintext"))
        }
    }

    /// Every engine (AES-NI inline, CBC rewrite, EVP blockwise, OpenSSL's AES_ige) gives the same bytes.
    func testEveryIGEEngineMatchesTheFixtures() throws {
        for c in try cases("aes_ige") {
            for engine in AESIGE.Engine.allCases {
                XCTAssertEqual(try AESIGE.encrypt(c.bytes("plaintext"), key: c.bytes("key"), iv: c.bytes("iv"), engine: engine),
                               c.bytes("ciphertext"), "encrypt \(engine)")
                XCTAssertEqual(try AESIGE.decrypt(c.bytes("ciphertext"), key: c.bytes("key"), iv: c.bytes("iv"), engine: engine),
                               c.bytes("plaintext"), "decrypt \(engine)")
            }
        }
    }

    /// Encrypting where the plaintext lies gives the same bytes, with every engine.
    func testInPlaceEncryptionMatchesTheFixtures() throws {
        for c in try cases("aes_ige") {
            for engine in AESIGE.Engine.allCases {
                var buffer = c.bytes("plaintext")
                try buffer.withUnsafeMutableBytes { try AESIGE.encryptInPlace($0, key: c.bytes("key"), iv: c.bytes("iv"), engine: engine) }
                XCTAssertEqual(buffer, c.bytes("ciphertext"), "in place \(engine)")
            }
        }
    }

    func testAESCTRMatchesTgcryptoAcrossChunks() throws {
        for c in try cases("aes_ctr") {
            let ctr = try AESCTR(key: c.bytes("key"), iv: c.bytes("iv"))
            let plain = c.bytes("plaintext")
            var out: [UInt8] = [], at = 0
            for n in c["chunks"] as! [Int] {
                out += ctr.process(Array(plain[at..<(at + n)]))
                at += n
            }
            XCTAssertEqual(out, c.bytes("ciphertext"))
        }
    }

    func testAuthKeyIDsNonceHashesAndTmpKeys() throws {
        for c in try cases("mtproto2") {
            let key = try AuthKey(c.bytes("auth_key"))
            XCTAssertEqual(key.id, c.int64("auth_key_id"))
            XCTAssertEqual(key.auxHash, c.int64("aux_hash"))
            let newNonce = c.bytes("new_nonce")
            let (tmpKey, tmpIV) = AuthKeyMath.tmpAESKeyIV(newNonce: newNonce, serverNonce: c.bytes("server_nonce"))
            XCTAssertEqual(tmpKey, c.bytes("tmp_aes_key"))
            XCTAssertEqual(tmpIV, c.bytes("tmp_aes_iv"))
            for n: UInt8 in 1...3 {
                XCTAssertEqual(AuthKeyMath.newNonceHash(newNonce: newNonce, authKey: key, number: n), c.bytes("new_nonce_hash\(n)"))
                XCTAssertNoThrow(try AuthKeyMath.verifyNewNonceHash(c.bytes("new_nonce_hash\(n)"), newNonce: newNonce, authKey: key, number: n))
            }
        }
    }

    /// Decrypts a packet Telethon's MTProtoState encrypted (x = 0) and checks its msg_key.
    func testMTProto2ClientPacketFromTelethon() throws {
        for c in try cases("mtproto2") {
            let key = try AuthKey(c.bytes("auth_key"))
            let packet = c.bytes("client_packet")
            XCTAssertEqual(Int64(littleEndianBytes: packet[0..<8]), key.id)
            let msgKey = Array(packet[8..<24])
            let (aesKey, aesIV) = MessageKey.aesKeyIV(authKey: key, msgKey: msgKey, x: 0)
            XCTAssertEqual(aesKey, c.bytes("client_aes_key"))
            XCTAssertEqual(aesIV, c.bytes("client_aes_iv"))
            let plain = try AESIGE.decrypt(packet[24...], key: aesKey, iv: aesIV)   // a slice, no copy
            XCTAssertEqual(MessageKey.compute(authKey: key, plaintext: plain, x: 0), msgKey)
            XCTAssertNoThrow(try MessageKey.verify(msgKey, authKey: key, plaintext: plain, x: 0))
            XCTAssertEqual(Int64(littleEndianBytes: plain[0..<8]), c.int64("salt"))
            XCTAssertEqual(Int64(littleEndianBytes: plain[8..<16]), c.int64("session_id"))
            let body = c.bytes("body")
            XCTAssertEqual(Array(plain[16..<(16 + body.count)]), body)

            let (sKey, sIV) = MessageKey.aesKeyIV(authKey: key, msgKey: c.bytes("server_msg_key"), x: 8)
            XCTAssertEqual(sKey, c.bytes("server_aes_key"))
            XCTAssertEqual(sIV, c.bytes("server_aes_iv"))
        }
    }

    func testTelegramKeyFingerprintsMatchTelethon() throws {
        let rsa = try XCTUnwrap(try telethonFixture("rsa") as? [String: Any])
        let keys = try XCTUnwrap(rsa["telegram_keys"] as? [[String: Any]])
        XCTAssertFalse(keys.isEmpty)
        for k in keys {
            let key = try RSAPublicKey(pem: k.string("pkcs1_pem"))
            XCTAssertEqual(key.fingerprint, k.int64("fingerprint"))
            XCTAssertEqual(try RSAPublicKey(pem: key.pkcs1PEM), key)
        }
    }

    func testTestKeyInBothPEMFormsAndPrivate() throws {
        let rsa = try XCTUnwrap(try telethonFixture("rsa") as? [String: Any])
        let t = try XCTUnwrap(rsa["test_key"] as? [String: Any])
        let pkcs1 = try RSAPublicKey(pem: t.string("pkcs1_pem")), spki = try RSAPublicKey(pem: t.string("spki_pem"))
        XCTAssertEqual(pkcs1.fingerprint, t.int64("fingerprint"))
        XCTAssertEqual(spki, pkcs1)
        XCTAssertEqual(pkcs1.n, t.bytes("n"))
        XCTAssertEqual(pkcs1.e, t.bytes("e"))
        XCTAssertEqual(pkcs1.pkcs1PEM.trimmingCharacters(in: .whitespacesAndNewlines),
                       t.string("pkcs1_pem").trimmingCharacters(in: .whitespacesAndNewlines))
        let priv = try RSAPrivateKey(pem: t.string("private_pem"))
        XCTAssertEqual(priv.publicKey, pkcs1)
        XCTAssertEqual(try RSAPrivateKey(pem: priv.pem).publicKey, pkcs1)
    }

    /// Server side: Telethon's legacy `SHA1(data) + data + padding` blocks decrypt to the data.
    func testLegacyRSAFromTelethonDecrypts() throws {
        let rsa = try XCTUnwrap(try telethonFixture("rsa") as? [String: Any])
        let priv = try RSAPrivateKey(pem: (rsa["test_key"] as! [String: Any]).string("private_pem"))
        for c in try XCTUnwrap(rsa["legacy"] as? [[String: Any]]) {
            XCTAssertEqual(try RSAPad.decrypt(c.bytes("encrypted"), key: priv), c.bytes("data"))
        }
    }

    /// RSA_PAD with the generator's random stream gives its bytes; the server reads both back.
    func testRSAPadMatchesIndependentImplementation() throws {
        let rsa = try XCTUnwrap(try telethonFixture("rsa") as? [String: Any])
        let priv = try RSAPrivateKey(pem: (rsa["test_key"] as! [String: Any]).string("private_pem"))
        for c in try XCTUnwrap(rsa["rsa_pad"] as? [[String: Any]]) {
            var stream = c.bytes("random")[...]
            let encrypted = try RSAPad.encrypt(c.bytes("data"), key: priv.publicKey) { n in
                defer { stream = stream.dropFirst(n) }
                return Array(stream.prefix(n))
            }
            XCTAssertTrue(stream.isEmpty, "random stream not consumed as the spec orders it")
            XCTAssertEqual(encrypted, c.bytes("encrypted"))
            let decrypted = try RSAPad.decrypt(encrypted, key: priv)
            XCTAssertEqual(decrypted.count, 192)
            XCTAssertEqual(Array(decrypted.prefix(c.bytes("data").count)), c.bytes("data"))
        }
    }

    func testSRPMatchesTelethonComputeCheckAndDigest() throws {
        for c in try cases("srp") {
            let pw = c.string("password"), s1 = c.bytes("salt1"), s2 = c.bytes("salt2"), p = c.bytes("p")
            XCTAssertEqual(SRP.passwordHash(password: pw, salt1: s1, salt2: s2), c.bytes("x"))
            XCTAssertEqual(try SRP.newVerifier(password: pw, salt1: s1, salt2: s2, g: 3, p: p), c.bytes("verifier"))
            let (A, M1) = try SRP.check(password: pw, salt1: s1, salt2: s2, g: 3, p: p, srpB: c.bytes("srp_B"), a: c.bytes("a"))
            XCTAssertEqual(A, c.bytes("A"))
            XCTAssertEqual(M1, c.bytes("M1"))
        }
    }

    /// Our SRPServer, given the generator's b, offers the same B and accepts Telethon's proof.
    func testSRPServerAcceptsTelethonProof() throws {
        for c in try cases("srp") {
            let server = SRPServer(verifier: c.bytes("verifier"), salt1: c.bytes("salt1"), salt2: c.bytes("salt2"),
                                   g: 3, p: c.bytes("p"), b: c.bytes("b"))
            XCTAssertEqual(server.B, c.bytes("srp_B"))
            XCTAssertTrue(server.verify(A: c.bytes("A"), M1: c.bytes("M1")))
            var wrong = c.bytes("M1"); wrong[0] ^= 1
            XCTAssertFalse(server.verify(A: c.bytes("A"), M1: wrong))
        }
    }

    func testPQMatchesTelethonFactorization() throws {
        for c in try cases("pq") {
            let (p, q) = try XCTUnwrap(PQ.factorize(UInt64(c.string("pq"))!))
            XCTAssertEqual(p, UInt64(c.string("p"))!)
            XCTAssertEqual(q, UInt64(c.string("q"))!)
        }
    }
}
