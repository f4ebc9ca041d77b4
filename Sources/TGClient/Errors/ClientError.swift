/// A problem the client found itself (not an answer from Telegram).
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call needs a logged-in account and this session has none.
    case notAuthorized
    /// `signIn(code:)` or `signUp` was called without a code request in this session.
    case noPendingLogin
    /// The method name is not in the TL schema; `suggestions` are the closest names.
    case unknownMethod(String, suggestions: [String])
    /// The parameters do not fit the method's schema.
    case invalidParameters(method: String, reason: String)
    /// The server answered something this client cannot use for the call (what).
    case unexpectedAnswer(method: String, got: String)
    /// No address is known for data centre `dc`.
    case unknownDataCenter(Int)
    /// The server configuration (testdc info file, RSA key) could not be used.
    case badServerConfiguration(String)
    /// A peer (`@username`, phone, id) could not be resolved.
    case peerNotFound(String)
    /// The server's 2FA parameters are unusable (unknown algorithm, bad prime).
    case unsupportedPasswordAlgorithm(String)
    /// The QR login was not accepted in time.
    case qrLoginExpired
    /// The account has no 2FA password but the call needs one.
    case noPasswordSet
    /// A 2FA change needs the current password.
    case currentPasswordRequired

    public var description: String {
        switch self {
        case .notAuthorized: return "this session is not logged in: log in first"
        case .noPendingLogin: return "no login code was requested with this session: call sendCodeRequest first"
        case let .unknownMethod(name, suggestions):
            return "unknown Telegram method '\(name)'" + (suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?")
        case let .invalidParameters(method, reason): return "bad parameters for \(method): \(reason)"
        case let .unexpectedAnswer(method, got): return "\(method) returned \(got), which this client cannot use"
        case let .unknownDataCenter(dc): return "no address is known for data centre \(dc): check the server configuration"
        case let .badServerConfiguration(why): return "server configuration: \(why)"
        case let .peerNotFound(what): return "cannot find '\(what)': use @username, a phone number, 'me', or a known id"
        case let .unsupportedPasswordAlgorithm(what): return "unsupported 2FA parameters from the server (\(what))"
        case .qrLoginExpired: return "the QR login token was not accepted in time: try again"
        case .noPasswordSet: return "the account has no 2FA password"
        case .currentPasswordRequired: return "the account has a 2FA password: give the current password"
        }
    }
}
