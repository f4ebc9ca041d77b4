/// An RPC error the test server answers with, in Telegram's words.
///
/// Every case maps to the `rpc_error` Telegram itself sends for the same
/// situation (code and message); the connection always goes on after one.
public enum RPCFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The phone's account lives on another data centre; the client should reconnect there and resend.
    case phoneMigrate(dc: Int)
    /// The user's account lives on another data centre; the client should reconnect there and resend.
    case userMigrate(dc: Int)
    /// Too many attempts: wait this many seconds before trying again.
    case floodWait(seconds: Int)
    /// The phone number is malformed or names a data centre this server does not serve.
    case phoneNumberInvalid
    /// `auth.signUp` for a phone that already has an account: sign in instead.
    case phoneNumberOccupied
    /// The login code is wrong; ask the person again.
    case phoneCodeInvalid
    /// The login code (or the phone_code_hash) has expired or was cancelled; request a new one.
    case phoneCodeExpired
    /// No code was given.
    case phoneCodeEmpty
    /// The phone_code_hash does not belong to this phone; request a new code.
    case phoneCodeHashInvalid
    /// The account has a 2FA password: continue with `account.getPassword` and `auth.checkPassword`.
    case sessionPasswordNeeded
    /// The SRP proof does not match the stored password.
    case passwordHashInvalid
    /// The srp_id is unknown or was already used; call `account.getPassword` again.
    case srpIDInvalid
    /// This auth key is not logged in (never was, logged out, or revoked); log in again.
    case authKeyUnregistered
    /// The recovery email must be confirmed with a code of this length (`account.confirmPasswordEmail`).
    case emailUnconfirmed(codeLength: Int)
    /// The email confirmation or recovery code is wrong.
    case codeInvalid
    /// There is no email awaiting confirmation.
    case emailHashExpired
    /// No confirmed recovery email is set, so the password cannot be recovered by email.
    case passwordRecoveryNotAvailable
    /// The new password's algorithm parameters are not the ones `account.getPassword` offered.
    case newSaltInvalid
    /// The new password settings are malformed (bad verifier size or range).
    case newSettingsInvalid
    /// The first name is empty or too long.
    case firstNameInvalid
    /// The username is malformed.
    case usernameInvalid
    /// The username belongs to another account.
    case usernameOccupied
    /// The username is free or not known to the server.
    case usernameNotOccupied
    /// The bot token is not one the config lists.
    case accessTokenInvalid
    /// The api_id/api_hash pair is not one the config allows.
    case apiIDInvalid
    /// A user, peer or message in the request does not exist or its access_hash is wrong.
    case peerIDInvalid
    /// The message text is empty.
    case messageEmpty
    /// The authorisation hash names no authorisation of this account.
    case hashInvalid
    /// The login token is unknown or expired.
    case authTokenInvalid
    /// The login token has expired.
    case authTokenExpired
    /// The exported authorisation bytes do not match.
    case authBytesInvalid
    /// The data centre id is not one this server serves.
    case dcIDInvalid
    /// A bot tried a method only users may call.
    case botMethodInvalid
    /// The method exists in the schema but the test server does not implement it.
    case notImplemented(method: String)
    /// The request body is not a valid TL method call.
    case inputMethodInvalid
    /// A parameter is missing or has the wrong type.
    case inputRequestInvalid(field: String)
    /// Any other error, usually injected from the config (code and message as Telegram sends them).
    case custom(code: Int, message: String)

    /// The `error_code` Telegram uses for this error.
    public var code: Int {
        switch self {
        case .phoneMigrate, .userMigrate: return 303
        case .floodWait: return 420
        case .sessionPasswordNeeded, .authKeyUnregistered: return 401
        case .custom(let code, _): return code
        default: return 400
        }
    }

    /// The `error_message` Telegram uses for this error.
    public var message: String {
        switch self {
        case .phoneMigrate(let dc): return "PHONE_MIGRATE_\(dc)"
        case .userMigrate(let dc): return "USER_MIGRATE_\(dc)"
        case .floodWait(let s): return "FLOOD_WAIT_\(s)"
        case .phoneNumberInvalid: return "PHONE_NUMBER_INVALID"
        case .phoneNumberOccupied: return "PHONE_NUMBER_OCCUPIED"
        case .phoneCodeInvalid: return "PHONE_CODE_INVALID"
        case .phoneCodeExpired: return "PHONE_CODE_EXPIRED"
        case .phoneCodeEmpty: return "PHONE_CODE_EMPTY"
        case .phoneCodeHashInvalid: return "PHONE_CODE_HASH_EMPTY"
        case .sessionPasswordNeeded: return "SESSION_PASSWORD_NEEDED"
        case .passwordHashInvalid: return "PASSWORD_HASH_INVALID"
        case .srpIDInvalid: return "SRP_ID_INVALID"
        case .authKeyUnregistered: return "AUTH_KEY_UNREGISTERED"
        case .emailUnconfirmed(let n): return "EMAIL_UNCONFIRMED_\(n)"
        case .codeInvalid: return "CODE_INVALID"
        case .emailHashExpired: return "EMAIL_HASH_EXPIRED"
        case .passwordRecoveryNotAvailable: return "PASSWORD_RECOVERY_NA"
        case .newSaltInvalid: return "NEW_SALT_INVALID"
        case .newSettingsInvalid: return "NEW_SETTINGS_INVALID"
        case .firstNameInvalid: return "FIRSTNAME_INVALID"
        case .usernameInvalid: return "USERNAME_INVALID"
        case .usernameOccupied: return "USERNAME_OCCUPIED"
        case .usernameNotOccupied: return "USERNAME_NOT_OCCUPIED"
        case .accessTokenInvalid: return "ACCESS_TOKEN_INVALID"
        case .apiIDInvalid: return "API_ID_INVALID"
        case .peerIDInvalid: return "PEER_ID_INVALID"
        case .messageEmpty: return "MESSAGE_EMPTY"
        case .hashInvalid: return "HASH_INVALID"
        case .authTokenInvalid: return "AUTH_TOKEN_INVALID"
        case .authTokenExpired: return "AUTH_TOKEN_EXPIRED"
        case .authBytesInvalid: return "AUTH_BYTES_INVALID"
        case .dcIDInvalid: return "DC_ID_INVALID"
        case .botMethodInvalid: return "BOT_METHOD_INVALID"
        case .notImplemented(let m): return "METHOD_NOT_IMPLEMENTED_BY_TESTDC: \(m)"
        case .inputMethodInvalid: return "INPUT_METHOD_INVALID"
        case .inputRequestInvalid: return "INPUT_REQUEST_INVALID"
        case .custom(_, let m): return m
        }
    }

    public var description: String { "\(code) \(message)" }

    /// Parses an error as written in a config file (`FLOOD_WAIT_30`, `PHONE_MIGRATE_2`, `500 INTERNAL`),
    /// choosing Telegram's code for the known names.
    public static func parse(_ text: String, code explicitCode: Int? = nil) -> RPCFailure {
        var message = text
        var code = explicitCode
        if let space = text.firstIndex(of: " "), let n = Int(text[..<space]) {
            code = code ?? n
            message = String(text[text.index(after: space)...])
        }
        if code == nil {
            if message.hasPrefix("FLOOD_WAIT_") { code = 420 }
            else if message.hasSuffix("_MIGRATE_") || message.range(of: "_MIGRATE_") != nil { code = 303 }
            else if message == "AUTH_KEY_UNREGISTERED" || message == "SESSION_PASSWORD_NEEDED" || message == "SESSION_REVOKED" { code = 401 }
            else if message.hasPrefix("INTERNAL") || message == "RPC_CALL_FAIL" || message.hasSuffix("_TIMEOUT") { code = 500 }
            else { code = 400 }
        }
        return .custom(code: code!, message: message)
    }
}
