import XCTest
@testable import MTProto

/// Our codecs against bytes made by Telethon 1.45.0's own codecs
/// (scripts/fixtures/transport_telethon.py, TransportVectors/).
final class TransportTelethonVectorTests: XCTestCase {
    private func obfuscation(for vector: TelethonTransportVector) throws -> Obfuscation? {
        switch vector.obfuscation {
        case "none": return nil
        case "obfuscated2": return Obfuscation(dcID: 0)
        default:
            let secret = try MTProxySecret(parsing: vector.secretHex)
            return Obfuscation(mtproxy: secret, dcID: vector.dcID)
        }
    }

    func testVectorsCoverEveryTransportAndObfuscation() {
        XCTAssertEqual(Set(telethonTransportVectors.map(\.transport)), Set(TransportProtocol.allCases))
        XCTAssertEqual(Set(telethonTransportVectors.map(\.obfuscation)), ["none", "obfuscated2", "mtproxy"])
    }

    func testClientEncodesExactlyAsTelethon() throws {
        for vector in telethonTransportVectors {
            let random = RandomSource.replaying(vector.randomChunks.map { [UInt8](transportHex: $0) })
            var codec = TransportCodec(protocol: vector.transport, role: .client, obfuscation: try obfuscation(for: vector), random: random)
            var written = codec.handshake()
            for packet in vector.packets { written += codec.encode([UInt8](transportHex: packet)) }
            XCTAssertEqual(written.transportHex, vector.clientStream, vector.name)
        }
    }

    func testClientDecodesTelethonFramedServerStream() throws {
        for vector in telethonTransportVectors {
            let random = RandomSource.replaying(vector.randomChunks.map { [UInt8](transportHex: $0) })
            var codec = TransportCodec(protocol: vector.transport, role: .client, obfuscation: try obfuscation(for: vector), random: random)
            _ = codec.handshake()
            for step in [1, 7, 100_000] {
                var copy = TransportCodec(protocol: vector.transport, role: .client, obfuscation: try obfuscation(for: vector),
                                          random: .replaying(vector.randomChunks.map { [UInt8](transportHex: $0) }))
                _ = copy.handshake()
                let events = try feedInPieces(&copy, [UInt8](transportHex: vector.serverStream), step: step)
                XCTAssertEqual(events, vector.packets.map { .packet([UInt8](transportHex: $0)) }, "\(vector.name), pieces of \(step)")
            }
        }
    }

    func testServerDetectsTelethonClientStream() throws {
        for vector in telethonTransportVectors {
            let secret = vector.obfuscation == "mtproxy" ? try MTProxySecret(parsing: vector.secretHex) : nil
            var detector = ServerTransportDetector(mtproxySecret: secret)
            let stream = [UInt8](transportHex: vector.clientStream)
            var detected: (TransportCodec, leftover: [UInt8])?
            var offset = 0
            while detected == nil, offset < stream.count {
                detected = try detector.feed([stream[offset]])
                offset += 1
            }
            guard var (codec, leftover) = detected else { return XCTFail("\(vector.name): not detected") }
            XCTAssertEqual(codec.transportProtocol, vector.transport, vector.name)
            if vector.obfuscation == "mtproxy" { XCTAssertEqual(codec.headerDCID, vector.dcID, vector.name) }
            let events = try codec.feed(leftover + Array(stream[offset...]))
            XCTAssertEqual(events, vector.packets.map { .packet([UInt8](transportHex: $0)) }, vector.name)
        }
    }
}
