/// Appends TL primitives to a byte buffer: little-endian integers, doubles,
/// int128/int256, and TL byte strings (length prefix, data, zero padding to 4).
///
/// The buffer grows ahead of the written length, so a write is a store and an
/// add rather than an `Array.append` call.
public struct TLWriter: Sendable {
    private var buffer: [UInt8]
    /// How many bytes have been written.
    public private(set) var count: Int

    public init(capacity: Int = 256) {
        buffer = [UInt8](repeating: 0, count: max(capacity, 16))
        count = 0
    }

    /// The bytes written so far.
    public var bytes: [UInt8] { Array(buffer[0..<count]) }

    /// The bytes written, handing over the buffer without a copy.
    public consuming func finish() -> [UInt8] {
        buffer.removeLast(buffer.count - count)
        return buffer
    }

    @inline(__always)
    private mutating func ensure(_ extra: Int) {
        if count + extra > buffer.count { grow(extra) }
    }

    private mutating func grow(_ extra: Int) {
        buffer.append(contentsOf: repeatElement(0, count: max(buffer.count, extra)))
    }

    @inline(__always)
    private mutating func store<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        ensure(size)
        let at = count
        buffer.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
        count += size
    }

    /// Overwrites one already written byte (for length fields known only afterwards).
    public mutating func patchByte(at offset: Int, _ value: UInt8) {
        precondition(offset < count, "patching past the written bytes")
        buffer[offset] = value
    }

    @inlinable
    public mutating func writeInt32(_ value: Int32) { writeUInt32(UInt32(bitPattern: value)) }

    public mutating func writeUInt32(_ value: UInt32) { store(value) }

    public mutating func writeInt64(_ value: Int64) { store(value) }

    public mutating func writeDouble(_ value: Double) { store(value.bitPattern) }

    /// Writes `raw` as is: the caller guarantees its length (16 for int128, 32 for int256).
    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 {
        let n = raw.count
        ensure(n)
        let at = count
        buffer.withUnsafeMutableBufferPointer { out in
            var i = at
            for b in raw { out[i] = b; i += 1 }
        }
        count += n
    }

    public mutating func writeRaw(_ raw: UnsafeRawBufferPointer) {
        ensure(raw.count)
        let at = count
        buffer.withUnsafeMutableBytes { out in
            if let base = raw.baseAddress, raw.count > 0 {
                (out.baseAddress! + at).copyMemory(from: base, byteCount: raw.count)
            }
        }
        count += raw.count
    }

    /// TL lengths have 24 bits: `writeBytes` needs data shorter than this (16 MiB).
    public static let maxBytesLength = 1 << 24

    /// A TL `bytes`/`string`: 1-byte length (< 254) or 0xFE + 3-byte length, data, padding.
    /// `data` must be shorter than `maxBytesLength` (the codec checks and throws).
    public mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        let n = data.count
        precondition(n < Self.maxBytesLength, "TL bytes are limited to 16 MiB")
        let header = n < 254 ? 1 : 4
        let padded = (header + n + 3) & ~3
        ensure(padded)
        let at = count
        buffer.withUnsafeMutableBufferPointer { out in
            if n < 254 {
                out[at] = UInt8(n)
            } else {
                out[at] = 0xFE
                out[at + 1] = UInt8(truncatingIfNeeded: n)
                out[at + 2] = UInt8(truncatingIfNeeded: n >> 8)
                out[at + 3] = UInt8(truncatingIfNeeded: n >> 16)
            }
            var i = at + header
            if let copied = data.withContiguousStorageIfAvailable({ src -> Bool in
                if let base = src.baseAddress, n > 0 { (out.baseAddress! + i).update(from: base, count: n) }
                return true
            }), copied {
                i += n
            } else {
                for b in data { out[i] = b; i += 1 }
            }
            while i < at + padded { out[i] = 0; i += 1 }
        }
        count += padded
    }

    /// A TL `string` from Swift text, written as its UTF-8 bytes.
    public mutating func writeString(_ string: String) {
        var s = string
        s.withUTF8 { writeBytes($0) }
    }
}
