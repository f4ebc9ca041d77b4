import COpenSSL

/// MTProto 2.0 message keys and the AES key/IV they select.
///
/// Both run once per message, on short inputs, so they hash slices of the auth key in
/// place (no copies) into stack buffers that are wiped before returning.
public enum MessageKey {
    /// msg_key: the middle 128 bits of SHA256(substr(auth_key, 88+x, 32) ‖ plaintext-with-padding).
    /// x = 0 for client→server messages, 8 for server→client.
    public static func compute(authKey: AuthKey, plaintext: [UInt8], x: Int) -> [UInt8] {
        precondition(x == 0 || x == 8, "x must be 0 or 8")
        return authKey.withUnsafeBytes { key in
            plaintext.withUnsafeBytes { text in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
                    DigestAlgorithm.sha256.digest(UnsafeRawBufferPointer(rebasing: key[(88 + x)..<(120 + x)]), text,
                                                  into: digest.baseAddress!)
                    defer { OPENSSL_cleanse(digest.baseAddress, 32) }
                    return Array(UnsafeBufferPointer(rebasing: digest[8..<24]))
                }
            }
        }
    }

    /// The msg_key of `plaintext`, written to `out` (16 bytes): for an envelope built in place.
    public static func compute(authKey: AuthKey, plaintext: UnsafeRawBufferPointer, x: Int, into out: UnsafeMutableRawPointer) {
        precondition(x == 0 || x == 8, "x must be 0 or 8")
        authKey.withUnsafeBytes { key in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
                DigestAlgorithm.sha256.digest(UnsafeRawBufferPointer(rebasing: key[(88 + x)..<(120 + x)]), plaintext,
                                              into: digest.baseAddress!)
                defer { OPENSSL_cleanse(digest.baseAddress, 32) }
                out.copyMemory(from: digest.baseAddress! + 8, byteCount: 16)
            }
        }
    }

    /// Throws `msgKeyMismatch` unless `msgKey` is the key of this decrypted plaintext.
    public static func verify(_ msgKey: [UInt8], authKey: AuthKey, plaintext: [UInt8], x: Int) throws {
        guard constantTimeEqual(msgKey, compute(authKey: authKey, plaintext: plaintext, x: x)) else {
            throw CryptoError.msgKeyMismatch
        }
    }

    /// The AES-256-IGE key and IV for a message with this msg_key:
    /// a = SHA256(msg_key ‖ substr(auth_key, x, 36)), b = SHA256(substr(auth_key, 40+x, 36) ‖ msg_key),
    /// key = a[0..<8] ‖ b[8..<24] ‖ a[24..<32], iv = b[0..<8] ‖ a[8..<24] ‖ b[24..<32].
    public static func aesKeyIV(authKey: AuthKey, msgKey: [UInt8], x: Int) -> (key: [UInt8], iv: [UInt8]) {
        precondition(x == 0 || x == 8, "x must be 0 or 8")
        precondition(msgKey.count == 16, "msg_key must be 16 bytes")
        return authKey.withUnsafeBytes { key in
            msgKey.withUnsafeBytes { mk in
                // a at 0, b at 32, the AES key at 64, the IV at 96.
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { t in
                    let p = t.baseAddress!
                    defer { OPENSSL_cleanse(p, 128) }
                    DigestAlgorithm.sha256.digest(mk, UnsafeRawBufferPointer(rebasing: key[x..<(x + 36)]), into: p)
                    DigestAlgorithm.sha256.digest(UnsafeRawBufferPointer(rebasing: key[(40 + x)..<(76 + x)]), mk, into: p + 32)
                    let a = p, b = p + 32, aesKey = p + 64, aesIV = p + 96
                    aesKey.update(from: a, count: 8)
                    (aesKey + 8).update(from: b + 8, count: 16)
                    (aesKey + 24).update(from: a + 24, count: 8)
                    aesIV.update(from: b, count: 8)
                    (aesIV + 8).update(from: a + 8, count: 16)
                    (aesIV + 24).update(from: b + 24, count: 8)
                    return (Array(UnsafeBufferPointer(start: aesKey, count: 32)), Array(UnsafeBufferPointer(start: aesIV, count: 32)))
                }
            }
        }
    }
}
