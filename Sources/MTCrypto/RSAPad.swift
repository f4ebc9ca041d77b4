/// RSA_PAD, the RSA wrapping of p_q_inner_data in "Creating an Authorization Key",
/// and the server-side reading of it and of the legacy `SHA1(data) + data + padding` form.
public enum RSAPad {
    /// The largest data RSA_PAD accepts.
    public static let maxDataLength = 144

    /// Encrypts `data` (≤ 144 bytes) for `key`: pads to 192 bytes, reverses, appends
    /// SHA256(temp_key ‖ padded data), encrypts with AES-256-IGE (zero IV) under a random
    /// temp_key, prefixes temp_key ⊕ SHA256(ciphertext), and retries while that is ≥ n.
    public static func encrypt(_ data: [UInt8], key: RSAPublicKey) throws -> [UInt8] {
        try encrypt(data, key: key, random: SecureRandom.bytes)
    }

    /// As `encrypt(_:key:)`, drawing padding and temp keys from `random` (tests pass a fixed source).
    public static func encrypt(_ data: [UInt8], key: RSAPublicKey, random: (Int) -> [UInt8]) throws -> [UInt8] {
        guard data.count <= maxDataLength else { throw CryptoError.rsaPadDataTooLong(length: data.count) }
        guard key.byteCount == 256 else { throw CryptoError.badRSABlockLength(expected: 256, got: key.byteCount) }
        let dataWithPadding = data + random(192 - data.count)
        let reversed = Array(dataWithPadding.reversed())
        let modulus = BigNum(key.n)
        for _ in 0..<1000 {
            var tempKey = random(32)
            defer { wipe(&tempKey) }
            let dataWithHash = reversed + SHA256.hash(tempKey + dataWithPadding)
            let aesEncrypted = try AESIGE.encrypt(dataWithHash, key: tempKey, iv: [UInt8](repeating: 0, count: 32))
            let tempKeyXor = zip(tempKey, SHA256.hash(aesEncrypted)).map { $0 ^ $1 }
            let block = tempKeyXor + aesEncrypted
            if BigNum(block) < modulus { return try key.encryptRaw(block) }
        }
        // Each try succeeds with probability n / 2^2048 > 1/2, so 1000 failures mean a broken random source.
        throw CryptoError.rsaInputNotBelowModulus
    }

    /// Decrypts a client's `encrypted_data` (server side). Accepts RSA_PAD, returning its 192
    /// bytes of data with padding, or the legacy form, returning exactly the hashed data.
    /// The TL decoder reads the inner data and ignores trailing padding.
    public static func decrypt(_ encrypted: [UInt8], key: RSAPrivateKey) throws -> [UInt8] {
        let block = try key.decryptRaw(encrypted)
        guard block.count == 256 else { throw CryptoError.badRSABlockLength(expected: 256, got: block.count) }
        if let data = try readRSAPad(block) { return data }
        if let data = readLegacy(block) { return data }
        throw CryptoError.rsaPaddingInvalid(reason: "hash matches neither RSA_PAD nor SHA1(data) + data")
    }

    static func readRSAPad(_ block: [UInt8]) throws -> [UInt8]? {
        let tempKeyXor = block[0..<32], aesEncrypted = Array(block[32..<256])
        var tempKey = zip(tempKeyXor, SHA256.hash(aesEncrypted)).map { $0 ^ $1 }
        defer { wipe(&tempKey) }
        let dataWithHash = try AESIGE.decrypt(aesEncrypted, key: tempKey, iv: [UInt8](repeating: 0, count: 32))
        let dataWithPadding = Array(dataWithHash[0..<192].reversed())
        guard constantTimeEqual(Array(dataWithHash[192..<224]), SHA256.hash(tempKey + dataWithPadding)) else { return nil }
        return dataWithPadding
    }

    /// Legacy: a 255-byte `SHA1(data) ‖ data ‖ random` block (so the 256-byte block starts with 0).
    /// TL data is a multiple of 4 bytes, so only those lengths are tried.
    static func readLegacy(_ block: [UInt8]) -> [UInt8]? {
        guard block[0] == 0 else { return nil }
        let hash = Array(block[1..<21])
        for length in stride(from: 4, through: 255 - 20, by: 4) {
            let data = Array(block[21..<(21 + length)])
            if SHA1.hash(data) == hash { return data }
        }
        return nil
    }
}
