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
