/// Reads TL primitives from a byte buffer. It never reads past its end: every
/// read checks what remains and throws `TLError` (`unexpectedEnd`,
/// `lengthExceedsInput`) instead.
public struct TLReader: Sendable {
    public let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var position: Int
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    public var remaining: Int { end - position }
    public var isAtEnd: Bool { position >= end }

    @inline(__always)
    private func need(_ n: Int) throws {
        if n > end - position { throw TLError(.unexpectedEnd(needed: n, remaining: end - position)) }
    }

    public mutating func readUInt32() throws -> UInt32 {
        try need(4)
        let p = position
        position += 4
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: p, as: UInt32.self)) }
    }

    public mutating func readInt32() throws -> Int32 { Int32(bitPattern: try readUInt32()) }

    /// The next 4 bytes as a constructor id, without consuming them.
    public func peekUInt32() throws -> UInt32 {
        try need(4)
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt32.self)) }
    }

    public mutating func readInt64() throws -> Int64 {
        try need(8)
        let p = position
        position += 8
        return bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: p, as: Int64.self)) }
    }

    public mutating func readDouble() throws -> Double {
        Double(bitPattern: UInt64(bitPattern: try readInt64()))
    }

    /// `count` raw bytes (int128 is 16, int256 is 32).
    public mutating func readRaw(_ count: Int) throws -> [UInt8] {
        guard count >= 0 else { throw TLError(.lengthExceedsInput(length: count, remaining: remaining)) }
        try need(count)
        let p = position
        position += count
        return Array(bytes[p..<p + count])
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int) throws {
        try need(count)
        position += count
    }

    /// The range of a TL `bytes`/`string` body, consuming it with its padding.
    public mutating func readBytesRange() throws -> Range<Int> {
        let first = Int(try readByte())
        var length = first
        var header = 1
        if first == 254 {
            try need(3)
            length = Int(bytes[position]) | Int(bytes[position + 1]) << 8 | Int(bytes[position + 2]) << 16
            position += 3
            header = 4
        } else if first == 255 {
            throw TLError(.wrongValue(expected: "a TL length prefix", got: "0xff"))
        }
        let padded = length + (4 - (header + length) % 4) % 4
        if padded > end - position {
            throw TLError(.lengthExceedsInput(length: length, remaining: end - position))
        }
        let start = position
        position += padded
        return start..<start + length
    }

    /// A TL `bytes`/`string` body, without its length prefix and padding.
    public mutating func readBytes() throws -> [UInt8] {
        Array(bytes[try readBytesRange()])
    }

    /// A TL `string`; invalid UTF-8 is replaced (use `readBytes` to keep raw bytes).
    public mutating func readString() throws -> String {
        String(decoding: bytes[try readBytesRange()], as: UTF8.self)
    }

    private mutating func readByte() throws -> UInt8 {
        try need(1)
        defer { position += 1 }
        return bytes[position]
    }
}

extension TLReader {
    /// A reader over `range` of `bytes` (e.g. one message body inside a container);
    /// reads stop at `range.upperBound`.
    public init(_ bytes: [UInt8], range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the buffer")
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }
}
