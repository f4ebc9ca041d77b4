import XCTest
@testable import MTCrypto

/// What a misbehaving server (or client, for the test server) may send, each rejected
/// with its own error.
final class HostileInputTests: XCTestCase {
    let p = TelegramDH.prime
    var pNum: BigNum { BigNum(p) }

    /// A 2048-bit prime p with p ≡ 2 (mod 3) whose (p−1)/2 is composite.
    let nonSafePrime = hex("""
        efce87e436d28a101e0489e7bd3bc0c44abeed8f483dd1d06b28df394afe3aaf11276e856293994ee06c328520917e17d9c1ef4db30b76ed\
        5cb498f6881f37f8742e1a72c8cd6f2f58c80e0ab6d82a836f853d3ac9e745e39674b6f23df74b21337c8f1a5734fe9e659a191d07f4d692\
        1de0c26a731830b7a03929b168c0e985f185956bdfa2c9a60d7dc1d5a9e1586d74270fd83f3197ac202df7d4155db04566b72175aaf3057b\
        e8ac90151760890101b70e9bc0bc2acceec6413912cb38ba351645b8296ffc0d2e0b50dae13ea41666e761c659584d6517c64da31b447b55\
        7156dc2b28dbd6a18a569b81d0b9a347ce6efee17779ca78ada81dd8c5888861
        """)
    /// RFC 3526 group 14: a 2048-bit safe prime that is not Telegram's (g = 2 is valid for it).
    let rfc3526Group14 = hex("""
        FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B\
        302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE6\
        49286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D\
        670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718\
        3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF
        """)

