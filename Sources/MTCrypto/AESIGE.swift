import COpenSSL

/// AES-256 in Infinite Garble Extension mode, MTProto's message cipher.
///
/// With blocks m_i, c_i and the 32-byte IV split as (c_0, m_0):
/// c_i = E(m_i ⊕ c_{i−1}) ⊕ m_{i−1}, and m_i = D(c_i ⊕ m_{i−1}) ⊕ c_{i−1}.
///
/// Both directions are one serial chain of AES calls (each input needs the previous
/// output), so neither can be batched. On x86-64 with AES-NI the chain runs on the
/// round instructions inline (COpenSSL/shim.h), as fast as OpenSSL's own AES-256-CBC
/// encryption, which is the same kind of chain (see crypto-bench). Elsewhere,
/// encryption goes through OpenSSL's CBC — feeding CBC with m'_i = m_i ⊕ m_{i−2}
/// gives y_i = E(m_i ⊕ c_{i−1}) and c_i = y_i ⊕ m_{i−1} — and decryption, which has
/// no such identity, through EVP one block at a time.
public enum AESIGE {
    /// The ways IGE can be computed here; `crypto-bench` measures them side by side.
    public enum Engine: String, CaseIterable, Sendable {
        /// AES-NI when the CPU has it (fastest in crypto-bench), else the portable engines
        /// (see `encryptEngine` / `decryptEngine`).
        case automatic
        /// AES-NI round instructions inline (x86-64 only).
        case aesni
        /// Encryption through OpenSSL's AES-256-CBC on rewritten input (encryption only).
        case cbc
        /// One EVP AES-256-ECB call per block (portable).
        case evpBlockwise
        /// OpenSSL's legacy table-based `AES_ige_encrypt`.
        case opensslIGE
    }

    static let hasAESNI = tg_aesni_available() != 0
    /// What `.automatic` uses for each direction.
    public static let encryptEngine: Engine = hasAESNI ? .aesni : .cbc
    public static let decryptEngine: Engine = hasAESNI ? .aesni : .evpBlockwise

    /// Encrypts `data` (a multiple of 16 bytes) with a 32-byte key and 32-byte IV.
    public static func encrypt<Bytes: ContiguousByteInput>(_ data: Bytes, key: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        try encrypt(data, key: key, iv: iv, engine: .automatic)
    }

    /// Decrypts `data` (a multiple of 16 bytes) with a 32-byte key and 32-byte IV.
    public static func decrypt<Bytes: ContiguousByteInput>(_ data: Bytes, key: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        try decrypt(data, key: key, iv: iv, engine: .automatic)
    }

