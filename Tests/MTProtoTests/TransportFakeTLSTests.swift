import XCTest
import MTCrypto
@testable import MTProto

/// The fake-TLS ClientHello checked against the construction in Telegram's MTProxy
/// documentation, read with a parser written here (not the detector's), and the ServerHello check.
final class TransportFakeTLSTests: XCTestCase {
    private let key = [UInt8](transportHex: "0123456789abcdef0123456789abcdef")
    private let domain = "www.example.com"

    func testClientHelloFollowsTheDocumentedConstruction() throws {
        let timestamp: UInt32 = 1_700_000_000
        let hello = FakeTLS.clientHello(key: key, domain: domain, timestamp: timestamp, random: .secure)

        // A TLS handshake record (0x16, legacy version 3.1) of 517 bytes holding one ClientHello.
        XCTAssertEqual(hello.count, 517)
        XCTAssertEqual(Array(hello[0..<3]), [0x16, 0x03, 0x01])
        XCTAssertEqual(Int(hello[3]) << 8 | Int(hello[4]), hello.count - 5)
        XCTAssertEqual(hello[5], 0x01)
        XCTAssertEqual(Int(hello[6]) << 16 | Int(hello[7]) << 8 | Int(hello[8]), hello.count - 9)
        XCTAssertEqual(Array(hello[9..<11]), [0x03, 0x03])

        // random = HMAC-SHA256(secret, record with random zeroed), last 4 bytes XOR timestamp (LE).
        var zeroed = hello
        zeroed.replaceSubrange(11..<43, with: [UInt8](repeating: 0, count: 32))
        var expected = HMACSHA256.authenticate(key: key, data: zeroed)
        let time = withUnsafeBytes(of: timestamp.littleEndian) { Array($0) }
        for i in 0..<4 { expected[28 + i] ^= time[i] }
        XCTAssertEqual(Array(hello[11..<43]), expected)

        // A 32-byte session id, then the SNI extension naming the secret's domain.
        XCTAssertEqual(hello[43], 32)
        var i = 44 + 32
        let suitesLength = Int(hello[i]) << 8 | Int(hello[i + 1]); i += 2 + suitesLength
        let compressionLength = Int(hello[i]); i += 1 + compressionLength
        let extensionsEnd = i + 2 + (Int(hello[i]) << 8 | Int(hello[i + 1])); i += 2
        XCTAssertEqual(extensionsEnd, hello.count)
        var names: [String] = []
        var types: [Int] = []
        while i < extensionsEnd {
            let type = Int(hello[i]) << 8 | Int(hello[i + 1])
            let length = Int(hello[i + 2]) << 8 | Int(hello[i + 3])
            types.append(type)
            if type == 0 {
                let nameLength = Int(hello[i + 7]) << 8 | Int(hello[i + 8])
                names.append(String(decoding: hello[(i + 9)..<(i + 9 + nameLength)], as: UTF8.self))
            }
            i += 4 + length
        }
        XCTAssertEqual(i, extensionsEnd)
        XCTAssertEqual(names, [domain])
        XCTAssertTrue(types.contains(0x002b) && types.contains(0x0033), "TLS 1.3 supported_versions and key_share")
    }

    func testServerAcceptsHelloAndAnswersSignedServerHello() throws {
        let secret = try MTProxySecret(key: key, kind: .fakeTLS(domain: domain))
        var client = FakeTLSClientHandshake(secret: secret, now: Date())
        var detector = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertNil(try detector.feed(client.clientHello))
        let reply = detector.takeReply()
        XCTAssertEqual(Array(reply[0..<3]), [0x16, 0x03, 0x03])
        XCTAssertEqual(detector.takeReply(), [], "the reply is handed out once")
        // The answer arrives in pieces; bytes after it are handed back.
        for byte in reply.dropLast() { XCTAssertNil(try client.feed([byte])) }
        XCTAssertEqual(try client.feed([reply.last!, 0x17]), [0x17])
    }

    func testClientRefusesUnsignedServerHello() throws {
        let secret = try MTProxySecret(key: key, kind: .fakeTLS(domain: domain))
        var client = FakeTLSClientHandshake(secret: secret, now: Date())
        var detector = ServerTransportDetector(mtproxySecret: secret)
        _ = try detector.feed(client.clientHello)
        var reply = detector.takeReply()
        reply[20] ^= 1
        XCTAssertThrowsError(try client.feed(reply)) { XCTAssertEqual($0 as? TransportError, .badServerHelloDigest) }
        var other = FakeTLSClientHandshake(secret: secret, now: Date())
        XCTAssertThrowsError(try other.feed(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))) {
            guard case TransportError.malformedServerHello = $0 else { return XCTFail("\($0)") }
        }
    }

    func testServerRefusesWrongSecretStaleClockAndWrongDomain() throws {
        let secret = try MTProxySecret(key: key, kind: .fakeTLS(domain: domain))
        let wrongKey = try MTProxySecret(key: [UInt8](repeating: 1, count: 16), kind: .fakeTLS(domain: domain))
        var detector = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertThrowsError(try detector.feed(FakeTLSClientHandshake(secret: wrongKey, now: Date()).clientHello)) {
            XCTAssertEqual($0 as? TransportError, .badClientHelloDigest)
        }
        var stale = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertThrowsError(try stale.feed(FakeTLSClientHandshake(secret: secret, now: Date(timeIntervalSinceNow: -3600)).clientHello)) {
            guard case TransportError.clientHelloTimestampOutOfRange(let skew) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(Double(skew), -3600, accuracy: 5)
        }
        let otherDomain = try MTProxySecret(key: key, kind: .fakeTLS(domain: "other.org"))
        var wrongDomain = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertThrowsError(try wrongDomain.feed(FakeTLSClientHandshake(secret: otherDomain, now: Date()).clientHello)) {
            XCTAssertEqual($0 as? TransportError, .unexpectedTLSDomain(got: "other.org"))
        }
    }

    func testTruncatedAndHostileHellos() throws {
        let secret = try MTProxySecret(key: key, kind: .fakeTLS(domain: domain))
        let hello = FakeTLSClientHandshake(secret: secret, now: Date()).clientHello
        var partial = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertNil(try partial.feed(Array(hello.dropLast())), "a truncated hello waits")
        // A record whose SNI name length runs past its end.
        var broken = hello
        let name = Array(domain.utf8)
        guard let at = (0..<(hello.count - name.count)).first(where: { Array(hello[$0..<($0 + name.count)]) == name }) else { return XCTFail() }
        broken[at - 2] = 0xff
        broken[at - 1] = 0xff
        var zeroed = broken
        zeroed.replaceSubrange(11..<43, with: [UInt8](repeating: 0, count: 32))
        var digest = HMACSHA256.authenticate(key: key, data: zeroed)
        let time = UInt32(Date().timeIntervalSince1970)
        for i in 0..<4 { digest[28 + i] ^= UInt8(truncatingIfNeeded: time >> (8 * UInt32(i))) }
        broken.replaceSubrange(11..<43, with: digest)
        var detector = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertThrowsError(try detector.feed(broken)) {
            guard case TransportError.malformedClientHello = $0 else { return XCTFail("\($0)") }
        }
    }
}
