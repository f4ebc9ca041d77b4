import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    /// `count` random bytes. Traps if the system has no entropy (nothing safe can go on).
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0)
        var out = [UInt8](repeating: 0, count: count)
        if count > 0 {
            let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
            precondition(ok == 1, "RAND_bytes failed: \(openSSLReason())")
        }
        return out
    }

    /// Fills `buffer` with random bytes (padding written straight into a message).
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count > 0 else { return }
        let ok = RAND_bytes(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(buffer.count))
        precondition(ok == 1, "RAND_bytes failed: \(openSSLReason())")
    }

    /// A random signed 64-bit integer (session ids, random_id, ping ids).
    public static func int64() -> Int64 {
        bytes(8).withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
    }
}
