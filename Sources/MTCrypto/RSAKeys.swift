import COpenSSL

/// An RSA public key as MTProto uses it: the server's key, named by its fingerprint.
public struct RSAPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// Modulus and public exponent, minimal big-endian.
    public let n: [UInt8]
    public let e: [UInt8]
    /// Last 8 bytes of SHA1(TL bytes(n) ‖ TL bytes(e)) as a little-endian signed integer.
    public let fingerprint: Int64

    /// Reads PKCS#1 (`BEGIN RSA PUBLIC KEY`) or SPKI (`BEGIN PUBLIC KEY`) PEM.
    public init(pem: String) throws {
        let rsa: OpaquePointer? = try withMemoryBIO(pem) { bio in
            if pem.contains("BEGIN RSA PUBLIC KEY") { return PEM_read_bio_RSAPublicKey(bio, nil, nil, nil) }
            if pem.contains("BEGIN PUBLIC KEY") { return PEM_read_bio_RSA_PUBKEY(bio, nil, nil, nil) }
            throw CryptoError.badPEM(reason: "expected BEGIN RSA PUBLIC KEY or BEGIN PUBLIC KEY")
        }
        guard let rsa else { throw CryptoError.badPEM(reason: openSSLReason()) }
        defer { RSA_free(rsa) }
        var nPtr: OpaquePointer?, ePtr: OpaquePointer?
        RSA_get0_key(rsa, &nPtr, &ePtr, nil)
        guard let nPtr, let ePtr else { throw CryptoError.badPEM(reason: "key has no modulus") }
        try self.init(n: BigNum.copyBytes(nPtr), e: BigNum.copyBytes(ePtr))
    }

    /// A key from its modulus and exponent (big-endian; leading zeros are dropped).
    public init(n: [UInt8], e: [UInt8]) throws {
        self.n = Array(n.drop(while: { $0 == 0 }))
        self.e = Array(e.drop(while: { $0 == 0 }))
        guard self.n.count >= 64, !self.e.isEmpty, self.n.last! & 1 == 1 else {
            throw CryptoError.badPEM(reason: "modulus of \(self.n.count) bytes or exponent is unusable")
        }
        let digest = SHA1.hash(tlBytes(self.n) + tlBytes(self.e))
        fingerprint = Int64(littleEndianBytes: digest[12..<20])
    }

    /// Modulus size in bytes (256 for Telegram's 2048-bit keys).
    public var byteCount: Int { n.count }

    /// The key as PKCS#1 PEM (`BEGIN RSA PUBLIC KEY`), the form Telegram publishes.
    public var pkcs1PEM: String {
        let der = DER.sequence(DER.integer(n) + DER.integer(e))
        return PEM.encode(der, label: "RSA PUBLIC KEY")
    }

    /// Textbook RSA: `block`^e mod n for a block of exactly the modulus size that is below n.
    public func encryptRaw(_ block: [UInt8]) throws -> [UInt8] {
        guard block.count == n.count else { throw CryptoError.badRSABlockLength(expected: n.count, got: block.count) }
        let m = BigNum(block), modulus = BigNum(n)
        guard m < modulus else { throw CryptoError.rsaInputNotBelowModulus }
        return m.power(BigNum(e), modulus: modulus, constantTime: false).bytes(padded: n.count)!
    }

    public var description: String { "RSAPublicKey(\(n.count * 8) bits, fingerprint \(fingerprint))" }
}

/// A server's RSA private key (for the test server): decrypts what clients sent with RSA_PAD.
public final class RSAPrivateKey: @unchecked Sendable, CustomStringConvertible {
    private let pkey: OpaquePointer
    public let publicKey: RSAPublicKey

    /// A fresh key with public exponent 65537.
    public static func generate(bits: Int = 2048) throws -> RSAPrivateKey {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else {
            throw CryptoError.openSSL(operation: "EVP_PKEY_CTX_new_from_name", reason: openSSLReason())
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1,
              EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw CryptoError.openSSL(operation: "EVP_PKEY_generate", reason: openSSLReason())
        }
        return try RSAPrivateKey(taking: pkey)
    }

