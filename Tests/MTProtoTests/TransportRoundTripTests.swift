import XCTest
@testable import MTProto

/// Client codec ↔ server detector for every transport, plain, obfuscated2 and through MTProxy
/// secrets of each kind, with bytes delivered in small and large pieces.
final class TransportRoundTripTests: XCTestCase {
    private let key = [UInt8](transportHex: "00112233445566778899aabbccddeeff")

    /// Client → detector → server codec and back; `clientOpening` is what precedes the codec's
    /// own handshake (the fake-TLS greeting is driven separately).
    private func roundTrip(_ transport: TransportProtocol, obfuscation: Obfuscation?, secret: MTProxySecret?,
                           step: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        var client = TransportCodec(protocol: transport, role: .client, obfuscation: obfuscation)
        var detector = ServerTransportDetector(mtproxySecret: secret)
        var toServer: [UInt8] = []
        var toClient: [UInt8] = []
        if let secret, secret.isFakeTLS {
            var greeting = FakeTLSClientHandshake(secret: secret, now: Date())
            XCTAssertNil(try detector.feed(greeting.clientHello), file: file, line: line)
            let reply = detector.takeReply()
            XCTAssertFalse(reply.isEmpty, "fake-TLS server must answer the hello", file: file, line: line)
            XCTAssertEqual(try greeting.feed(reply), [], file: file, line: line)
        }
        toServer += client.handshake()
        let packets = samplePackets()
        for packet in packets { toServer += client.encode(packet) }

        var detected: (TransportCodec, leftover: [UInt8])?
        var offset = 0
        while detected == nil, offset < toServer.count {
            let end = min(toServer.count, offset + step)
            detected = try detector.feed(Array(toServer[offset..<end]))
            offset = end
        }
        guard var (server, leftover) = detected else { return XCTFail("not detected", file: file, line: line) }
        XCTAssertEqual(server.transportProtocol, transport, file: file, line: line)
        XCTAssertEqual(server.role, .server, file: file, line: line)
        let received = try feedInPieces(&server, leftover + Array(toServer[offset...]), step: step)
        XCTAssertEqual(received, packets.map { .packet($0) }, "client → server \(transport)", file: file, line: line)

        for packet in packets.reversed() { toClient += server.encode(packet) }
        toClient += server.encodeTransportError(-404)
        let back = try feedInPieces(&client, toClient, step: step)
        XCTAssertEqual(back, packets.reversed().map { .packet($0) } + [.transportError(code: -404)],
                       "server → client \(transport)", file: file, line: line)
    }

    func testPlainTransports() throws {
        for transport in TransportProtocol.allCases {
            for step in [1, 3, 1 << 20] { try roundTrip(transport, obfuscation: nil, secret: nil, step: step) }
        }
    }

    func testObfuscated2OverEveryTaggedTransport() throws {
        for transport in TransportProtocol.allCases where transport != .full {
            for dc in [2, -2, 10003] {
                try roundTrip(transport, obfuscation: Obfuscation(dcID: dc), secret: nil, step: 5)
            }
        }
    }

    func testObfuscatedHeaderCarriesDCID() throws {
        for dc in [1, 5, -4, 10002, -10001] {
            var client = TransportCodec(protocol: .intermediate, role: .client, obfuscation: Obfuscation(dcID: dc))
            var detector = ServerTransportDetector()
            let opening = client.handshake()
            XCTAssertEqual(opening.count, 64)
            let detected = try detector.feed(opening)
            XCTAssertEqual(detected?.0.headerDCID, dc)
        }
        XCTAssertEqual(Obfuscation.headerDCID(id: 2, isTest: false, isMedia: false), 2)
        XCTAssertEqual(Obfuscation.headerDCID(id: 2, isTest: false, isMedia: true), -2)
        XCTAssertEqual(Obfuscation.headerDCID(id: 2, isTest: true, isMedia: false), 10002)
        XCTAssertEqual(Obfuscation.headerDCID(id: 2, isTest: true, isMedia: true), -10002)
    }

