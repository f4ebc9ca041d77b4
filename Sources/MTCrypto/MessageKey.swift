/// MTProto 2.0 message keys and the AES key/IV they select.
public enum MessageKey {
    /// msg_key: the middle 128 bits of SHA256(substr(auth_key, 88+x, 32) ‖ plaintext-with-padding).
    /// x = 0 for client→server messages, 8 for server→client.
    public static func compute(authKey: AuthKey, plaintext: [UInt8], x: Int) -> [UInt8] {
        precondition(x == 0 || x == 8, "x must be 0 or 8")
        let hasher = SHA256.hasher()
        authKey.withUnsafeBytes { key in hasher.update(Array(key[(88 + x)..<(120 + x)])) }
        hasher.update(plaintext)
        return Array(hasher.finalize()[8..<24])
    }

    /// Throws `msgKeyMismatch` unless `msgKey` is the key of this decrypted plaintext.
    public static func verify(_ msgKey: [UInt8], authKey: AuthKey, plaintext: [UInt8], x: Int) throws {
        guard constantTimeEqual(msgKey, compute(authKey: authKey, plaintext: plaintext, x: x)) else {
            throw CryptoError.msgKeyMismatch
        }
    }

    /// The AES-256-IGE key and IV for a message with this msg_key.
    public static func aesKeyIV(authKey: AuthKey, msgKey: [UInt8], x: Int) -> (key: [UInt8], iv: [UInt8]) {
        precondition(x == 0 || x == 8, "x must be 0 or 8")
        precondition(msgKey.count == 16, "msg_key must be 16 bytes")
        let (a, b): ([UInt8], [UInt8]) = authKey.withUnsafeBytes { key in
            (SHA256.hash(msgKey + Array(key[x..<(x + 36)])), SHA256.hash(Array(key[(40 + x)..<(76 + x)]) + msgKey))
        }
        let aesKey = Array(a[0..<8]) + b[8..<24] + a[24..<32]
        let aesIV = Array(b[0..<8]) + a[8..<24] + b[24..<32]
        return (aesKey, aesIV)
    }
}
