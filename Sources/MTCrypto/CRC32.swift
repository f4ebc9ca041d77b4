import COpenSSL

/// CRC-32 (IEEE 802.3, the zlib polynomial), as MTProto's full transport uses.
public enum CRC32 {
    /// The checksum of `data`.
    public static func checksum<Bytes: ContiguousByteInput>(_ data: Bytes) -> UInt32 {
        update(0, data)
    }

    /// Continues `crc` (a previous result, or 0) over more bytes. Long inputs are folded
    /// with carry-less multiplication where the CPU has it, the rest by tables.
    public static func update<Bytes: ContiguousByteInput>(_ crc: UInt32, _ data: Bytes) -> UInt32 {
        data.withUnsafeBytes { buffer in
            guard buffer.count >= 64, useCarrylessMultiply, let base = buffer.baseAddress else {
                return updateWithTables(crc, buffer)
            }
            let folded = buffer.count & ~15
            let state = tg_crc32_clmul(~crc, base.assumingMemoryBound(to: UInt8.self), folded)
            return updateWithTables(~state, UnsafeRawBufferPointer(rebasing: buffer[folded...]))
        }
    }

    static let useCarrylessMultiply = tg_crc32_clmul_available() != 0

    /// The table-driven form (any CPU, any length).
    static func updateWithTables(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        var p = 0
        let n = buffer.count
        let t = tables
        t.withUnsafeBufferPointer { t in
            while n - p >= 8 {   // slicing-by-8
                let lo = buffer.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian ^ c
                let hi = buffer.loadUnaligned(fromByteOffset: p + 4, as: UInt32.self).littleEndian
                c = t[7 * 256 + Int(lo & 0xff)] ^ t[6 * 256 + Int((lo >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xff)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xff)] ^ t[2 * 256 + Int((hi >> 8) & 0xff)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xff)] ^ t[Int(hi >> 24)]
                p += 8
            }
            while p < n {
                c = t[Int((c ^ UInt32(buffer[p])) & 0xff)] ^ (c >> 8)
                p += 1
            }
        }
        return ~c
    }

    /// Eight 256-entry tables for slicing-by-8; table 0 is the classic byte table.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = t[Int(prev & 0xff)] ^ (prev >> 8)
            }
        }
        return t
    }()
}
