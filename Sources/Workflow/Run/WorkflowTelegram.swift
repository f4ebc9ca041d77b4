/// The Telegram operations the step kinds use. `TelegramClientAdapter` provides them over
/// TGClient; tests may script them. Kept small so the interpreter's checkpoint, resume
/// and secret logic does not depend on how the client is built.
public protocol WorkflowTelegram: AnyObject, Sendable {
    /// Connects (creating an auth key if needed); returns the home DC.
    func connect() async throws -> Int
    func isUserAuthorized() async throws -> Bool
    /// A login code sent earlier and remembered by the session for this phone, if any.
    func pendingCode(phone: String) async throws -> SentLoginCode?
    /// `auth.sendCode`. Never retried automatically.
    func sendCode(phone: String) async throws -> SentLoginCode
    /// `auth.resendCode` for a hash that is no longer usable.
    func resendCode(phone: String, phoneCodeHash: String) async throws -> SentLoginCode
    /// `auth.signIn`; throws `TelegramFailure` named SESSION_PASSWORD_NEEDED or PHONE_NUMBER_UNOCCUPIED.
    func signIn(phone: String, phoneCodeHash: String, code: String) async throws -> Value
    func signUp(phone: String, phoneCodeHash: String, firstName: String, lastName: String) async throws -> Value
    /// SRP check of the 2FA password (`auth.checkPassword`).
    func checkPassword(_ password: String) async throws -> Value
    func signIn(botToken: String) async throws -> Value
    /// QR login: hands each login URL (`tg://login?token=…`) to `show` until a logged-in app
    /// accepts it or `timeout` seconds pass. Throws SESSION_PASSWORD_NEEDED for 2FA accounts.
    func qrLogin(timeout: Double, show: @escaping @Sendable (String) async -> Void) async throws -> Value
    /// The logged-in user as JSON (`{"id": …, "first_name": …}`).
    func getMe() async throws -> Value
    /// `account.getPassword`, reduced to what reconciling a 2FA change needs.
    func passwordState() async throws -> PasswordState
    /// Telethon's edit_2fa: set (current nil), change, or remove (new nil). With a recovery
    /// email, `emailCode` is asked for the confirmation code (its argument is the code's length).
    func editPassword(current: String?, new: String?, hint: String?, email: String?, emailCode: (@Sendable (Int) async throws -> String)?) async throws
    func logOut() async throws
    /// Any API method, parameters as JSON objects (`{"_": "inputPeerSelf"}`, `"me"`, `"@name"` for peers).
    func invoke(method: String, params: Value) async throws -> Value
    /// The session as a Telethon string session (`format: string`) or copied to a Telethon file.
    func exportSession(format: String, to path: String?) async throws -> String?
    /// The newest login code user 777000 sent to the account logged in at `sessionPath`.
    func loginCode(fromSession sessionPath: String) async throws -> String?
    func disconnect() async
}

/// What `auth.sendCode` answered.
public struct SentLoginCode: Sendable, Equatable {
    public var phoneCodeHash: String
    public var type: String
    public var length: Int?
    public var timeout: Int?
    public init(phoneCodeHash: String, type: String, length: Int? = nil, timeout: Int? = nil) {
        self.phoneCodeHash = phoneCodeHash
        self.type = type
        self.length = length
        self.timeout = timeout
    }
}

/// The account's 2FA state. `currentSaltHex` identifies the current password: it changes
/// with every password change, so comparing it settles whether a change went through.
public struct PasswordState: Sendable, Equatable {
    public var hasPassword: Bool
    public var hint: String?
    public var currentSaltHex: String?
    public init(hasPassword: Bool, hint: String?, currentSaltHex: String?) {
        self.hasPassword = hasPassword
        self.hint = hint
        self.currentSaltHex = currentSaltHex
    }
}

/// An error from Telegram (or the client) as the interpreter sees it: Telegram's name
/// without the number (`FLOOD_WAIT`), the number (`42`), and a hint a person can act on.
public struct TelegramFailure: Error, CustomStringConvertible, Sendable, Equatable {
    public var name: String
    public var code: Int
    public var value: Int?
    public var hint: String
    public init(name: String, code: Int, value: Int? = nil, hint: String = "") {
        self.name = name
        self.code = code
        self.value = value
        self.hint = hint
    }
    public var description: String {
        "\(name)\(value.map { "_\($0)" } ?? "") (\(code))" + (hint.isEmpty ? "" : ": \(hint)")
    }
    /// Errors that are worth retrying without being asked (the server was busy, the network dropped).
    public var isTransient: Bool { ["RPC_CALL_FAIL", "INTERNAL", "TIMEOUT", "NETWORK", "RPC_MCGET_FAIL", "FLOOD_WAIT"].contains(name) || code == 500 }
}

/// The evaluated `client:` block, handed to whatever creates the Telegram connection.
public struct ClientRequest: Sendable {
    /// Each field's value with its secrecy (api_hash and session may be secret).
    public var fields: [String: Evaluated]
    /// `--server INFO.json` or the embedded test server; overrides `client.server`.
    public var serverInfoPath: String?
    /// Folder relative paths (the session) are resolved against.
    public var baseDirectory: String
    public init(fields: [String: Evaluated], serverInfoPath: String?, baseDirectory: String) {
        self.fields = fields
        self.serverInfoPath = serverInfoPath
        self.baseDirectory = baseDirectory
    }
    /// True when the run talks to a test server (test phone numbers and codes apply).
    public var isTestServer: Bool {
        serverInfoPath != nil || fields["server"]?.value.stringValue == "test" || (fields["server"]?.value.stringValue?.hasSuffix(".json") ?? false)
    }
}
