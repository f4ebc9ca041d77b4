import MTProto

/// An error Telegram answered a request with, by the names Telethon's guide uses.
/// Every case keeps Telegram's code and name (`code`, `name`, `parameter`) and
/// has a one-line `hint` a person can act on. None carries a secret.
public enum TelegramError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `SESSION_PASSWORD_NEEDED`: the account has 2FA; call `signIn(password:)`.
    case sessionPasswordNeeded
    /// `PHONE_NUMBER_UNOCCUPIED` (or `auth.authorizationSignUpRequired`): no
    /// account has this number yet; call `signUp(firstName:lastName:)`.
    case phoneNumberUnoccupied
    /// `PHONE_CODE_INVALID`: the login code is wrong; ask for it again (do not request a new one).
    case phoneCodeInvalid
    /// `PHONE_CODE_EXPIRED`: the code is too old; request a new code.
    case phoneCodeExpired
    /// `PHONE_CODE_EMPTY`: no code was given.
    case phoneCodeEmpty
    /// `PHONE_NUMBER_INVALID`: the number is not a valid phone number.
    case phoneNumberInvalid
    /// `PHONE_NUMBER_BANNED`: Telegram banned this number.
    case phoneNumberBanned
    /// `PASSWORD_HASH_INVALID`: the 2FA password is wrong.
    case passwordHashInvalid
    /// `EMAIL_UNCONFIRMED_X`: the recovery email must be confirmed with an X-digit code.
    case emailUnconfirmed(codeLength: Int)
    /// `CODE_INVALID` / `EMAIL_CODE_INVALID`: the email code is wrong.
    case emailCodeInvalid
    /// `PASSWORD_RECOVERY_NA` / `PASSWORD_EMPTY`: no recovery email is set.
    case passwordRecoveryUnavailable
    /// `FLOOD_WAIT_X` (and `FLOOD_PREMIUM_WAIT_X`): wait X seconds before calling this method again.
    case floodWait(seconds: Int)
    /// `AUTH_KEY_UNREGISTERED` (and `SESSION_REVOKED`, `USER_DEACTIVATED`…, code 401):
    /// the session is not logged in (anymore).
    case authKeyUnregistered
    /// `PHONE_MIGRATE_X`, `USER_MIGRATE_X`, `NETWORK_MIGRATE_X`, `FILE_MIGRATE_X`…:
    /// the request belongs on data centre X (the client normally handles this itself).
    case migrate(dc: Int)
    /// `ACCESS_TOKEN_INVALID`: the bot token is wrong.
    case botTokenInvalid
    /// `API_ID_INVALID` / `API_ID_PUBLISHED_FLOOD`: the api_id/api_hash pair is refused.
    case apiIDInvalid
    /// `USERNAME_NOT_OCCUPIED` / `USERNAME_INVALID`: no such user or channel.
    case usernameNotOccupied
    /// `AUTH_RESTART`: the login was restarted by the server; request a new code.
    case authRestart
    /// Any other error, as Telegram sent it.
    case other(RPCError)

    /// Classifies Telegram's `rpc_error`.
    public init(_ error: RPCError) {
        switch error.name {
        case "SESSION_PASSWORD_NEEDED": self = .sessionPasswordNeeded
        case "PHONE_NUMBER_UNOCCUPIED": self = .phoneNumberUnoccupied
        case "PHONE_CODE_INVALID": self = .phoneCodeInvalid
        case "PHONE_CODE_EXPIRED": self = .phoneCodeExpired
        case "PHONE_CODE_EMPTY": self = .phoneCodeEmpty
        case "PHONE_NUMBER_INVALID": self = .phoneNumberInvalid
        case "PHONE_NUMBER_BANNED": self = .phoneNumberBanned
        case "PASSWORD_HASH_INVALID": self = .passwordHashInvalid
        case "EMAIL_UNCONFIRMED": self = .emailUnconfirmed(codeLength: error.value ?? 0)
        case "CODE_INVALID", "EMAIL_CODE_INVALID": self = .emailCodeInvalid
        case "PASSWORD_RECOVERY_NA", "PASSWORD_EMPTY": self = .passwordRecoveryUnavailable
        case "FLOOD_WAIT", "FLOOD_PREMIUM_WAIT", "FLOOD_TEST_PHONE_WAIT": self = .floodWait(seconds: error.value ?? 0)
        case "AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "SESSION_EXPIRED", "USER_DEACTIVATED", "USER_DEACTIVATED_BAN",
             "AUTH_KEY_INVALID":
            self = .authKeyUnregistered
        case "ACCESS_TOKEN_INVALID", "ACCESS_TOKEN_EXPIRED": self = .botTokenInvalid
        case "API_ID_INVALID", "API_ID_PUBLISHED_FLOOD": self = .apiIDInvalid
        case "USERNAME_NOT_OCCUPIED", "USERNAME_INVALID": self = .usernameNotOccupied
        case "AUTH_RESTART": self = .authRestart
        default:
            if let dc = error.migrateToDC { self = .migrate(dc: dc) } else { self = .other(error) }
        }
    }

    /// Telegram's error code (303, 400, 401, 420, …).
    public var code: Int {
        switch self {
        case .other(let e): return e.code
        case .sessionPasswordNeeded, .authKeyUnregistered: return 401
        case .floodWait: return 420
        case .migrate: return 303
        default: return 400
        }
    }

    /// Telegram's name without the number (`FLOOD_WAIT`).
    public var name: String {
        switch self {
        case .sessionPasswordNeeded: return "SESSION_PASSWORD_NEEDED"
        case .phoneNumberUnoccupied: return "PHONE_NUMBER_UNOCCUPIED"
        case .phoneCodeInvalid: return "PHONE_CODE_INVALID"
        case .phoneCodeExpired: return "PHONE_CODE_EXPIRED"
        case .phoneCodeEmpty: return "PHONE_CODE_EMPTY"
        case .phoneNumberInvalid: return "PHONE_NUMBER_INVALID"
        case .phoneNumberBanned: return "PHONE_NUMBER_BANNED"
        case .passwordHashInvalid: return "PASSWORD_HASH_INVALID"
        case .emailUnconfirmed: return "EMAIL_UNCONFIRMED"
        case .emailCodeInvalid: return "CODE_INVALID"
        case .passwordRecoveryUnavailable: return "PASSWORD_RECOVERY_NA"
        case .floodWait: return "FLOOD_WAIT"
        case .authKeyUnregistered: return "AUTH_KEY_UNREGISTERED"
        case .migrate: return "MIGRATE"
        case .botTokenInvalid: return "ACCESS_TOKEN_INVALID"
        case .apiIDInvalid: return "API_ID_INVALID"
        case .usernameNotOccupied: return "USERNAME_NOT_OCCUPIED"
        case .authRestart: return "AUTH_RESTART"
        case .other(let e): return e.name
        }
    }

    /// The number Telegram appended to the name (seconds, DC, code length), if any.
    public var parameter: Int? {
        switch self {
        case .emailUnconfirmed(let n): return n
        case .floodWait(let s): return s
        case .migrate(let dc): return dc
        case .other(let e): return e.value
        default: return nil
        }
    }

    /// What a person can do about it, in one line.
    public var hint: String {
        switch self {
        case .sessionPasswordNeeded: return "the account has two-step verification: sign in with its password"
        case .phoneNumberUnoccupied: return "no account uses this number: sign up with a first and last name"
        case .phoneCodeInvalid: return "the login code is wrong: enter the code Telegram sent (do not request another)"
        case .phoneCodeExpired: return "the login code expired: request a new code"
        case .phoneCodeEmpty: return "no login code was given: provide the code Telegram sent"
        case .phoneNumberInvalid: return "the phone number is not valid: use international format, e.g. +15551234567"
        case .phoneNumberBanned: return "Telegram banned this phone number: contact Telegram support"
        case .passwordHashInvalid: return "the 2FA password is wrong: check it (the hint may help)"
        case .emailUnconfirmed(let n): return "confirm the recovery email with the \(n)-digit code sent to it"
        case .emailCodeInvalid: return "the email code is wrong: enter the code from the email"
        case .passwordRecoveryUnavailable: return "this account has no recovery email: the password cannot be reset by email"
        case .floodWait(let s): return "Telegram asks to wait \(s) s before calling this again: wait, do not retry sooner"
        case .authKeyUnregistered: return "this session is not logged in (or was logged out): log in again"
        case .migrate(let dc): return "the request belongs on data centre \(dc)"
        case .botTokenInvalid: return "the bot token is wrong or revoked: get the current one from @BotFather"
        case .apiIDInvalid: return "api_id/api_hash are refused: use the pair from my.telegram.org"
        case .usernameNotOccupied: return "no user or channel has this username: check the spelling"
        case .authRestart: return "Telegram restarted the login: request a new code"
        case .other(let e): return "Telegram answered \(e.code) \(e.name): see its documentation for this error"
        }
    }

    public var description: String {
        let param = parameter.map { "_\($0)" } ?? ""
        return "\(code) \(name)\(param): \(hint)"
    }
}
