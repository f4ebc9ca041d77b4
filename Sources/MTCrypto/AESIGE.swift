import COpenSSL

/// AES-256 in Infinite Garble Extension mode, MTProto's message cipher.
///
/// With blocks m_i, c_i and the 32-byte IV split as (c_0, m_0):
/// c_i = E(m_i ⊕ c_{i−1}) ⊕ m_{i−1}, and m_i = D(c_i ⊕ m_{i−1}) ⊕ c_{i−1}.
///
/// Encryption is CBC in disguise: feeding CBC with m'_i = m_i ⊕ m_{i−2} gives
/// y_i = E(m_i ⊕ c_{i−1}) and c_i = y_i ⊕ m_{i−1}, so the serial chain runs
/// inside OpenSSL's AES-NI CBC and only parallel XORs are left to us.
/// Decryption has no such identity (the chain goes through D); it runs on the
/// AES-NI rounds directly when the CPU has them, else blockwise through EVP.
public enum AESIGE {
    /// Encrypts `data` (a multiple of 16 bytes) with a 32-byte key and 32-byte IV.
    public static func encrypt(_ data: [UInt8], key: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        try validate(data: data, key: key, iv: iv)
        var out = [UInt8](repeating: 0, count: data.count)
        guard !data.isEmpty else { return out }
        try data.withUnsafeBytes { m in
            try out.withUnsafeMutableBytes { c in
                try key.withUnsafeBytes { k in
                    try iv.withUnsafeBytes { v in
                        try encryptViaCBC(m, into: c, key: k, iv: v)
                    }
                }
            }
        }
        return out
    }

    /// Decrypts `data` (a multiple of 16 bytes) with a 32-byte key and 32-byte IV.
    public static func decrypt(_ data: [UInt8], key: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        try validate(data: data, key: key, iv: iv)
        var out = [UInt8](repeating: 0, count: data.count)
        guard !data.isEmpty else { return out }
        try data.withUnsafeBytes { c in
            try out.withUnsafeMutableBytes { m in
                try key.withUnsafeBytes { k in
                    try iv.withUnsafeBytes { v in
                        try decryptBlockwise(c, into: m, key: k, iv: v)
                    }
                }
            }
        }
        return out
    }

    static func validate(data: [UInt8], key: [UInt8], iv: [UInt8]) throws {
        guard key.count == 32 else { throw CryptoError.badKeyLength(expected: 32, got: key.count) }
        guard iv.count == 32 else { throw CryptoError.badIVLength(expected: 32, got: iv.count) }
        guard data.count % 16 == 0 else { throw CryptoError.badBlockLength(length: data.count) }
    }

    // MARK: - Encryption through CBC

    static func encryptViaCBC(_ m: UnsafeRawBufferPointer, into c: UnsafeMutableRawBufferPointer,
                              key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws {
        let blocks = m.count / 16
        let src = m.baseAddress!, dst = c.baseAddress!, ivp = iv.baseAddress!
        // m'_0 = m_0 (CBC IV = c_0), m'_1 = m_1 ⊕ m_0(iv), m'_i = m_i ⊕ m_{i−2}.
        copyBlock(src, dst)
        if blocks > 1 { xorBlock(src + 16, ivp + 16, dst + 16) }
        if blocks > 2 { xorBlocks(src + 32, src, dst + 32, count: blocks - 2) }
        let context = try CipherContext(cipher: FetchedCiphers.cbc, key: key,
                                        iv: UnsafeRawBufferPointer(rebasing: iv[0..<16]), encrypt: true)
        var offset = 0
        while offset < m.count {
            let n = min(m.count - offset, 1 << 30)
            context.update(dst + offset, dst + offset, n)
            offset += n
        }
        // c_0 = y_0 ⊕ m_0(iv), c_i = y_i ⊕ m_{i−1}.
        xorBlock(dst, ivp + 16, dst)
        if blocks > 1 { xorBlocks(dst + 16, src, dst + 16, count: blocks - 1) }
    }

    // MARK: - Blockwise decryption through EVP (portable fallback)

    static func decryptBlockwise(_ c: UnsafeRawBufferPointer, into m: UnsafeMutableRawBufferPointer,
                                 key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws {
        let context = try CipherContext(cipher: FetchedCiphers.ecb, key: key, iv: nil, encrypt: false)
        let src = c.baseAddress!, dst = m.baseAddress!
        var prevC = iv.baseAddress!, prevM = UnsafeRawPointer(iv.baseAddress! + 16)
        var scratch = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &scratch) { t in
            let tmp = t.baseAddress!
            for i in 0..<(c.count / 16) {
                let ci = src + 16 * i, mi = dst + 16 * i
                xorBlock(ci, prevM, tmp)
                context.update(tmp, tmp, 16)
                xorBlock(tmp, prevC, mi)
                prevC = ci
                prevM = UnsafeRawPointer(mi)
            }
        }
    }
}

@inline(__always)
func copyBlock(_ a: UnsafeRawPointer, _ out: UnsafeMutableRawPointer) {
    out.storeBytes(of: a.loadUnaligned(as: UInt64.self), as: UInt64.self)
    (out + 8).storeBytes(of: (a + 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
}

@inline(__always)
func xorBlock(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer) {
    let x0 = a.loadUnaligned(as: UInt64.self) ^ b.loadUnaligned(as: UInt64.self)
    let x1 = (a + 8).loadUnaligned(as: UInt64.self) ^ (b + 8).loadUnaligned(as: UInt64.self)
    out.storeBytes(of: x0, as: UInt64.self)
    (out + 8).storeBytes(of: x1, as: UInt64.self)
}

/// out[i] = a[i] ⊕ b[i] for `count` 16-byte blocks; `out` may alias `a`.
@inline(__always)
func xorBlocks(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ out: UnsafeMutableRawPointer, count: Int) {
    for i in 0..<(count * 2) {
        let x = (a + 8 * i).loadUnaligned(as: UInt64.self) ^ (b + 8 * i).loadUnaligned(as: UInt64.self)
        (out + 8 * i).storeBytes(of: x, as: UInt64.self)
    }
}
