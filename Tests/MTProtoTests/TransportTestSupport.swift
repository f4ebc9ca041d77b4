import XCTest
@testable import MTProto

extension Array where Element == UInt8 {
    /// Bytes from hex (test fixtures only; malformed hex fails the test).
    init(transportHex hex: String) {
        var out: [UInt8] = []
        var chars = Array(hex.utf8)[...]
        while chars.count >= 2 {
            let pair = String(decoding: chars.prefix(2), as: UTF8.self)
            guard let byte = UInt8(pair, radix: 16) else { XCTFail("bad hex \(pair)"); break }
            out.append(byte)
            chars = chars.dropFirst(2)
        }
        self = out
    }

    var transportHex: String { map { String(format: "%02x", $0) }.joined() }
}

/// Packets as a transport carries them: multiples of 4 bytes, varied sizes around the
/// abridged one-byte/four-byte length boundary.
func samplePackets(seed: UInt8 = 1) -> [[UInt8]] {
    [8, 40, 504, 508, 512, 4096].map { size in (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) } }
}

/// Feeds `bytes` to `codec` in pieces of `step` bytes and collects every event.
func feedInPieces(_ codec: inout TransportCodec, _ bytes: [UInt8], step: Int) throws -> [TransportEvent] {
    var events: [TransportEvent] = []
    var start = 0
    while start < bytes.count {
        let end = Swift.min(bytes.count, start + step)
        events += try codec.feed(Array(bytes[start..<end]))
        start = end
    }
    return events
}
