/// A 2048-bit MTProto authorization key. Prints only its id, never its bytes;
/// the bytes are wiped when the last copy is released.
public struct AuthKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let byteCount = 256

    private let secret: SecretBytes
    /// auth_key_id: the low 64 bits of SHA1(auth_key), as Telegram puts it in every encrypted packet.
    public let id: Int64
    /// auth_key_aux_hash: the high 64 bits of SHA1(auth_key), used in new_nonce_hash.
    public let auxHash: Int64

    public init(_ bytes: [UInt8]) throws {
        guard bytes.count == AuthKey.byteCount else { throw CryptoError.badAuthKeyLength(got: bytes.count) }
        secret = SecretBytes(bytes)
        let digest = SHA1.hash(bytes)
        auxHash = Int64(littleEndianBytes: digest[0..<8])
        id = Int64(littleEndianBytes: digest[12..<20])
    }

    /// A copy of the key bytes (for storage and message keys).
    public var bytes: [UInt8] { secret.bytes }

    /// Runs `body` over the key bytes without copying them.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try secret.withUnsafeBytes(body)
    }

    public static func == (a: AuthKey, b: AuthKey) -> Bool { a.secret == b.secret }

    public var description: String { "AuthKey(id: \(id))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["id": id], displayStyle: .struct) }
}

extension Int64 {
    /// Reads eight bytes as a little-endian signed integer.
    init<C: Collection>(littleEndianBytes bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == 8)
        var value: UInt64 = 0
        for (i, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        self = Int64(bitPattern: value)
    }

    var littleEndianBytes: [UInt8] {
        let v = UInt64(bitPattern: self)
        return (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }
}

/// The key-exchange derivations of "Creating an Authorization Key".
public enum AuthKeyMath {
    /// tmp_aes_key and tmp_aes_iv, which encrypt server_DH_inner_data and client_DH_inner_data.
    public static func tmpAESKeyIV(newNonce: [UInt8], serverNonce: [UInt8]) -> (key: [UInt8], iv: [UInt8]) {
        let newServer = SHA1.hash(newNonce + serverNonce)
        let serverNew = SHA1.hash(serverNonce + newNonce)
        let newNew = SHA1.hash(newNonce + newNonce)
        let key = newServer + serverNew[0..<12]
        let iv = Array(serverNew[12..<20]) + newNew + newNonce[0..<4]
        return (key, iv)
    }

    /// new_nonce_hash1/2/3: the low 128 bits of SHA1(new_nonce ‖ number ‖ auth_key_aux_hash).
    public static func newNonceHash(newNonce: [UInt8], authKey: AuthKey, number: UInt8) -> [UInt8] {
        precondition((1...3).contains(number), "new_nonce_hash number must be 1, 2 or 3")
        let digest = SHA1.hash(newNonce + [number] + authKey.auxHash.littleEndianBytes)
        return Array(digest[4..<20])
    }

    /// Throws `newNonceHashMismatch` unless `received` is our new_nonce_hash`number`.
    public static func verifyNewNonceHash(_ received: [UInt8], newNonce: [UInt8], authKey: AuthKey, number: UInt8) throws {
        let expected = newNonceHash(newNonce: newNonce, authKey: authKey, number: number)
        guard constantTimeEqual(received, expected) else { throw CryptoError.newNonceHashMismatch(number: Int(number)) }
    }

    /// The first server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8), little-endian.
    public static func serverSalt(newNonce: [UInt8], serverNonce: [UInt8]) -> Int64 {
        Int64(littleEndianBytes: zip(newNonce[0..<8], serverNonce[0..<8]).map { $0 ^ $1 })
    }
}

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

/// Equality whose time does not depend on where the inputs differ.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}
