/// Why the test server could not start or keep its state. None of these is
/// sent to clients (those get an `RPCFailure`); they end `tgflow testdc`.
public enum TestDCError: Error, Equatable, CustomStringConvertible {
    /// The config file could not be read (missing, unreadable). Fix the path.
    case configUnreadable(path: String, reason: String)
    /// The config file is not the expected JSON. The reason names the key.
    case configInvalid(path: String, reason: String)
    /// The `--key` file is not a PEM RSA private key.
    case keyUnreadable(path: String, reason: String)
    /// The `--state` database could not be opened or migrated.
    case stateUnavailable(path: String, reason: String)
    /// A listening socket could not be bound (port taken, address not local).
    case bindFailed(host: String, port: Int, reason: String)
    /// The info file could not be written.
    case infoUnwritable(path: String, reason: String)
    /// `--listen` is not HOST:PORT.
    case badListenAddress(String)

    public var description: String {
        switch self {
        case .configUnreadable(let p, let r): return "cannot read config \(p): \(r)"
        case .configInvalid(let p, let r): return "config \(p) is invalid: \(r)"
        case .keyUnreadable(let p, let r): return "cannot use RSA key \(p): \(r) (expected a PEM RSA private key)"
        case .stateUnavailable(let p, let r): return "cannot open state \(p): \(r)"
        case .bindFailed(let h, let port, let r): return "cannot listen on \(h):\(port): \(r)"
        case .infoUnwritable(let p, let r): return "cannot write info file \(p): \(r)"
        case .badListenAddress(let s): return "--listen '\(s)' is not HOST:PORT (e.g. 127.0.0.1:0)"
        }
    }
}