    func testMTProxyPlainSecretEveryTaggedTransport() throws {
        let secret = try MTProxySecret(key: key, kind: .plain)
        for transport in TransportProtocol.allCases where transport != .full {
            try roundTrip(transport, obfuscation: Obfuscation(mtproxy: secret, dcID: 2), secret: secret, step: 9)
        }
    }

    func testMTProxyDDSecret() throws {
        let secret = try MTProxySecret(parsing: "dd" + key.transportHex)
        try roundTrip(.paddedIntermediate, obfuscation: Obfuscation(mtproxy: secret, dcID: 2), secret: secret, step: 1)
        try roundTrip(.paddedIntermediate, obfuscation: Obfuscation(mtproxy: secret, dcID: 2), secret: secret, step: 1 << 20)
    }

    func testMTProxyDDSecretRefusesOtherTags() throws {
        let secret = try MTProxySecret(parsing: "dd" + key.transportHex)
        var client = TransportCodec(protocol: .abridged, role: .client, obfuscation: Obfuscation(mtproxy: secret, dcID: 2))
        var detector = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertThrowsError(try detector.feed(client.handshake())) {
            guard case TransportError.protocolNotAllowed(.abridged, _) = $0 else { return XCTFail("\($0)") }
        }
    }

    func testMTProxyFakeTLSSecretEveryTaggedTransport() throws {
        let secret = try MTProxySecret(key: key, kind: .fakeTLS(domain: "example.com"))
        for transport in TransportProtocol.allCases where transport != .full {
            for step in [1, 13, 1 << 20] {
                try roundTrip(transport, obfuscation: Obfuscation(mtproxy: secret, dcID: 4), secret: secret, step: step)
            }
        }
    }

    func testFakeTLSLargePacketsSpanSeveralRecords() throws {
        let secret = try MTProxySecret(key: key, kind: .fakeTLS(domain: "example.com"))
        var client = TransportCodec(protocol: .intermediate, role: .client, obfuscation: Obfuscation(mtproxy: secret, dcID: 1))
        var detector = ServerTransportDetector(mtproxySecret: secret)
        var greeting = FakeTLSClientHandshake(secret: secret, now: Date())
        _ = try detector.feed(greeting.clientHello)
        _ = try greeting.feed(detector.takeReply())
        let big = [UInt8](repeating: 0x5a, count: 100_000)
        guard var (server, leftover) = try detector.feed(client.handshake() + client.encode(big)) else { return XCTFail() }
        XCTAssertEqual(try server.feed(leftover), [.packet(big)])
    }

    func testWrongMTProxySecretIsRefused() throws {
        let secret = try MTProxySecret(key: key, kind: .plain)
        let other = try MTProxySecret(key: [UInt8](repeating: 7, count: 16), kind: .plain)
        var client = TransportCodec(protocol: .intermediate, role: .client, obfuscation: Obfuscation(mtproxy: other, dcID: 2))
        var detector = ServerTransportDetector(mtproxySecret: secret)
        XCTAssertThrowsError(try detector.feed(client.handshake())) {
            guard case TransportError.unknownObfuscatedTag = $0 else { return XCTFail("\($0)") }
        }
    }

    func testFullOverObfuscationIsRefusedNotCrashed() throws {
        var codec = TransportCodec(protocol: .full, role: .client, obfuscation: Obfuscation(dcID: 2))
        XCTAssertNotNil(codec.configurationError)
        XCTAssertEqual(codec.handshake(), [])
        XCTAssertEqual(codec.encode([1, 2, 3, 4]), [])
        XCTAssertThrowsError(try codec.feed([0]))
    }

