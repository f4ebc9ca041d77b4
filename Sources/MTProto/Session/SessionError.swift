/// Why the session dropped a packet or failed a request. Packet-level cases are counted
/// and the session goes on (the packet is simply ignored); request-level cases end only
/// that request.
public enum SessionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The packet is shorter than the smallest valid encrypted message.
    case packetTooShort(Int)
    /// The encrypted part is not a multiple of 16 bytes.
    case badPacketLength(Int)
    /// The packet is for another auth key (ids are public, they are not the key).
    case wrongAuthKeyID(expected: Int64, got: Int64)
    /// msg_key does not match the decrypted contents: tampered, or the wrong key.
    case wrongMsgKey
    /// The inner length field is negative, not a multiple of 4, or beyond the packet.
    case badMessageLength(Int)
    /// The random padding is outside 12–1024 bytes.
    case badPadding(Int)
    /// The message belongs to another session.
    case wrongSessionID(expected: Int64, got: Int64)
    /// A server message id must be odd; this one is even.
    case evenMessageID(Int64)
    /// A client message id must be divisible by 4 (server side).
    case messageIDNotDivisibleBy4(Int64)
    /// The message id's time is more than 300 s behind or 30 s ahead of ours (`skew` = its time − ours).
    case messageIDOutOfWindow(msgID: Int64, skew: Int)
    /// This message id was already received: a replay, or a duplicate resend.
    case duplicateMessageID(Int64)
    /// The decrypted body is not a valid MTProto structure.
    case malformed(WireError)
    /// A `gzip_packed` body could not be inflated.
    case gzip(GzipError)
    /// The server rejected the request's message with `bad_msg_notification` `code`
    /// (and it is not a clock, sequence or salt problem the session fixes itself).
    case badMessage(code: Int)
    /// The request was resent `count` times without being accepted; giving up.
    case tooManyResends(count: Int)

    public var description: String {
        switch self {
        case let .packetTooShort(n): return "encrypted packet of \(n) bytes is too short"
        case let .badPacketLength(n): return "encrypted packet of \(n) bytes is not header + multiple of 16"
        case let .wrongAuthKeyID(e, g): return "packet is for auth key id \(g), ours is \(e)"
        case .wrongMsgKey: return "msg_key check failed: the packet was tampered with or uses another key"
        case let .badMessageLength(n): return "inner message length \(n) is invalid"
        case let .badPadding(n): return "padding of \(n) bytes is outside 12–1024"
        case let .wrongSessionID(e, g): return "message for session \(g), ours is \(e)"
        case let .evenMessageID(id): return "server message id \(id) is even"
        case let .messageIDNotDivisibleBy4(id): return "client message id \(id) is not divisible by 4"
        case let .messageIDOutOfWindow(id, skew): return "message id \(id) is \(skew) s off our clock (allowed −300…+30)"
        case let .duplicateMessageID(id): return "message id \(id) was already received (replay?)"
        case let .malformed(e): return "\(e)"
        case let .gzip(e): return "\(e)"
        case let .badMessage(code): return "the server rejected the message with bad_msg_notification code \(code)"
        case let .tooManyResends(n): return "the request was resent \(n) times without being accepted"
        }
    }
}

extension SessionError {
    /// Classifies any error thrown while reading a message.
    init(_ error: Error) {
        switch error {
        case let e as SessionError: self = e
        case let e as WireError: self = .malformed(e)
        case let e as GzipError: self = .gzip(e)
        default: self = .malformed(.malformed(String(describing: error)))
        }
    }
}
