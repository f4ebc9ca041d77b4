import Foundation
import MTCrypto
import XCTest
@testable import MTProto

final class AuthKeyExchangeTests: XCTestCase {
    func testClientAndServerAgreeOnKeySaltAndDC() throws {
        var client = ClientAuthKeyExchange(dcID: 10002, serverKeys: [TestKeys.other.publicKey, TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        let (c, s) = try runExchange(client: &client, server: &server)
        XCTAssertEqual(c.authKey.bytes, s.authKey.bytes)
        XCTAssertEqual(c.authKey.bytes.count, 256)
        XCTAssertEqual(c.serverSalt, s.serverSalt)
        XCTAssertEqual(c.timeOffset, 0)
        XCTAssertEqual(server.requestedDC, 10002)
    }

    func testTimeOffsetComesFromServerDHInnerData() throws {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        let (c, _) = try runExchange(client: &client, server: &server, clientNow: testNow,
                                     serverNow: testNow.addingTimeInterval(3600))
        XCTAssertEqual(c.timeOffset, 3600)
        XCTAssertEqual(client.clock.timeOffset, 3600)
    }

    func testDHGenRetryIsAnsweredWithRetryID() throws {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.demandRetries = 2
        let (c, s) = try runExchange(client: &client, server: &server)
        XCTAssertEqual(c.authKey.bytes, s.authKey.bytes)
    }

    func testTooManyRetriesGivesUp() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        client.maxRetries = 1
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.demandRetries = 5
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .tooManyRetries(2))
        }
    }

    func testServerAcceptsLegacyEncryptionAndPlainInnerData() throws {
        // Telethon's form: p_q_inner_data (no dc) as SHA1(data) | data | random, 255 bytes, raw RSA.
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        let nonce = SecureRandom.bytes(16)
        var w = WireWriter(); w.uint32(Wire.reqPQMulti); w.raw(nonce)
        guard case let .send(resPacket) = try server.handle(PlainMessage.pack(body: w.bytes, msgID: 4 << 32), now: testNow) else {
            return XCTFail("no resPQ")
        }
        var r = WireReader(try PlainMessage.unpack(resPacket).body, offset: 4)
        let res = try ResPQ(&r)
        let (p, q) = try XCTUnwrap(PQ.factorize(try XCTUnwrap(uint64(bigEndian: res.pq))))
        var inner = PQInnerData(pq: res.pq, p: bigEndianBytes(p), q: bigEndianBytes(q), nonce: nonce,
                                serverNonce: res.serverNonce, newNonce: SecureRandom.bytes(32), dc: 0)
        inner.constructor = Wire.pqInnerData
        let data = inner.encoded()
        var block = SHA1.hash(data) + data
        block += SecureRandom.bytes(255 - block.count)
        let encrypted = try TestKeys.server.publicKey.encryptRaw([0] + block)
        let req = ReqDHParams(nonce: nonce, serverNonce: res.serverNonce, p: inner.p, q: inner.q,
                              fingerprint: TestKeys.server.publicKey.fingerprint, encryptedData: encrypted)
        guard case let .send(answer) = try server.handle(PlainMessage.pack(body: req.encoded(), msgID: 8 << 32), now: testNow) else {
            return XCTFail("no server_DH_params")
        }
        XCTAssertEqual(Wire.constructor(of: try PlainMessage.unpack(answer).body), Wire.serverDHParamsOK)
        XCTAssertNil(server.requestedDC)
    }

    func testPQIsProductOfTwo31BitPrimes() throws {
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        var w = WireWriter(); w.uint32(Wire.reqPQMulti); w.raw(SecureRandom.bytes(16))
        guard case let .send(packet) = try server.handle(PlainMessage.pack(body: w.bytes, msgID: 4 << 32), now: testNow) else {
            return XCTFail()
        }
        var r = WireReader(try PlainMessage.unpack(packet).body, offset: 4)
        let res = try ResPQ(&r)
        XCTAssertEqual(res.fingerprints, [TestKeys.server.publicKey.fingerprint])
        let (p, q) = try XCTUnwrap(PQ.factorize(try XCTUnwrap(uint64(bigEndian: res.pq))))
        for f in [p, q] {
            XCTAssertTrue(ServerAuthKeyExchange.isPrime(f))
            XCTAssertTrue((1 << 30)..<(1 << 31) ~= f)
        }
        XCTAssertFalse(ServerAuthKeyExchange.isPrime(2_147_483_647 * 3))
        XCTAssertTrue(ServerAuthKeyExchange.isPrime(2_147_483_647))
    }

    // MARK: Hostile servers

    func testWrongNonceInResPQ() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.tamperResPQ = { $0.nonce[0] ^= 1 }
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .nonceMismatch)
        }
    }

    func testWrongServerNonceInDHInnerData() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.tamperServerDH = { $0.serverNonce[3] ^= 0x80 }
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .serverNonceMismatch)
        }
    }

    func testWrongNonceInDHInnerData() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.tamperServerDH = { $0.nonce[15] ^= 1 }
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .nonceMismatch)
        }
    }

    func testUnfactorablePQIsRefused() {
        for pq: [UInt8] in [[0x7f, 0xff, 0xff, 0xff], [1, 2, 3, 4, 5, 6, 7, 8, 9], [2]] {  // a prime, 9 bytes, too small
            var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
            var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
            server.tamperResPQ = { $0.pq = pq }
            XCTAssertThrowsError(try runExchange(client: &client, server: &server)) { error in
                guard case .badPQ = error as? AuthKeyExchangeError else { return XCTFail("\(error)") }
            }
        }
    }

    func testUnknownFingerprint() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.other.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .unknownFingerprints([TestKeys.server.publicKey.fingerprint]))
        }
    }

    func testBadDHPrimeIsRefused() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        // Telegram's prime with its last byte changed: 2048 bits, odd, but not a safe prime.
        server.tamperServerDH = { $0.dhPrime[255] ^= 0x02 }
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) { error in
            guard case .badDHPrime = error as? AuthKeyExchangeError else { return XCTFail("\(error)") }
        }
    }

    func testSmallDHPrimeIsRefused() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.tamperServerDH = { $0.dhPrime = Array($0.dhPrime.suffix(128)) }
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) { error in
            guard case .badDHPrime = error as? AuthKeyExchangeError else { return XCTFail("\(error)") }
        }
    }

    func testBadGeneratorIsRefused() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.tamperServerDH = { $0.g = 9 }
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) { error in
            guard case .badDHPrime = error as? AuthKeyExchangeError else { return XCTFail("\(error)") }
        }
    }

    func testGAOutOfRangeIsRefused() {
        for gA: [UInt8] in [[1], [UInt8](repeating: 0, count: 255) + [2], Array(TelegramDH.prime.dropLast()) + [TelegramDH.prime.last! - 1]] {
            var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
            var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
            server.tamperServerDH = { $0.gA = gA }
            XCTAssertThrowsError(try runExchange(client: &client, server: &server)) { error in
                guard case .dhValueOutOfRange(name: "g_a", _) = error as? AuthKeyExchangeError else { return XCTFail("\(error)") }
            }
        }
    }

    func testServerDHParamsFailAndDHGenFail() {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server.answerServerDHParamsFail = true
        XCTAssertThrowsError(try runExchange(client: &client, server: &server)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .serverDHParamsFail)
        }
        var client2 = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server2 = ServerAuthKeyExchange(privateKey: TestKeys.server)
        server2.answerDHGenFail = true
        XCTAssertThrowsError(try runExchange(client: &client2, server: &server2)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .dhGenFail)
        }
    }

    func testTamperedDHAnswerFailsHashCheck() throws {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        guard case let .send(res) = try server.handle(client.start(now: testNow), now: testNow),
              case let .send(req) = try client.handle(res, now: testNow),
              case let .send(answer) = try server.handle(req, now: testNow) else { return XCTFail() }
        var tampered = answer
        tampered[tampered.count - 20] ^= 1  // inside the AES-IGE ciphertext
        XCTAssertThrowsError(try client.handle(tampered, now: testNow)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .answerHashMismatch)
        }
        // The exchange is dead afterwards.
        XCTAssertThrowsError(try client.handle(answer, now: testNow)) { XCTAssertEqual($0 as? AuthKeyExchangeError, .finished) }
    }

    func testWrongNewNonceHashIsRefused() throws {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        guard case let .send(res) = try server.handle(client.start(now: testNow), now: testNow),
              case let .send(req) = try client.handle(res, now: testNow),
              case let .send(answer) = try server.handle(req, now: testNow),
              case let .send(setParams) = try client.handle(answer, now: testNow),
              case let .done(_, ok) = try server.handle(setParams, now: testNow) else { return XCTFail() }
        var tampered = ok
        tampered[tampered.count - 1] ^= 1
        XCTAssertThrowsError(try client.handle(tampered, now: testNow)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .newNonceHashMismatch(number: 1))
        }
    }

    func testUnexpectedAndMalformedMessages() throws {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        _ = client.start(now: testNow)
        var w = WireWriter(); w.uint32(Wire.dhGenOK)
        XCTAssertThrowsError(try client.handle(PlainMessage.pack(body: w.bytes, msgID: 1), now: testNow)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .unexpectedMessage(got: Wire.dhGenOK, expected: "resPQ"))
        }
        var client2 = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        _ = client2.start(now: testNow)
        var truncated = WireWriter(); truncated.uint32(Wire.resPQ); truncated.raw([1, 2, 3])
        XCTAssertThrowsError(try client2.handle(PlainMessage.pack(body: truncated.bytes, msgID: 1), now: testNow)) { error in
            guard case .malformed = error as? AuthKeyExchangeError else { return XCTFail("\(error)") }
        }
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        XCTAssertThrowsError(try server.handle([0, 1, 2], now: testNow)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .plainMessage(.tooShort(3)))
        }
    }

    func testServerRefusesWrongFingerprintAndPQ() throws {
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        let nonce = SecureRandom.bytes(16)
        var w = WireWriter(); w.uint32(Wire.reqPQMulti); w.raw(nonce)
        guard case let .send(resPacket) = try server.handle(PlainMessage.pack(body: w.bytes, msgID: 4), now: testNow) else {
            return XCTFail()
        }
        var r = WireReader(try PlainMessage.unpack(resPacket).body, offset: 4)
        let res = try ResPQ(&r)
        let req = ReqDHParams(nonce: nonce, serverNonce: res.serverNonce, p: [1], q: [2],
                              fingerprint: TestKeys.server.publicKey.fingerprint, encryptedData: [UInt8](repeating: 7, count: 256))
        var copy = server
        XCTAssertThrowsError(try copy.handle(PlainMessage.pack(body: req.encoded(), msgID: 8), now: testNow)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .pqMismatch)
        }
        let (p, q) = try XCTUnwrap(PQ.factorize(try XCTUnwrap(uint64(bigEndian: res.pq))))
        let wrongKey = ReqDHParams(nonce: nonce, serverNonce: res.serverNonce, p: bigEndianBytes(p), q: bigEndianBytes(q),
                                   fingerprint: 1234, encryptedData: [UInt8](repeating: 7, count: 256))
        XCTAssertThrowsError(try server.handle(PlainMessage.pack(body: wrongKey.encoded(), msgID: 8), now: testNow)) {
            XCTAssertEqual($0 as? AuthKeyExchangeError, .wrongFingerprint(1234))
        }
    }
}

