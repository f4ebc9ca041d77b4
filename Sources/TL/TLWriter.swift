/// Appends TL primitives to a byte buffer: little-endian integers, doubles,
/// int128/int256, and TL byte strings (length prefix, data, zero padding to 4).
public struct TLWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    /// Overwrites one already written byte (for length fields known only afterwards).
    public mutating func patchByte(at offset: Int, _ value: UInt8) {
        bytes[offset] = value
    }

    @inlinable
    public mutating func writeInt32(_ value: Int32) { writeUInt32(UInt32(bitPattern: value)) }

    public mutating func writeUInt32(_ value: UInt32) {
        let v = value.littleEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeInt64(_ value: Int64) {
        let v = value.littleEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeDouble(_ value: Double) {
        writeInt64(Int64(bitPattern: value.bitPattern))
    }

    /// Writes `raw` as is: the caller guarantees its length (16 for int128, 32 for int256).
    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    public mutating func writeRaw(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }

    /// TL lengths have 24 bits: `writeBytes` needs data shorter than this (16 MiB).
    public static let maxBytesLength = 1 << 24

    /// A TL `bytes`/`string`: 1-byte length (< 254) or 0xFE + 3-byte length, data, padding.
    /// `data` must be shorter than `maxBytesLength` (the codec checks and throws).
    public mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        let n = data.count
        precondition(n < Self.maxBytesLength, "TL bytes are limited to 16 MiB")
        let header: Int
        if n < 254 {
            bytes.append(UInt8(n))
            header = 1
        } else {
            bytes.append(0xFE)
            bytes.append(UInt8(truncatingIfNeeded: n))
            bytes.append(UInt8(truncatingIfNeeded: n >> 8))
            bytes.append(UInt8(truncatingIfNeeded: n >> 16))
            header = 4
        }
        bytes.append(contentsOf: data)
        let pad = (4 - (header + n) % 4) % 4
        for _ in 0..<pad { bytes.append(0) }
    }

    /// A TL `string` from Swift text, written as its UTF-8 bytes.
    public mutating func writeString(_ string: String) {
        var s = string
        s.withUTF8 { writeBytes($0) }
    }
}
