/// The kinds of step, one per key, and the parameters each takes.
public enum StepKind: String, Sendable, CaseIterable {
    case connect, login, logout
    case getMe = "get_me"
    case ensure2FA = "ensure_2fa", set2FA = "set_2fa", change2FA = "change_2fa", remove2FA = "remove_2fa", rotate2FA = "rotate_2fa"
    case call
    case sendMessage = "send_message"
    case assert, sleep
    case exportSession = "export_session"
    case uses

    /// Where a parameter's value may go: plain text, or a place that asks for a secret.
    public enum Sink: Sendable { case plain, secret }

    public struct Parameter: Sendable {
        public var name: String
        public var type: String     // string, number, boolean, code_source, destination, any
        public var sink: Sink
        public var required: Bool
    }

    /// The parameters of this kind's mapping (empty for `call` and `uses`, whose value is a name).
    public var parameters: [Parameter] {
        func p(_ name: String, _ type: String, _ sink: Sink = .plain, required: Bool = false) -> Parameter {
            Parameter(name: name, type: type, sink: sink, required: required)
        }
        switch self {
        case .connect, .logout, .getMe, .call, .uses: return []
        case .login:
            return [p("phone", "string", .secret), p("code", "code_source", .secret), p("password", "string", .secret),
                    p("bot_token", "string", .secret), p("qr", "boolean"), p("first_name", "string"), p("last_name", "string"),
                    p("accept_terms", "boolean")]
        case .ensure2FA, .set2FA:
            return [p("password", "string", .secret, required: true), p("current_password", "string", .secret), p("hint", "string"),
                    p("email", "string", .secret), p("email_code", "code_source", .secret)]
        case .change2FA:
            return [p("current_password", "string", .secret, required: true), p("new_password", "string", .secret, required: true), p("hint", "string")]
        case .remove2FA:
            return [p("current_password", "string", .secret, required: true)]
        case .rotate2FA:
            return [p("current_password", "string", .secret), p("destination", "destination", .secret, required: true),
                    p("length", "number"), p("hint", "string")]
        case .sendMessage:
            return [p("peer", "string", required: true), p("text", "string", required: true), p("silent", "boolean")]
        case .assert:
            return [p("that", "boolean", required: true), p("message", "string")]
        case .sleep:
            return [p("seconds", "number", required: true)]
        case .exportSession:
            return [p("format", "string"), p("destination", "destination", .secret, required: true)]
        }
    }

    /// The outputs the kind produces on success, with whether each is secret.
    public var outputs: [(name: String, secret: Bool)] {
        switch self {
        case .login: return [("user", false), ("authorized_before", false)]
        case .getMe: return [("user", false)]
        case .call: return [("result", false)]
        case .sendMessage: return [("message_id", false), ("random_id", false)]
        case .rotate2FA: return [("changed", false), ("destination", false)]
        case .ensure2FA, .set2FA, .change2FA, .remove2FA: return [("changed", false), ("has_password", false)]
        case .exportSession: return [("format", false)]
        case .connect: return [("dc", false)]
        case .logout, .assert, .sleep, .uses: return []
        }
    }

    /// Whether running the step twice could do harm (send a second code, change a password twice).
    public var isIdempotentByNature: Bool {
        switch self {
        case .connect, .getMe, .assert, .sleep, .exportSession, .logout: return true
        default: return false
        }
    }

    /// The Telegram methods a step of this kind may call (for `tgflow plan`).
    public var telegramMethods: [String] {
        switch self {
        case .connect: return ["help.getConfig"]
        case .login: return ["auth.sendCode", "auth.resendCode", "auth.signIn", "auth.signUp", "account.getPassword", "auth.checkPassword", "auth.importBotAuthorization"]
        case .logout: return ["auth.logOut"]
        case .getMe: return ["users.getUsers"]
        case .ensure2FA, .set2FA, .change2FA, .remove2FA, .rotate2FA:
            return ["account.getPassword", "account.getPasswordSettings", "account.updatePasswordSettings"]
        case .sendMessage: return ["messages.sendMessage"]
        case .exportSession: return []
        case .call, .assert, .sleep, .uses: return []
        }
    }
}

/// Code source keys accepted under `login.code` and `email_code`.
let codeSourceKeys = ["prompt", "env", "file", "command", "from_session", "input"]
/// Destination keys accepted under `rotate_2fa.destination` and `export_session.destination`.
let destinationKeys = ["file", "command"]
