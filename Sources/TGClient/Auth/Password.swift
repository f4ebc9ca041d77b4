import Foundation
import MTCrypto
import TL

/// Two-step verification: signing in with the password (SRP), setting,
/// changing and removing it (Telethon's `edit_2fa` semantics), and recovery by email.
extension TelegramClient {
    static let srpAlgorithm = "passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow"

    /// The account's 2FA state, without secrets.
    public func passwordInfo() async throws -> PasswordInfo {
        PasswordInfo(try await accountPassword())
    }

    func accountPassword() async throws -> TLObject {
        let result = try await call(TLObject(name: "account.getPassword"))
        guard let object = result.object, object.name == "account.password" else {
            throw ClientError.unexpectedAnswer(method: "account.getPassword", got: result.object?.name ?? "a non-object")
        }
        return object
    }

    /// Finishes a login that threw `sessionPasswordNeeded`, proving the password
    /// with SRP (`auth.checkPassword`); the password never leaves this process.
    @discardableResult
    public func signIn(password: String) async throws -> User {
        let account = try await accountPassword()
        guard account["has_password"]?.boolValue == true else { throw ClientError.noPasswordSet }
        let check = try TelegramClient.passwordCheck(account, password: password)
        let result = try await call(TLObject(name: "auth.checkPassword", fields: ["password": .object(check)]))
        return try await completeAuthorization(result, method: "auth.checkPassword")
    }

    /// Sets, changes or removes the 2FA password, as Telethon's `edit_2fa`:
    /// - first time: `newPassword` (and optionally `hint`, `email`);
    /// - change: `currentPassword` and `newPassword`;
    /// - remove: `currentPassword` and no `newPassword`;
    /// - new hint only: `currentPassword`, the same `newPassword`, and the hint.
    /// With an `email`, Telegram answers `EMAIL_UNCONFIRMED_X`; `emailCode` is asked
    /// for the X-digit code and `account.confirmPasswordEmail` sent.
    /// Returns false when there was nothing to do (no current and no new password).
    @discardableResult
    public func edit2FA(currentPassword: String? = nil, newPassword: String? = nil, hint: String = "",
                        email: String? = nil, emailCode: (@Sendable (Int) async throws -> String)? = nil) async throws -> Bool {
        if newPassword == nil && currentPassword == nil { return false }
        if email != nil && emailCode == nil {
            throw ClientError.invalidParameters(method: "edit2FA", reason: "a recovery email needs an emailCode provider for the confirmation code")
        }
        let account = try await accountPassword()
        guard var algo = account["new_algo"]?.object, algo.name == TelegramClient.srpAlgorithm,
              let salt1 = algo["salt1"]?.bytesValue, let salt2 = algo["salt2"]?.bytesValue,
              let g = algo["g"]?.int32, let p = algo["p"]?.bytesValue else {
            throw ClientError.unsupportedPasswordAlgorithm(account["new_algo"]?.object?.name ?? "none")
        }
        let newSalt1 = salt1 + SecureRandom.bytes(32)
        algo["salt1"] = .bytes(newSalt1)
        var newHash: [UInt8] = []
        if let newPassword {
            newHash = try SRP.newVerifier(password: newPassword, salt1: newSalt1, salt2: salt2, g: Int(g), p: p)
        }
        let check: TLObject
        if account["has_password"]?.boolValue == true {
            guard let currentPassword else { throw ClientError.currentPasswordRequired }
            check = try TelegramClient.passwordCheck(account, password: currentPassword)
        } else {
            check = TLObject(name: "inputCheckPasswordEmpty")
        }
        var settings = TLObject(name: "account.passwordInputSettings", fields: [
            "new_algo": .object(algo), "new_password_hash": .bytes(newHash), "hint": .string(hint),
        ])
        if let email { settings["email"] = .string(email) }
        do {
            _ = try await call(TLObject(name: "account.updatePasswordSettings", fields: [
                "password": .object(check), "new_settings": .object(settings),
            ]))
        } catch TelegramError.emailUnconfirmed(let length) {
            guard let emailCode else { throw TelegramError.emailUnconfirmed(codeLength: length) }
            let code = try await emailCode(length)
            _ = try await call(TLObject(name: "account.confirmPasswordEmail", fields: ["code": .string(code)]))
        }
        return true
    }

    /// Asks Telegram to email a recovery code (the account must have a recovery
    /// email); returns the masked address it was sent to.
    public func requestPasswordRecovery() async throws -> String {
        let result = try await call(TLObject(name: "auth.requestPasswordRecovery"))
        return result["email_pattern"]?.stringValue ?? ""
    }

    /// Finishes a login with the emailed recovery code instead of the password,
    /// which removes the 2FA password (or replaces it with `newPassword`).
    @discardableResult
    public func recoverPassword(code: String, newPassword: String? = nil, hint: String = "") async throws -> User {
        var fields: [String: TLValue] = ["code": .string(code)]
        if let newPassword {
            let account = try await accountPassword()
            guard var algo = account["new_algo"]?.object, algo.name == TelegramClient.srpAlgorithm,
                  let salt1 = algo["salt1"]?.bytesValue, let salt2 = algo["salt2"]?.bytesValue,
                  let g = algo["g"]?.int32, let p = algo["p"]?.bytesValue else {
                throw ClientError.unsupportedPasswordAlgorithm(account["new_algo"]?.object?.name ?? "none")
            }
            let newSalt1 = salt1 + SecureRandom.bytes(32)
            algo["salt1"] = .bytes(newSalt1)
            let hash = try SRP.newVerifier(password: newPassword, salt1: newSalt1, salt2: salt2, g: Int(g), p: p)
            fields["new_settings"] = .object(TLObject(name: "account.passwordInputSettings", fields: [
                "new_algo": .object(algo), "new_password_hash": .bytes(hash), "hint": .string(hint),
            ]))
        }
        let result = try await call(TLObject(name: "auth.recoverPassword", fields: fields))
        return try await completeAuthorization(result, method: "auth.recoverPassword")
    }

    /// `inputCheckPasswordSRP` for the account's current algorithm.
    static func passwordCheck(_ account: TLObject, password: String) throws -> TLObject {
        guard let algo = account["current_algo"]?.object, algo.name == srpAlgorithm,
              let salt1 = algo["salt1"]?.bytesValue, let salt2 = algo["salt2"]?.bytesValue,
              let g = algo["g"]?.int32, let p = algo["p"]?.bytesValue else {
            throw ClientError.unsupportedPasswordAlgorithm(account["current_algo"]?.object?.name ?? "none")
        }
        guard let srpB = account["srp_B"]?.bytesValue, let srpID = account["srp_id"]?.int64 else {
            throw ClientError.unsupportedPasswordAlgorithm("the server sent no srp_B/srp_id")
        }
        let proof = try SRP.check(password: password, salt1: salt1, salt2: salt2, g: Int(g), p: p, srpB: srpB)
        return TLObject(name: "inputCheckPasswordSRP", fields: [
            "srp_id": .long(srpID), "A": .bytes(proof.A), "M1": .bytes(proof.M1),
        ])
    }
}
