/// Identifies a request for its whole life, across resends (which change its msg_id).
public struct RequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: RequestID, b: RequestID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "request#\(rawValue)" }
}

/// What a packet from the server meant for the client.
public enum SessionEvent: Sendable, Equatable {
    /// The raw result bytes of a request (gzip already inflated); decode with the method's result type.
    case result(RequestID, body: [UInt8])
    /// The server answered the request with an error.
    case rpcError(RequestID, RPCError)
    /// The request cannot succeed on this session (the server refused its message).
    case failed(RequestID, SessionError)
    /// A message that is not an answer: updates and anything unknown to MTProto.
    case update(body: [UInt8])
    /// The server started a new session (`new_session_created`); its salt was adopted.
    case newSession
    /// A `pong` for `ping_id`.
    case pong(pingID: Int64)
    /// The server salt changed (already adopted).
    case saltChanged(Int64)
    /// The local clock was corrected after `bad_msg_notification` 16/17.
    case clockCorrected(timeOffset: Int)
    /// The packet was dropped (and counted in `rejectedPackets`).
    case rejected(SessionError)
}

/// A salt from `future_salts`, valid between two server times.
public struct FutureSalt: Equatable, Sendable {
    public let validSince: Int
    public let validUntil: Int
    public let salt: Int64

    public init(validSince: Int, validUntil: Int, salt: Int64) {
        self.validSince = validSince
        self.validUntil = validUntil
        self.salt = salt
    }
}
