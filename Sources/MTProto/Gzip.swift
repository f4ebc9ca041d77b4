import CZlib

/// `gzip_packed` payloads: gzip-format deflate, inflated with a hard output bound so a
/// small hostile packet cannot expand into unbounded memory.
public enum Gzip {
    /// The most an inflated body may grow to (Telegram's messages stay far below this).
    public static let defaultMaxInflatedSize = 16 << 20

    /// Compresses `data` in gzip format.
    public static func compress(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 32)
        var input = data
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let status = deflate(&stream, Z_FINISH)
                return status == Z_STREAM_END ? outBuf.count - Int(stream.avail_out) : -1
            }
        }
        guard produced >= 0 else { return [] }
        return Array(output[..<produced])
    }

    /// Inflates a gzip (or zlib) stream, failing rather than exceeding `maxSize` bytes.
    public static func decompress(_ data: [UInt8], maxSize: Int = defaultMaxInflatedSize) throws -> [UInt8] {
        var stream = z_stream()
        // 32 + 15: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 32 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError.corrupt
        }
        defer { inflateEnd(&stream) }
        var input = data
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var finished = false
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while !finished {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { outBuf -> (Int32, Int) in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, outBuf.count - Int(stream.avail_out))
                }
                guard status == Z_OK || status == Z_STREAM_END else { throw GzipError.corrupt }
                if result.count + produced > maxSize { throw GzipError.tooLarge(limit: maxSize) }
                result.append(contentsOf: chunk[..<produced])
                if status == Z_STREAM_END { finished = true }
                else if produced == 0 && stream.avail_in == 0 { throw GzipError.corrupt }
            }
        }
        return result
    }

    /// Wraps `body` as `gzip_packed` if that makes it smaller; otherwise returns nil.
    static func packIfSmaller(_ body: [UInt8]) -> [UInt8]? {
        let packed = compress(body)
        guard !packed.isEmpty, packed.count + 8 < body.count else { return nil }
        var w = WireWriter(capacity: packed.count + 8)
        w.uint32(Wire.gzipPacked)
        w.tlBytes(packed)
        return w.bytes
    }

    /// The inflated body of a `gzip_packed` (constructor id included).
    static func unpack(_ body: [UInt8]) throws -> [UInt8] {
        var r = WireReader(body)
        let id = try r.uint32()
        guard id == Wire.gzipPacked else { throw WireError.unexpectedConstructor(id) }
        return try decompress(try r.tlBytes())
    }
}

/// A `gzip_packed` payload that could not be inflated. The message carrying it is dropped.
public enum GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data is not a valid gzip/zlib stream (or ends early).
    case corrupt
    /// Inflating would exceed `limit` bytes; the sender is misbehaving.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .corrupt: return "gzip_packed data is corrupt or truncated"
        case let .tooLarge(limit): return "gzip_packed data inflates beyond \(limit) bytes"
        }
    }
}
