import MTProto

/// Why a connection could not be opened or went down. Proxy failures say what the proxy did;
/// none of them carries a password or secret. None of them can be continued: open a new connection.
public enum ConnectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data centre refused or could not be reached (connection refused, no route, DNS).
    case unreachable(host: String, port: Int, reason: String)
    /// The proxy itself refused or could not be reached; nothing was sent through it.
    case proxyUnreachable(proxy: String, reason: String)
    /// The proxy wants a username and password and none were configured.
    case proxyAuthenticationRequired(proxy: String)
    /// The proxy refused the configured username and password (or every method we offered).
    case proxyAuthenticationRefused(proxy: String, reason: String)
    /// The proxy answered the connect request with a failure code (SOCKS5 REP or HTTP status).
    case proxyReplyCode(proxy: String, code: Int, meaning: String)
    /// The proxy closed the connection during its handshake, at `phase`.
    case proxyClosed(proxy: String, phase: String)
    /// The proxy answered something its protocol does not allow (what).
    case proxyProtocolViolation(proxy: String, what: String)
    /// Nothing happened for `seconds` while `phase` was waiting: the peer is silent.
    case timeout(phase: String, seconds: Double)
    /// The connection is closed (by us or the peer); nothing more can be sent.
    case closed
    /// The peer's bytes broke the transport (bad CRC, oversized frame, wrong MTProxy secret…).
    case transport(TransportError)
    /// The server sent transport error `code` (-404: unknown auth key, -429: too many connections)
    /// and closes the connection.
    case serverTransportError(code: Int32)
    /// The requested combination cannot work (e.g. the full transport over obfuscation).
    case unsupported(String)

    public var description: String {
        switch self {
        case let .unreachable(host, port, reason): return "cannot connect to \(host):\(port): \(reason)"
        case let .proxyUnreachable(proxy, reason): return "cannot connect to the \(proxy): \(reason); check the proxy's address and that it is running"
        case let .proxyAuthenticationRequired(proxy): return "the \(proxy) requires a username and password; configure them"
        case let .proxyAuthenticationRefused(proxy, reason): return "the \(proxy) refused authentication: \(reason); check the proxy username and password"
        case let .proxyReplyCode(proxy, code, meaning): return "the \(proxy) could not connect to the data centre: reply \(code) (\(meaning))"
        case let .proxyClosed(proxy, phase): return "the \(proxy) closed the connection during \(phase)"
        case let .proxyProtocolViolation(proxy, what): return "the \(proxy) broke its protocol: \(what)"
        case let .timeout(phase, seconds): return "timed out after \(seconds) s during \(phase)"
        case .closed: return "the connection is closed"
        case let .transport(error): return error.description
        case let .serverTransportError(code):
            let meaning = code == -404 ? " (the server does not know this auth key)" : code == -429 ? " (too many connections; wait)" : ""
            return "the server sent transport error \(code)\(meaning) and closed the connection"
        case let .unsupported(what): return "unsupported: \(what)"
        }
    }
}