    func testObfuscatedHeadersAvoidReservedStarts() {
        // A random source that first offers every reserved pattern; the codec must skip them all.
        var offers: [[UInt8]] = Obfuscation.reservedStarts.map { $0 + [UInt8](repeating: 1, count: 60) }
        offers.append([0xef] + [UInt8](repeating: 1, count: 63))
        offers.append([1, 2, 3, 4, 0, 0, 0, 0] + [UInt8](repeating: 1, count: 56))
        let good = [UInt8](repeating: 0x42, count: 64)
        offers.append(good)
        var codec = TransportCodec(protocol: .abridged, role: .client, obfuscation: Obfuscation(dcID: 1), random: .replaying(offers))
        let header = codec.handshake()
        XCTAssertEqual(Array(header[0..<56]), Array(good[0..<56]))
    }

    func testPlainTagsAndPaddingLengths() throws {
        XCTAssertEqual(TransportCodec(protocol: .abridged, role: .client).handshakeCopy(), [0xef])
        XCTAssertEqual(TransportCodec(protocol: .intermediate, role: .client).handshakeCopy(), [0xee, 0xee, 0xee, 0xee])
        XCTAssertEqual(TransportCodec(protocol: .paddedIntermediate, role: .client).handshakeCopy(), [0xdd, 0xdd, 0xdd, 0xdd])
        XCTAssertEqual(TransportCodec(protocol: .full, role: .client).handshakeCopy(), [])
        var padded = TransportCodec(protocol: .paddedIntermediate, role: .client)
        _ = padded.handshake()
        var lengths = Set<Int>()
        for _ in 0..<200 { lengths.insert(padded.encode([UInt8](repeating: 1, count: 16)).count - 20) }
        XCTAssertEqual(lengths, [0, 1, 2, 3], "padding is 0–3 random bytes")
    }
}

private extension TransportCodec {
    func handshakeCopy() -> [UInt8] {
        var copy = self
        return copy.handshake()
    }
}

final class TransportReplayGuardTests: XCTestCase {
    private let key = [UInt8](transportHex: "00112233445566778899aabbccddeeff")

    func testReplayedObfuscatedHeaderIsRefused() throws {
        let secret = try MTProxySecret(parsing: "dd" + key.transportHex)
        let replayGuard = MTProxyReplayGuard()
        var client = TransportCodec(protocol: .paddedIntermediate, role: .client, obfuscation: Obfuscation(mtproxy: secret, dcID: 2))
        let opening = client.handshake()
        var first = ServerTransportDetector(mtproxySecret: secret, replayGuard: replayGuard)
        XCTAssertNotNil(try first.feed(opening))
        var replay = ServerTransportDetector(mtproxySecret: secret, replayGuard: replayGuard)
        XCTAssertThrowsError(try replay.feed(opening)) { XCTAssertEqual($0 as? TransportError, .replayedHandshake) }
    }

    func testReplayedClientHelloIsRefused() throws {
        let secret = try MTProxySecret(key: key, kind: .fakeTLS(domain: "example.com"))
        let replayGuard = MTProxyReplayGuard()
        let hello = FakeTLSClientHandshake(secret: secret, now: Date()).clientHello
        var first = ServerTransportDetector(mtproxySecret: secret, replayGuard: replayGuard)
        XCTAssertNil(try first.feed(hello))
        XCTAssertFalse(first.takeReply().isEmpty)
        var replay = ServerTransportDetector(mtproxySecret: secret, replayGuard: replayGuard)
        XCTAssertThrowsError(try replay.feed(hello)) { XCTAssertEqual($0 as? TransportError, .replayedHandshake) }
    }

    func testGuardForgetsOldestBeyondCapacity() {
        let replayGuard = MTProxyReplayGuard(capacity: 2)
        XCTAssertTrue(replayGuard.firstSight([1]))
        XCTAssertTrue(replayGuard.firstSight([2]))
        XCTAssertFalse(replayGuard.firstSight([1]))
        XCTAssertTrue(replayGuard.firstSight([3]))   // forgets [1]
        XCTAssertTrue(replayGuard.firstSight([1]))
        XCTAssertFalse(replayGuard.firstSight([3]))
    }
}