final class AuthKeyMessageTests: XCTestCase {
    func testEveryPQInnerDataFormRoundTrips() throws {
        for constructor in [Wire.pqInnerData, Wire.pqInnerDataDC, Wire.pqInnerDataTemp, Wire.pqInnerDataTempDC] {
            var inner = PQInnerData(pq: [0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81], p: [0x49, 0x4c, 0x55, 0x3b],
                                    q: [0x53, 0x91, 0x10, 0x73], nonce: SecureRandom.bytes(16),
                                    serverNonce: SecureRandom.bytes(16), newNonce: SecureRandom.bytes(32), dc: -2)
            inner.constructor = constructor
            let hasDC = constructor == Wire.pqInnerDataDC || constructor == Wire.pqInnerDataTempDC
            let hasExpiry = constructor == Wire.pqInnerDataTemp || constructor == Wire.pqInnerDataTempDC
            if !hasDC { inner.dc = nil }
            if hasExpiry { inner.expiresIn = 86400 }
            // Trailing RSA padding is ignored by the decoder.
            let decoded = try PQInnerData(decoding: inner.encoded() + SecureRandom.bytes(40))
            XCTAssertEqual(decoded, inner)
        }
        var junk = WireWriter(); junk.uint32(Wire.resPQ)
        XCTAssertThrowsError(try PQInnerData(decoding: junk.bytes)) {
            XCTAssertEqual($0 as? WireError, .unexpectedConstructor(Wire.resPQ))
        }
    }

