import XCTest
@testable import MTProto

/// Untrusted bytes: every malformed length, checksum or opening is a typed error or a wait
/// for more bytes, never a crash, a hang or an unbounded buffer.
final class TransportHostileInputTests: XCTestCase {
    private func client(_ transport: TransportProtocol, maxFrameSize: Int = 16 << 20) -> TransportCodec {
        var codec = TransportCodec(protocol: transport, role: .client, maxFrameSize: maxFrameSize)
        _ = codec.handshake()
        return codec
    }

    private func assertThrows(_ expected: TransportError, _ body: () throws -> Any, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? TransportError, expected, line: line) }
    }

    func testTruncatedFrameWaitsForTheRest() throws {
        for transport in TransportProtocol.allCases {
            var sender = TransportCodec(protocol: transport, role: .server)
            let frame = sender.encode([UInt8](repeating: 9, count: 64))
            var codec = client(transport)
            XCTAssertEqual(try codec.feed(Array(frame.dropLast())), [], "\(transport)")
            XCTAssertEqual(try codec.feed([frame.last!]), [.packet([UInt8](repeating: 9, count: 64))], "\(transport)")
        }
    }

    func testTwoGigabyteLengths() {
        var intermediate = client(.intermediate)
        assertThrows(.negativeLength(Int(Int32.min))) { try intermediate.feed([0x00, 0x00, 0x00, 0x80]) }
        var padded = client(.paddedIntermediate)
        XCTAssertEqual(try padded.feed([0xfe, 0xff, 0xff, 0xff]), [.transportError(code: -2)])   // small negatives are error codes
        assertThrows(.negativeLength(-100_000)) { try padded.feed([0x60, 0x79, 0xfe, 0xff]) }
    }

    func testLargeLengthsAreRefusedBeforeBuffering() {
        var intermediate = client(.intermediate, maxFrameSize: 1 << 20)
        assertThrows(.frameTooLarge(size: Int(Int32.max), limit: 1 << 20)) { try intermediate.feed([0xff, 0xff, 0xff, 0x7f]) }
        var abridged = client(.abridged, maxFrameSize: 1 << 20)
        assertThrows(.frameTooLarge(size: 0xffffff * 4, limit: 1 << 20)) { try abridged.feed([0x7f, 0xff, 0xff, 0xff]) }
        var full = client(.full, maxFrameSize: 1 << 20)
        assertThrows(.frameTooLarge(size: Int(Int32.max) - 12, limit: 1 << 20)) { try full.feed([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]) }
    }

    func testFullTransportChecks() throws {
        var server = TransportCodec(protocol: .full, role: .server)
        var frame = server.encode([1, 2, 3, 4, 5, 6, 7, 8])
        frame[9] ^= 0xff
        var codec = client(.full)
        XCTAssertThrowsError(try codec.feed(frame)) {
            guard case TransportError.badCRC = $0 else { return XCTFail("\($0)") }
        }
        var short = client(.full)
        assertThrows(.frameTooSmall(size: 8, minimum: 12)) { try short.feed([8, 0, 0, 0, 0, 0, 0, 0]) }

        var sender = TransportCodec(protocol: .full, role: .server)
        let first = sender.encode([1, 2, 3, 4, 5, 6, 7, 8])
        var receiver = client(.full)
        XCTAssertEqual(try receiver.feed(first).count, 1)
        assertThrows(.badSequenceNumber(expected: 1, got: 0)) { try receiver.feed(first) }   // a replayed frame
    }

    func testTransportErrorFrames() throws {
        let minus404: [UInt8] = [0x6c, 0xfe, 0xff, 0xff]
        var abridged = client(.abridged)
        XCTAssertEqual(try abridged.feed([0x01] + minus404), [.transportError(code: -404)])
        var intermediate = client(.intermediate)
        XCTAssertEqual(try intermediate.feed([4, 0, 0, 0] + minus404), [.transportError(code: -404)])
        var bare = client(.intermediate)
        XCTAssertEqual(try bare.feed(minus404), [.transportError(code: -404)])
        var fullBare = client(.full)
        XCTAssertEqual(try fullBare.feed([0x53, 0xfe, 0xff, 0xff]), [.transportError(code: -429)])
        for transport in TransportProtocol.allCases {
            var server = TransportCodec(protocol: transport, role: .server)
            var codec = client(transport)
            XCTAssertEqual(try codec.feed(server.encodeTransportError(-429)), [.transportError(code: -429)], "\(transport)")
        }
    }

    func testServerRefusesQuickAckAndNegativeLengthFromClient() throws {
        var abridgedClient = client(.abridged)
        assertThrows(.unexpectedQuickAck) { try abridgedClient.feed([0x81, 0, 0, 0, 0]) }
        var server = TransportCodec(protocol: .intermediate, role: .server)
        assertThrows(.negativeLength(-404)) { try server.feed([0x6c, 0xfe, 0xff, 0xff]) }
    }

    func testDetectorRefusesGarbageAndStaysBounded() {
        var detector = ServerTransportDetector()
        // Neither a tag nor a full frame (bytes 4..8 not zero) nor a valid obfuscated header.
        let garbage = Array("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8) + [UInt8](repeating: 0x41, count: 40)
        XCTAssertThrowsError(try detector.feed(garbage)) {
            guard case TransportError.unknownProtocol = $0 else { return XCTFail("\($0)") }
        }
        var tls = ServerTransportDetector(mtproxySecret: try! MTProxySecret(parsing: "ee" + String(repeating: "ab", count: 16) + "6578616d706c652e636f6d"))
        XCTAssertThrowsError(try tls.feed([0x16, 0x03, 0x01, 0xff, 0xff])) {
            guard case TransportError.tlsRecordTooLarge = $0 else { return XCTFail("\($0)") }
        }
        var tlsGarbage = ServerTransportDetector(mtproxySecret: try! MTProxySecret(parsing: "ee" + String(repeating: "ab", count: 16) + "6578616d706c652e636f6d"))
        XCTAssertThrowsError(try tlsGarbage.feed([0x47, 0x45, 0x54, 0x20, 0x2f]))
    }

    /// Random bytes into every decoder: only `TransportError` may come out, and nothing may hang.
    func testRandomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let length = Int.random(in: 0...300, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for transport in TransportProtocol.allCases {
                for role in [TransportRole.client, .server] {
                    var codec = TransportCodec(protocol: transport, role: role, maxFrameSize: 4096)
                    _ = codec.handshake()
                    do { _ = try codec.feed(bytes) } catch { XCTAssertTrue(error is TransportError, "round \(round)") }
                }
            }
            for secret in [nil, try! MTProxySecret(parsing: "dd" + String(repeating: "01", count: 16)),
                           try! MTProxySecret(parsing: "ee" + String(repeating: "01", count: 16) + "6162632e636f6d")] {
                var detector = ServerTransportDetector(mtproxySecret: secret)
                do {
                    if var (codec, leftover) = try detector.feed(bytes) { _ = try codec.feed(leftover) }
                } catch { XCTAssertTrue(error is TransportError, "round \(round)") }
            }
        }
    }

    func testErrorMessagesSayWhatWasSeen() {
        XCTAssertTrue(TransportError.badCRC(expected: 0xdeadbeef, got: 1).description.contains("0xdeadbeef"))
        XCTAssertTrue(TransportError.frameTooLarge(size: 99, limit: 10).description.contains("99"))
        XCTAssertTrue(TransportError.negativeLength(-5).description.contains("-5"))
    }
}
