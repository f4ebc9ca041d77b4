/// Reads MTProto's little-endian primitives from untrusted bytes.
///
/// Every read checks the remaining length first and throws `WireError` instead of
/// trapping, so a hostile packet can never crash or over-read.
struct WireReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func raw(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw WireError.truncated(needed: count, available: remaining)
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func skip(_ count: Int) throws {
        guard count >= 0, count <= remaining else {
            throw WireError.truncated(needed: count, available: remaining)
        }
        offset += count
    }

    mutating func uint32() throws -> UInt32 {
        guard remaining >= 4 else { throw WireError.truncated(needed: 4, available: remaining) }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        offset += 4
        return UInt32(littleEndian: value)
    }

    mutating func int32() throws -> Int32 { Int32(bitPattern: try uint32()) }

    mutating func int64() throws -> Int64 {
        guard remaining >= 8 else { throw WireError.truncated(needed: 8, available: remaining) }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        offset += 8
        return Int64(bitPattern: UInt64(littleEndian: value))
    }

    mutating func int128() throws -> [UInt8] { try raw(16) }
    mutating func int256() throws -> [UInt8] { try raw(32) }

    /// A TL `bytes`/`string`: 1-byte length (< 254) or 0xfe + 3-byte length, then padding to 4.
    mutating func tlBytes() throws -> [UInt8] {
        let first = try raw(1)[0]
        let length: Int
        let header: Int
        if first == 254 {
            let l = try raw(3)
            length = Int(l[0]) | Int(l[1]) << 8 | Int(l[2]) << 16
            header = 4
        } else if first == 255 {
            throw WireError.malformed("TL bytes length prefix 0xff")
        } else {
            length = Int(first)
            header = 1
        }
        let value = try raw(length)
        let padding = (4 - (header + length) % 4) % 4
        try skip(padding)
        return value
    }

    /// A bare `Vector<long>` after its 0x1cb5c415 id, with the count bounded by what remains.
    mutating func longVector() throws -> [Int64] {
        let id = try uint32()
        guard id == Wire.vector else { throw WireError.unexpectedConstructor(id) }
        let count = try int32()
        guard count >= 0, Int(count) * 8 <= remaining else {
            throw WireError.malformed("vector of \(count) longs in \(remaining) bytes")
        }
        return try (0..<Int(count)).map { _ in try int64() }
    }

    /// The rest of the buffer.
    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}

/// A malformed MTProto structure: what was wrong with the bytes.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes ended early: `needed` more were required but only `available` remained.
    case truncated(needed: Int, available: Int)
    /// A constructor id appeared where another was required.
    case unexpectedConstructor(UInt32)
    /// A field had an impossible value (described).
    case malformed(String)

    public var description: String {
        switch self {
        case let .truncated(needed, available):
            return "message truncated: needed \(needed) bytes, \(available) left"
        case let .unexpectedConstructor(id):
            return "unexpected constructor 0x\(String(id, radix: 16))"
        case let .malformed(what):
            return "malformed message: \(what)"
        }
    }
}
