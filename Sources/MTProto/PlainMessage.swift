/// An unencrypted MTProto message (auth_key_id = 0), used only for auth-key creation.
public enum PlainMessage {
    /// `auth_key_id (0) | msg_id | length | body`.
    public static func pack(body: [UInt8], msgID: Int64) -> [UInt8] {
        var w = WireWriter(capacity: body.count + 20)
        w.int64(0)
        w.int64(msgID)
        w.int32(Int32(body.count))
        w.raw(body)
        return w.bytes
    }

    /// Splits a plain packet into its message id and body, checking the envelope.
    public static func unpack(_ packet: [UInt8]) throws -> (msgID: Int64, body: [UInt8]) {
        var r = WireReader(packet)
        guard packet.count >= 20 else { throw PlainMessageError.tooShort(packet.count) }
        let keyID = try r.int64()
        guard keyID == 0 else { throw PlainMessageError.notPlain(authKeyID: keyID) }
        let msgID = try r.int64()
        let length = try r.int32()
        guard length >= 0, Int(length) == r.remaining else {
            throw PlainMessageError.badLength(declared: Int(length), available: r.remaining)
        }
        return (msgID, r.rest())
    }
}

/// Why a packet could not be read as a plain (unencrypted) message. The exchange
/// that received it cannot go on; a new connection should start a new exchange.
public enum PlainMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than the 20 header bytes arrived.
    case tooShort(Int)
    /// The packet carries an auth_key_id, so it is encrypted, not plain.
    case notPlain(authKeyID: Int64)
    /// The length field does not match the bytes that follow it.
    case badLength(declared: Int, available: Int)

    public var description: String {
        switch self {
        case let .tooShort(n): return "plain message of \(n) bytes is shorter than its 20-byte header"
        case let .notPlain(id): return "expected a plain message but got one for auth key id \(id)"
        case let .badLength(d, a): return "plain message declares \(d) body bytes but \(a) follow"
        }
    }
}
