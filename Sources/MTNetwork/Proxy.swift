import MTProto

/// A proxy to reach the data centre through. Credentials never appear in its description.
public enum Proxy: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// SOCKS5 (RFC 1928); with a username and password, RFC 1929 authentication. The data
    /// centre's host name is passed to the proxy unresolved.
    case socks5(host: String, port: Int, username: String? = nil, password: String? = nil)
    /// An HTTP proxy's CONNECT method, with Basic authentication when credentials are given.
    case http(host: String, port: Int, username: String? = nil, password: String? = nil)
    /// Telegram's MTProxy: obfuscated2 keyed by the secret (and fake TLS for `ee` secrets).
    case mtproxy(host: String, port: Int, secret: MTProxySecret)

    public var host: String {
        switch self { case .socks5(let h, _, _, _), .http(let h, _, _, _), .mtproxy(let h, _, _): return h }
    }

    public var port: Int {
        switch self { case .socks5(_, let p, _, _), .http(_, let p, _, _), .mtproxy(_, let p, _): return p }
    }

    /// An MTProxy from a `tg://proxy?…` or `https://t.me/proxy?…` link.
    public init(mtproxyLink: String) throws {
        let link = try MTProxyLink(parsing: mtproxyLink)
        self = .mtproxy(host: link.server, port: link.port, secret: link.secret)
    }

    public var description: String {
        switch self {
        case .socks5(let host, let port, let user, _): return "SOCKS5 proxy \(host):\(port)\(user == nil ? "" : " (with authentication)")"
        case .http(let host, let port, let user, _): return "HTTP proxy \(host):\(port)\(user == nil ? "" : " (with authentication)")"
        case .mtproxy(let host, let port, let secret): return "MTProxy \(host):\(port) (\(secret))"
        }
    }

    public var debugDescription: String { description }

    /// `dump` and debuggers see the address, never the password.
    public var customMirror: Mirror { Mirror(self, children: ["proxy": description]) }
}
