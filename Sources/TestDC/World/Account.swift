import Foundation

/// A Telegram user of the test server: a person signed up with a phone, or a bot from the config.
public struct Account: Equatable, Sendable, Codable {
    public var userID: Int64
    public var accessHash: Int64
    public var phone: String?
    public var firstName: String
    public var lastName: String
    public var username: String?
    public var about: String
    /// The data centre the account lives on (`PHONE_MIGRATE_X`/`USER_MIGRATE_X` point there).
    public var homeDC: Int
    public var isBot: Bool
    /// The newest update sequence number of this account's message box.
    public var pts: Int32
    /// The newest message id of this account's message box.
    public var lastMessageID: Int32
    public var password: PasswordState?
    /// A password/email change waiting for `account.confirmPasswordEmail`.
    public var pendingEmail: PendingPasswordEmail?
    /// The code `auth.requestPasswordRecovery` mailed, until `auth.recoverPassword` uses it.
    public var recoveryCode: String?
    public var createdAt: Int
}

/// The 2FA password of an account, stored as an SRP verifier (never the password itself).
public struct PasswordState: Equatable, Sendable, Codable {
    /// The client-extended salt1 (the server's 8 bytes plus the client's 32).
    public var salt1: [UInt8]
    public var salt2: [UInt8]
    /// v = g^x mod p, 256 bytes.
    public var verifier: [UInt8]
    public var hint: String
    /// A confirmed recovery email.
    public var email: String?
}

/// A password change waiting for its recovery email to be confirmed.
public struct PendingPasswordEmail: Equatable, Sendable, Codable {
    /// The password that becomes active once the email is confirmed (nil: keep the current one).
    public var password: PasswordState?
    public var email: String
    public var code: String
    public var sentAt: Int
}

/// Where an auth key stands with respect to an account.
public enum AuthorizationState: Equatable, Sendable, Codable {
    /// The code was right but the account has a password: only `auth.checkPassword` and recovery may follow.
    case passwordPending(userID: Int64)
    /// Logged in as this user.
    case authorized(userID: Int64)
    /// Logged out by its owner or revoked from another session.
    case revoked(userID: Int64)
}

/// One logged-in (or half logged-in) auth key, as `account.getAuthorizations` lists it.
public struct Authorization: Equatable, Sendable, Codable {
    public var authKeyID: Int64
    public var state: AuthorizationState
    /// The public handle `account.resetAuthorization` takes.
    public var hash: Int64
    public var dcID: Int
    public var device: ClientDevice
    public var createdAt: Int
    public var activeAt: Int

    public var userID: Int64 {
        switch state {
        case .passwordPending(let id), .authorized(let id), .revoked(let id): return id
        }
    }
}

/// What a client said about itself in `initConnection`.
public struct ClientDevice: Equatable, Sendable, Codable {
    public var apiID: Int32
    public var deviceModel: String
    public var systemVersion: String
    public var appVersion: String
    public var langCode: String

    public init(apiID: Int32 = 0, deviceModel: String = "", systemVersion: String = "", appVersion: String = "", langCode: String = "en") {
        self.apiID = apiID
        self.deviceModel = deviceModel
        self.systemVersion = systemVersion
        self.appVersion = appVersion
        self.langCode = langCode
    }
}

/// A message in one account's message box.
public struct StoredMessage: Equatable, Sendable, Codable {
    /// The box's owner.
    public var ownerID: Int64
    /// The id in the owner's box.
    public var id: Int32
    /// The other side of the dialog (the owner itself for Saved Messages).
    public var peerID: Int64
    public var fromID: Int64
    public var out: Bool
    public var date: Int
    public var text: String
    public var randomID: Int64
    public var pts: Int32
}

/// A login code that `auth.sendCode` issued, with the attempts made against it.
public struct LoginCode: Equatable, Sendable {
    public var phone: String
    public var phoneCodeHash: String
    public var code: String
    public var issuedAt: Int
    public var expiresAt: Int
    public var attempts: Int
    /// Set once the right code was given for a phone with no account, so `auth.signUp` may follow.
    public var verified: Bool
}

/// A QR-login token from `auth.exportLoginToken`.
public struct LoginToken: Equatable, Sendable {
    public var token: [UInt8]
    public var authKeyID: Int64
    public var dcID: Int
    public var expiresAt: Int
    /// The user who accepted it with `auth.acceptLoginToken`.
    public var acceptedBy: Int64?
}
