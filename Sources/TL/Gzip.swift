import CZlib

/// gzip for `gzip_packed`: inflation with a hard limit on the output (a small
/// hostile packet must not expand into gigabytes), and compression for senders.
public enum TLGzip {
    /// The default most bytes `gzip_packed` may inflate to (MTProto caps packets well below this).
    public static let defaultLimit = 32 << 20

    /// Inflates gzip or zlib data. Throws `inflatedTooLarge` past `limit`,
    /// `inflateFailed` for corrupt or truncated input.
    public static func inflate(_ data: ArraySlice<UInt8>, limit: Int = defaultLimit) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TLError(.inflateFailed(reason: "inflateInit2 failed"))
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(max(data.count * 4, 4096), 1 << 20))
        var status: Int32 = Z_OK
        try data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END && !(status == Z_BUF_ERROR && produced > 0) {
                    let reason = status == Z_BUF_ERROR ? "truncated data" : (stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
                    throw TLError(.inflateFailed(reason: reason))
                }
                if output.count + produced > limit { throw TLError(.inflatedTooLarge(limit: limit)) }
                output.append(contentsOf: chunk[0..<produced])
                if status != Z_STREAM_END && produced == 0 && stream.avail_in == 0 {
                    throw TLError(.inflateFailed(reason: "truncated data"))
                }
            } while status != Z_STREAM_END
        }
        return output
    }

    /// Compresses `data` in gzip format, as Telegram's `gzip_packed` carries it.
    public static func deflate(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            preconditionFailure("deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(data.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        let written: Int = data.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate with a deflateBound-sized buffer must finish")
                return out.count - Int(stream.avail_out)
            }
        }
        output.removeLast(output.count - written)
        return output
    }
}