    /// Encrypts `buffer` (a multiple of 16 bytes) where it lies, for a message built in its
    /// final buffer: with AES-NI nothing is copied (each block is read before its place is
    /// written); the other engines encrypt a copy and write it back.
    public static func encryptInPlace(_ buffer: UnsafeMutableRawBufferPointer, key: [UInt8], iv: [UInt8], engine: Engine = .automatic) throws {
        try validate(count: buffer.count, key: key, iv: iv)
        guard buffer.count > 0 else { return }
        let engine = engine == .automatic ? encryptEngine : engine
        guard engine == .aesni, hasAESNI else {
            let encrypted = try run(UnsafeRawBufferPointer(buffer), key: key, iv: iv, engine: engine, encrypting: true)
            encrypted.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return
        }
        key.withUnsafeBytes { k in
            iv.withUnsafeBytes { v in
                let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                tg_aesni_ige256_encrypt(p, p, buffer.count / 16, k.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                        v.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// Encryption with a chosen engine (benchmarks and cross-checks).
    public static func encrypt<Bytes: ContiguousByteInput>(_ data: Bytes, key: [UInt8], iv: [UInt8], engine: Engine) throws -> [UInt8] {
        try run(data, key: key, iv: iv, engine: engine == .automatic ? encryptEngine : engine, encrypting: true)
    }

    /// Decryption with a chosen engine (benchmarks and cross-checks).
    public static func decrypt<Bytes: ContiguousByteInput>(_ data: Bytes, key: [UInt8], iv: [UInt8], engine: Engine) throws -> [UInt8] {
        try run(data, key: key, iv: iv, engine: engine == .automatic ? decryptEngine : engine, encrypting: false)
    }

    static func run<Bytes: ContiguousByteInput>(_ data: Bytes, key: [UInt8], iv: [UInt8], engine: Engine,
                                               encrypting: Bool) throws -> [UInt8] {
        try data.withUnsafeBytes { input in
            try run(input, key: key, iv: iv, engine: engine, encrypting: encrypting)
        }
    }

    static func run(_ input: UnsafeRawBufferPointer, key: [UInt8], iv: [UInt8], engine: Engine,
                    encrypting: Bool) throws -> [UInt8] {
        let count = input.count
        try validate(count: count, key: key, iv: iv)
        var out = [UInt8](unsafeUninitializedCapacity: count) { _, n in n = count }
        guard count > 0 else { return out }
        try out.withUnsafeMutableBytes { output in
            try key.withUnsafeBytes { k in
                try iv.withUnsafeBytes { v in
                    let i = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    let o = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    let kp = k.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    let vp = v.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    switch (engine, encrypting) {
                    case (.aesni, true) where hasAESNI: tg_aesni_ige256_encrypt(i, o, count / 16, kp, vp)
                    case (.aesni, false) where hasAESNI: tg_aesni_ige256_decrypt(i, o, count / 16, kp, vp)
                    case (.opensslIGE, _): opensslIGE(input, into: output, key: k, iv: v, encrypting: encrypting)
                    case (.evpBlockwise, _), (.aesni, _), (.automatic, _), (.cbc, false):
                        try blockwise(input, into: output, key: k, iv: v, encrypting: encrypting)
                    case (.cbc, true): try encryptViaCBC(input, into: output, key: k, iv: v)
                    }
                }
            }
        }
        return out
    }

    static func validate(count: Int, key: [UInt8], iv: [UInt8]) throws {
        guard key.count == 32 else { throw CryptoError.badKeyLength(expected: 32, got: key.count) }
        guard iv.count == 32 else { throw CryptoError.badIVLength(expected: 32, got: iv.count) }
        guard count % 16 == 0 else { throw CryptoError.badBlockLength(length: count) }
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

    // MARK: - Blockwise through EVP (portable fallback)

    /// out_i = F(in_i ⊕ prevOut) ⊕ prevIn with F = E or D; the IV is (c_0, m_0), so
    /// encryption starts from (prevOut, prevIn) = (c_0, m_0) and decryption from (m_0, c_0).
    static func blockwise(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                          key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer, encrypting: Bool) throws {
        let context = try CipherContext(cipher: FetchedCiphers.ecb, key: key, iv: nil, encrypt: encrypting)
        let src = input.baseAddress!, dst = output.baseAddress!
        var prevOut = iv.baseAddress! + (encrypting ? 0 : 16)
        var prevIn = iv.baseAddress! + (encrypting ? 16 : 0)
        var scratch = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &scratch) { t in
            let tmp = t.baseAddress!
            for i in 0..<(input.count / 16) {
                let inBlock = src + 16 * i, outBlock = dst + 16 * i
                xorBlock(inBlock, prevOut, tmp)
                context.update(tmp, tmp, 16)
                xorBlock(tmp, prevIn, outBlock)
                prevIn = inBlock
                prevOut = UnsafeRawPointer(outBlock)
            }
            OPENSSL_cleanse(tmp, 16)
        }
    }

    // MARK: - OpenSSL's legacy AES_ige_encrypt (for comparison)

    static func opensslIGE(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                           key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer, encrypting: Bool) {
        var schedule = AES_KEY()
        let k = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        _ = encrypting ? AES_set_encrypt_key(k, 256, &schedule) : AES_set_decrypt_key(k, 256, &schedule)
        var ivCopy = Array(iv)
        AES_ige_encrypt(input.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        output.baseAddress!.assumingMemoryBound(to: UInt8.self), input.count, &schedule, &ivCopy,
                        encrypting ? AES_ENCRYPT : AES_DECRYPT)
        withUnsafeMutableBytes(of: &schedule) { OPENSSL_cleanse($0.baseAddress, $0.count) }
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