    func testInitialSaltIsXorOfNonces() {
        let newNonce: [UInt8] = (0..<32).map { UInt8($0) }
        let serverNonce: [UInt8] = [UInt8](repeating: 0xff, count: 16)
        // bytes 0..7 xor 0xff = ff fe fd fc fb fa f9 f8, little-endian.
        XCTAssertEqual(initialSalt(newNonce: newNonce, serverNonce: serverNonce), Int64(bitPattern: 0xf8f9_fafb_fcfd_feff))
    }

    func testErrorsDescribeWithoutSecrets() {
        let errors: [AuthKeyExchangeError] = [.nonceMismatch, .badDHPrime("not safe"), .unknownFingerprints([1, 2]),
                                              .dhValueOutOfRange(name: "g_a", reason: "≤ 1"), .tooManyRetries(6)]
        for e in errors { XCTAssertFalse(e.description.isEmpty) }
        let key = randomAuthKey()
        let created = CreatedAuthKey(authKey: key, serverSalt: 1, timeOffset: 0)
        let hex = key.bytes.prefix(8).map { String(format: "%02x", $0) }.joined()
        XCTAssertFalse("\(created)".contains(hex))
        XCTAssertFalse(String(reflecting: created).contains(hex))
    }

    func testStateMachinesPrintNoSecrets() throws {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [TestKeys.server.publicKey])
        var server = ServerAuthKeyExchange(privateKey: TestKeys.server)
        guard case let .send(res) = try server.handle(client.start(now: testNow), now: testNow),
              case let .send(req) = try client.handle(res, now: testNow),
              case let .send(answer) = try server.handle(req, now: testNow),
              case .send = try client.handle(answer, now: testNow) else { return XCTFail() }
        // The nonce is in the first packet in clear; it must not show in what the state machines print.
        let nonce = Array(try PlainMessage.unpack(res).body[4..<20]).map { String($0) }.joined(separator: ", ")
        var dumped = ""
        dump(client, to: &dumped)
        dump(server, to: &dumped)
        let key = randomAuthKey()
        let session = ClientSession(authKey: key, serverSalt: 1, timeOffset: 0)
        dump(session, to: &dumped)
        dump(ServerSession(authKey: key, serverSalt: 1), to: &dumped)
        let printed = dumped + "\(client) \(server) \(session)" + String(reflecting: session)
        XCTAssertFalse(printed.contains(nonce), printed)
        XCTAssertFalse(printed.contains(key.bytes.prefix(6).map { String($0) }.joined(separator: ", ")))
        XCTAssertTrue(printed.contains("\(key.id)"))
    }
}