    /// Reads a private key in PEM (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1 `BEGIN RSA PRIVATE KEY`).
    public convenience init(pem: String) throws {
        let pkey = try withMemoryBIO(pem) { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
        guard let pkey else { throw CryptoError.badPEM(reason: openSSLReason()) }
        try self.init(taking: pkey)
    }

    private init(taking pkey: OpaquePointer) throws {
        self.pkey = pkey
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else {
            EVP_PKEY_free(pkey)
            throw CryptoError.badPEM(reason: "not an RSA key")
        }
        var nBN: OpaquePointer?, eBN: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pkey, "n", &nBN) == 1, EVP_PKEY_get_bn_param(pkey, "e", &eBN) == 1,
              let nBN, let eBN else {
            EVP_PKEY_free(pkey)
            throw CryptoError.badPEM(reason: "key has no modulus")
        }
        let n = BigNum(taking: nBN), e = BigNum(taking: eBN)
        do { publicKey = try RSAPublicKey(n: n.bytes, e: e.bytes) } catch { EVP_PKEY_free(pkey); throw error }
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The key as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`). Secret: store it 0600.
    public var pem: String {
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("BIO_new: out of memory") }
        defer { BIO_free(bio) }
        precondition(PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1, "PEM write failed")
        var data: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Textbook RSA decryption of a modulus-sized block, padded to the modulus size.
    public func decryptRaw(_ block: [UInt8]) throws -> [UInt8] {
        let size = publicKey.byteCount
        guard block.count == size else { throw CryptoError.badRSABlockLength(expected: size, got: block.count) }
        guard BigNum(block) < BigNum(publicKey.n) else { throw CryptoError.rsaInputNotBelowModulus }
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            throw CryptoError.openSSL(operation: "EVP_PKEY_CTX_new_from_pkey", reason: openSSLReason())
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: size)
        var outLength = size
        guard EVP_PKEY_decrypt_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1,
              EVP_PKEY_decrypt(ctx, &out, &outLength, block, block.count) == 1 else {
            throw CryptoError.openSSL(operation: "EVP_PKEY_decrypt", reason: openSSLReason())
        }
        if outLength < size { out = [UInt8](repeating: 0, count: size - outLength) + out[0..<outLength] }
        return out
    }

    public var description: String { "RSAPrivateKey(\(publicKey.byteCount * 8) bits, fingerprint \(publicKey.fingerprint))" }
}

extension BigNum {
    static func copyBytes(_ bn: OpaquePointer) -> [UInt8] {
        let n = Int((BN_num_bits(bn) + 7) / 8)
        var out = [UInt8](repeating: 0, count: n)
        if n > 0 { _ = BN_bn2bin(bn, &out) }
        return out
    }
}

/// Runs `body` with a read-only memory BIO over `text`.
private func withMemoryBIO<R>(_ text: String, _ body: (OpaquePointer) throws -> R) throws -> R {
    var bytes = Array(text.utf8)
    guard !bytes.isEmpty else { throw CryptoError.badPEM(reason: "empty PEM") }
    return try bytes.withUnsafeMutableBytes { buffer in
        guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
            throw CryptoError.openSSL(operation: "BIO_new_mem_buf", reason: openSSLReason())
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

/// TL serialisation of `bytes` (length prefix, padding to 4), as the fingerprint hashes it.
func tlBytes(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8]
    if bytes.count < 254 {
        out = [UInt8(bytes.count)] + bytes
    } else {
        out = [254, UInt8(bytes.count & 0xff), UInt8((bytes.count >> 8) & 0xff), UInt8((bytes.count >> 16) & 0xff)] + bytes
    }
    while out.count % 4 != 0 { out.append(0) }
    return out
}