    func assertCrypto(_ expected: CryptoError, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) {
            XCTAssertEqual($0 as? CryptoError, expected, file: file, line: line)
        }
    }

    // MARK: dh_prime and g

    func testNonSafePrimeIsRejected() {
        XCTAssertTrue(BigNum(nonSafePrime).isProbablePrime, "fixture must be prime so only safety fails")
        assertCrypto(.primeNotSafe) { try DHValidation.checkPrimeAndGenerator(prime: self.nonSafePrime, g: 3) }
        // Cached verdict: the second call answers the same.
        assertCrypto(.primeNotSafe) { try DHValidation.checkPrimeAndGenerator(prime: self.nonSafePrime, g: 3) }
    }

    func testCompositeOfRightSizeIsRejected() {
        var composite = p
        composite[255] = composite[255] &+ 2 &+ 2 &+ 2   // p + 6 ≡ 2 mod 3 still, and odd
        XCTAssertFalse(BigNum(composite).isProbablePrime)
        assertCrypto(.primeNotSafe) { try DHValidation.checkPrimeAndGenerator(prime: composite, g: 3) }
    }

    func testShortPrimeIsRejected() {
        let oakley1024 = Array(rfc3526Group14[0..<128])   // 1024 bits
        assertCrypto(.primeWrongSize(bits: 1024)) { try DHValidation.checkPrimeAndGenerator(prime: oakley1024, g: 2) }
        assertCrypto(.primeWrongSize(bits: 2049)) { try DHValidation.checkPrimeAndGenerator(prime: [1] + self.p, g: 3) }  // 2^2048 + p
    }

    func testOtherSafePrimeIsAcceptedAfterTesting() {
        XCTAssertNoThrow(try DHValidation.checkPrimeAndGenerator(prime: rfc3526Group14, g: 2))
    }

    func testGeneratorWithWrongResidueIsRejected() {
        // Telegram's prime: p mod 8 = 3, p mod 5 = 3, p mod 24 = 11.
        assertCrypto(.generatorResidueMismatch(g: 2, modulus: 8, residue: 3)) {
            try DHValidation.checkPrimeAndGenerator(prime: self.p, g: 2)
        }
        assertCrypto(.generatorResidueMismatch(g: 5, modulus: 5, residue: 3)) {
            try DHValidation.checkPrimeAndGenerator(prime: self.p, g: 5)
        }
        assertCrypto(.generatorResidueMismatch(g: 6, modulus: 24, residue: 11)) {
            try DHValidation.checkPrimeAndGenerator(prime: self.p, g: 6)
        }
        assertCrypto(.generatorOutOfRange(g: 8)) { try DHValidation.checkPrimeAndGenerator(prime: self.p, g: 8) }
        assertCrypto(.generatorOutOfRange(g: 1)) { try DHValidation.checkPrimeAndGenerator(prime: self.p, g: 1) }
        for g in [3, 4, 7] { XCTAssertNoThrow(try DHValidation.checkPrimeAndGenerator(prime: p, g: g), "g \(g)") }
    }

    // MARK: g_a / g_b

    func testDHValueBounds() {
        let one = BigNum(1)
        let pMinusOne = pNum.subtracting(one).bytes
        let margin = [1] + [UInt8](repeating: 0, count: 248)     // 2^1984
        let justBelow = BigNum(margin).subtracting(one).bytes
        let justAbove = pNum.subtracting(BigNum(margin)).adding(one).bytes
        assertCrypto(.dhValueOutOfRange(.atMostOne)) { try DHValidation.checkDHValue([1], prime: self.p) }
        assertCrypto(.dhValueOutOfRange(.atMostOne)) { try DHValidation.checkDHValue([], prime: self.p) }
        assertCrypto(.dhValueOutOfRange(.atLeastPrimeMinusOne)) { try DHValidation.checkDHValue(pMinusOne, prime: self.p) }
        assertCrypto(.dhValueOutOfRange(.atLeastPrimeMinusOne)) { try DHValidation.checkDHValue(self.p, prime: self.p) }
        assertCrypto(.dhValueOutOfRange(.belowSafetyMargin)) { try DHValidation.checkDHValue(justBelow, prime: self.p) }
        assertCrypto(.dhValueOutOfRange(.aboveSafetyMargin)) { try DHValidation.checkDHValue(justAbove, prime: self.p) }
        XCTAssertNoThrow(try DHValidation.checkDHValue(margin, prime: p))
        XCTAssertNoThrow(try DHValidation.checkDHValue(pNum.subtracting(BigNum(margin)).bytes, prime: p))
        let ga = BigNum.modPow(base: [3], exponent: SecureRandom.bytes(256), modulus: p, constantTime: true)
        XCTAssertNoThrow(try DHValidation.checkDHValue(ga, prime: p))
    }

    // MARK: SRP

    func srpCheck(B: [UInt8], p: [UInt8]? = nil, g: Int = 3) throws {
        _ = try SRP.check(password: "x", salt1: [1, 2, 3], salt2: [4, 5, 6], g: g, p: p ?? self.p, srpB: B)
    }

    func testSRPRejectsBZeroModP() {
        assertCrypto(.srpBZeroModP) { try self.srpCheck(B: self.p) }
        assertCrypto(.srpBZeroModP) { try self.srpCheck(B: [UInt8](repeating: 0, count: 256)) }
        assertCrypto(.srpBZeroModP) { try self.srpCheck(B: []) }
    }

    func testSRPRejectsBOutOfRange() {
        assertCrypto(.dhValueOutOfRange(.notReducedModPrime)) { try self.srpCheck(B: self.pNum.adding(BigNum(5)).bytes) }
        assertCrypto(.dhValueOutOfRange(.notReducedModPrime)) { try self.srpCheck(B: [UInt8](repeating: 0xff, count: 300)) }
        assertCrypto(.dhValueOutOfRange(.atMostOne)) { try self.srpCheck(B: [1]) }
        assertCrypto(.dhValueOutOfRange(.belowSafetyMargin)) { try self.srpCheck(B: [1, 0, 0, 0]) }
    }

    func testSRPRejectsBadGroupBeforeAnyWork() {
        assertCrypto(.primeNotSafe) { try self.srpCheck(B: [2] + [UInt8](repeating: 7, count: 200), p: self.nonSafePrime) }
        assertCrypto(.generatorResidueMismatch(g: 2, modulus: 8, residue: 3)) {
            try self.srpCheck(B: [2] + [UInt8](repeating: 7, count: 200), g: 2)
        }
        assertCrypto(.primeNotSafe) {
            _ = try SRP.newVerifier(password: "x", salt1: [1], salt2: [2], g: 3, p: self.nonSafePrime)
        }
    }

    func testSRPServerRejectsBadA() {
        let server = SRPServer(verifier: [3], salt1: [1], salt2: [2], g: 3, p: p)
        XCTAssertFalse(server.verify(A: p, M1: [UInt8](repeating: 0, count: 32)))
        XCTAssertFalse(server.verify(A: [], M1: [UInt8](repeating: 0, count: 32)))
        XCTAssertFalse(server.verify(A: [1], M1: []))
    }

    // MARK: messages and the key exchange

    func testWrongMsgKeyIsRejected() throws {
        let key = try AuthKey(SecureRandom.bytes(256))
        let plain = SecureRandom.bytes(64)
        var msgKey = MessageKey.compute(authKey: key, plaintext: plain, x: 8)
        XCTAssertNoThrow(try MessageKey.verify(msgKey, authKey: key, plaintext: plain, x: 8))
        assertCrypto(.msgKeyMismatch) { try MessageKey.verify(msgKey, authKey: key, plaintext: plain, x: 0) }
        msgKey[15] ^= 0x80
        assertCrypto(.msgKeyMismatch) { try MessageKey.verify(msgKey, authKey: key, plaintext: plain, x: 8) }
        assertCrypto(.msgKeyMismatch) { try MessageKey.verify([], authKey: key, plaintext: plain, x: 8) }
    }

    func testWrongNewNonceHashIsRejected() throws {
        let key = try AuthKey(SecureRandom.bytes(256)), newNonce = SecureRandom.bytes(32)
        let hash1 = AuthKeyMath.newNonceHash(newNonce: newNonce, authKey: key, number: 1)
        assertCrypto(.newNonceHashMismatch(number: 2)) {
            try AuthKeyMath.verifyNewNonceHash(hash1, newNonce: newNonce, authKey: key, number: 2)
        }
        var tampered = hash1; tampered[0] ^= 1
        assertCrypto(.newNonceHashMismatch(number: 1)) {
            try AuthKeyMath.verifyNewNonceHash(tampered, newNonce: newNonce, authKey: key, number: 1)
        }
    }

    func testAuthKeyMustBe256Bytes() {
        assertCrypto(.badAuthKeyLength(got: 255)) { _ = try AuthKey([UInt8](repeating: 1, count: 255)) }
    }

    // MARK: RSA

    func testRSAGarbageIsRejected() throws {
        let key = try RSAPrivateKey.generate()
        XCTAssertEqual(key.publicKey.byteCount, 256)
        let garbage = try key.publicKey.encryptRaw([0] + SecureRandom.bytes(255))
        assertCrypto(.rsaPaddingInvalid(reason: "hash matches neither RSA_PAD nor SHA1(data) + data")) {
            _ = try RSAPad.decrypt(garbage, key: key)
        }
        assertCrypto(.badRSABlockLength(expected: 256, got: 10)) { _ = try RSAPad.decrypt([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], key: key) }
        assertCrypto(.rsaInputNotBelowModulus) { _ = try key.decryptRaw([UInt8](repeating: 0xff, count: 256)) }
        assertCrypto(.rsaPadDataTooLong(length: 145)) { _ = try RSAPad.encrypt([UInt8](repeating: 0, count: 145), key: key.publicKey) }
        // Round trip through our own RSA_PAD.
        let data = SecureRandom.bytes(100)
        XCTAssertEqual(Array(try RSAPad.decrypt(try RSAPad.encrypt(data, key: key.publicKey), key: key).prefix(100)), data)
    }

    func testBadPEMIsRejected() {
        XCTAssertThrowsError(try RSAPublicKey(pem: "")) { XCTAssertNotNil($0 as? CryptoError) }
        XCTAssertThrowsError(try RSAPublicKey(pem: "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"))
        XCTAssertThrowsError(try RSAPublicKey(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
        XCTAssertThrowsError(try RSAPrivateKey(pem: "not a key"))
    }

    // MARK: pq

    func testPQEdgeCases() throws {
        XCTAssertNil(PQ.factorize(0))
        XCTAssertNil(PQ.factorize(1))
        XCTAssertNil(PQ.factorize(3))
        XCTAssertNil(PQ.factorize(0xFFFF_FFFF_FFFF_FFC5))          // the largest 64-bit prime
        XCTAssertNil(PQ.factorize(2_147_483_647))                   // a Mersenne prime
        XCTAssertEqual(PQ.factorize(4)?.p, 2)
        let big = try XCTUnwrap(PQ.factorize(4_294_967_291 * 4_294_967_279))   // two primes near 2^32 (≥ 2^63)
        XCTAssertEqual(big.p, 4_294_967_279)
        XCTAssertEqual(big.q, 4_294_967_291)
        let square = try XCTUnwrap(PQ.factorize(2_147_483_647 * 2_147_483_647))
        XCTAssertEqual(square.p, 2_147_483_647)
    }
}
