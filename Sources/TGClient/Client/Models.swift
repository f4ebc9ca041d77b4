import Foundation
import TL

/// A Telegram user as the client needs it (the full object is in `raw`).
public struct User: Sendable, Equatable, CustomStringConvertible {
    public var id: Int64
    public var accessHash: Int64?
    public var firstName: String?
    public var lastName: String?
    public var username: String?
    public var phone: String?
    public var isBot: Bool
    public var isSelf: Bool
    /// The `user` object as Telegram sent it.
    public var raw: TLObject

    /// Reads a `user` object; nil for `userEmpty` or anything else.
    public init?(_ object: TLObject) {
        guard object.name == "user", let id = object["id"]?.int64 else { return nil }
        self.id = id
        accessHash = object["access_hash"]?.int64
        firstName = object["first_name"]?.stringValue
        lastName = object["last_name"]?.stringValue
        username = object["username"]?.stringValue
        phone = object["phone"]?.stringValue
        isBot = object["bot"]?.boolValue ?? false
        isSelf = object["self"]?.boolValue ?? false
        raw = object
    }

    /// First and last name joined, as Telegram shows it.
    public var displayName: String {
        [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    public var description: String {
        "User(id: \(id)\(username.map { ", @\($0)" } ?? "")\(isBot ? ", bot" : ""))"
    }
}

/// What `auth.sendCode` answered: how the code was sent and what comes next.
/// The `phone_code_hash` is also kept in the session as a pending login.
public struct SentCode: Sendable, Equatable {
    /// How the code was delivered: `app`, `sms`, `call`, `flashCall`,
    /// `missedCall`, `emailCode`, `fragmentSms`, `firebaseSms`, … (Telegram's
    /// `auth.sentCodeType…` name without the prefix).
    public var type: String
    /// Digits in the code, when Telegram says.
    public var length: Int?
    /// How a re-sent code would be delivered (`auth.codeType…` without the prefix).
    public var nextType: String?
    /// Seconds before `auth.resendCode` may be called.
    public var timeout: Int?
    public var phoneCodeHash: String
    public var raw: TLObject

    init(_ object: TLObject) throws {
        guard object.name == "auth.sentCode", let hash = object["phone_code_hash"]?.stringValue,
              let type = object["type"]?.object else {
            throw ClientError.unexpectedAnswer(method: "auth.sendCode", got: object.name)
        }
        self.type = SentCode.shortName(type.name, prefix: "auth.sentCodeType")
        length = type["length"]?.int32.map(Int.init)
        nextType = object["next_type"]?.object.map { SentCode.shortName($0.name, prefix: "auth.codeType") }
        timeout = object["timeout"]?.int32.map(Int.init)
        phoneCodeHash = hash
        raw = object
    }

    static func shortName(_ name: String, prefix: String) -> String {
        guard name.hasPrefix(prefix) else { return name }
        let rest = name.dropFirst(prefix.count)
        return rest.prefix(1).lowercased() + rest.dropFirst()
    }
}

/// The account's 2FA state (`account.password`), without any secret.
public struct PasswordInfo: Sendable, Equatable {
    public var hasPassword: Bool
    public var hint: String?
    public var hasRecovery: Bool
    /// The recovery email waiting for confirmation, masked by Telegram.
    public var emailUnconfirmedPattern: String?
    public var raw: TLObject

    init(_ object: TLObject) {
        hasPassword = object["has_password"]?.boolValue ?? false
        hint = object["hint"]?.stringValue
        hasRecovery = object["has_recovery"]?.boolValue ?? false
        emailUnconfirmedPattern = object["email_unconfirmed_pattern"]?.stringValue
        raw = object
    }
}

/// A QR login token to show as `tg://login?token=…` and accept from a logged-in app.
public struct LoginToken: Sendable, Equatable {
    public var token: [UInt8]
    public var expires: Date

    /// The URL a logged-in Telegram app scans (base64url token, no padding).
    public var url: String {
        let b64 = Data(token).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "tg://login?token=\(b64)"
    }
}
