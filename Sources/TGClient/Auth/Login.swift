import Foundation
import TL

/// Logging in with a phone code, signing up, bots, and Telethon's `start()`.
extension TelegramClient {
    /// True when the session is logged in (`updates.getState` succeeds); any
    /// Telegram error means no, as in Telethon.
    public func isUserAuthorized() async throws -> Bool {
        do {
            _ = try await call(TLObject(name: "updates.getState"))
            return true
        } catch is TelegramError {
            return false
        }
    }

    /// Asks Telegram to send a login code. The `phone_code_hash` is kept in the
    /// session as a pending login, so `signIn(code:)` works in a later run too.
    /// `auth.sendCode` is never retried automatically (repeats earn long flood waits).
    public func sendCodeRequest(phone: String) async throws -> SentCode {
        let number = TelegramClient.normalizedPhone(phone)
        let result = try await call(TLObject(name: "auth.sendCode", fields: [
            "phone_number": .string(number),
            "api_id": .int(Int32(truncatingIfNeeded: apiID)),
            "api_hash": .string(apiHash),
            "settings": .object(TLObject(name: "codeSettings")),
        ]))
        guard let object = result.object else { throw ClientError.unexpectedAnswer(method: "auth.sendCode", got: "a non-object") }
        let sent = try SentCode(object)
        try session.setPendingLogin(PendingLogin(phone: number, phoneCodeHash: sent.phoneCodeHash, sentAt: Date()))
        return sent
    }

    /// The login started by `sendCodeRequest` and not finished yet, if any.
    public nonisolated func pendingLogin() throws -> PendingLogin? {
        try session.pendingLogin()
    }

    /// Signs in with the code Telegram sent. Throws `TelegramError.sessionPasswordNeeded`
    /// (then call `signIn(password:)`), `.phoneNumberUnoccupied` (then `signUp`),
    /// `.phoneCodeInvalid`, `.phoneCodeExpired`.
    /// - Parameters:
    ///   - phone: defaults to the pending login's phone.
    ///   - phoneCodeHash: defaults to the pending login's hash for that phone.
    @discardableResult
    public func signIn(phone: String? = nil, code: String, phoneCodeHash: String? = nil) async throws -> User {
        let pending = try session.pendingLogin()
        guard let number = phone.map(TelegramClient.normalizedPhone) ?? pending?.phone else { throw ClientError.noPendingLogin }
        guard let hash = phoneCodeHash ?? (pending?.phone == number ? pending?.phoneCodeHash : nil) else {
            throw ClientError.noPendingLogin
        }
        let result = try await call(TLObject(name: "auth.signIn", fields: [
            "phone_number": .string(number), "phone_code_hash": .string(hash), "phone_code": .string(code),
        ]))
        return try await completeAuthorization(result, method: "auth.signIn")
    }

    /// Creates an account for the pending login's phone (after `signIn` threw
    /// `.phoneNumberUnoccupied`), then accepts the terms of service Telegram showed.
    @discardableResult
    public func signUp(firstName: String, lastName: String = "") async throws -> User {
        guard let pending = try session.pendingLogin() else { throw ClientError.noPendingLogin }
        let result = try await call(TLObject(name: "auth.signUp", fields: [
            "phone_number": .string(pending.phone), "phone_code_hash": .string(pending.phoneCodeHash),
            "first_name": .string(firstName), "last_name": .string(lastName),
        ]))
        let user = try await completeAuthorization(result, method: "auth.signUp")
        if let terms = pendingTerms, let id = terms["id"] {
            pendingTerms = nil
            _ = try? await call(TLObject(name: "help.acceptTermsOfService", fields: ["id": id]))
        }
        return user
    }

    /// Logs in as a bot with its token from @BotFather.
    @discardableResult
    public func signIn(botToken: String) async throws -> User {
        let result = try await call(TLObject(name: "auth.importBotAuthorization", fields: [
            "flags": .int(0), "api_id": .int(Int32(truncatingIfNeeded: apiID)), "api_hash": .string(apiHash),
            "bot_auth_token": .string(botToken),
        ]))
        return try await completeAuthorization(result, method: "auth.importBotAuthorization")
    }

    /// The logged-in user, or nil when the session is not logged in.
    public func getMe() async throws -> User? {
        do {
            let result = try await call(TLObject(name: "users.getUsers", fields: [
                "id": .vector([.object(TLObject(name: "inputUserSelf"))]),
            ]))
            guard let first = result.vector?.first?.object, let user = User(first) else { return nil }
            try session.setSelfUserID(user.id)
            return user
        } catch TelegramError.authKeyUnregistered {
            return nil
        }
    }

    /// Logs out (`auth.logOut`), forgets the session's keys and closes the connections.
    public func logOut() async throws {
        _ = try await call(TLObject(name: "auth.logOut"))
        try session.clearAuthorization()
        await disconnect()
        homeDC = nil
    }

    /// Like Telethon's `start()`: connects, and unless already logged in, logs in
    /// with a bot token or a phone number (code, then 2FA password, then sign-up
    /// when the number is new), asking the providers as needed.
    /// - Parameters:
    ///   - reusePendingCode: when a code was already sent to this phone (an
    ///     interrupted run), ask for that code instead of requesting another.
    @discardableResult
    public func start(phone: (@Sendable () async throws -> String)? = nil, botToken: String? = nil,
                      code: (@Sendable () async throws -> String)? = nil,
                      password: (@Sendable () async throws -> String)? = nil,
                      firstName: String? = nil, lastName: String = "", maxAttempts: Int = 3,
                      reusePendingCode: Bool = true) async throws -> User {
        try await connect()
        if try await isUserAuthorized(), let me = try await getMe() { return me }
        if let botToken { return try await signIn(botToken: botToken) }
        guard let phone, let code else {
            throw ClientError.invalidParameters(method: "start", reason: "give a bot token, or a phone and a code provider")
        }
        let number = TelegramClient.normalizedPhone(try await phone())
        let pendingPhone = try session.pendingLogin()?.phone
        if !(reusePendingCode && pendingPhone == number) {
            _ = try await sendCodeRequest(phone: number)
        }
        var lastError: Error = TelegramError.phoneCodeInvalid
        for _ in 0..<max(1, maxAttempts) {
            do {
                return try await signIn(phone: number, code: try await code())
            } catch TelegramError.phoneCodeInvalid {
                lastError = TelegramError.phoneCodeInvalid
            } catch TelegramError.sessionPasswordNeeded {
                guard let password else { throw TelegramError.sessionPasswordNeeded }
                return try await signInWithPasswordAttempts(password, maxAttempts: maxAttempts)
            } catch TelegramError.phoneNumberUnoccupied {
                guard let firstName else { throw TelegramError.phoneNumberUnoccupied }
                return try await signUp(firstName: firstName, lastName: lastName)
            }
        }
        throw lastError
    }

    private func signInWithPasswordAttempts(_ password: @Sendable () async throws -> String, maxAttempts: Int) async throws -> User {
        var lastError: Error = TelegramError.passwordHashInvalid
        for _ in 0..<max(1, maxAttempts) {
            do {
                return try await signIn(password: try await password())
            } catch TelegramError.passwordHashInvalid {
                lastError = TelegramError.passwordHashInvalid
            }
        }
        throw lastError
    }

    /// Reads `auth.authorization` (or throws for `authorizationSignUpRequired`),
    /// records the logged-in user and the update state.
    func completeAuthorization(_ result: TLValue, method: String) async throws -> User {
        guard let object = result.object else { throw ClientError.unexpectedAnswer(method: method, got: "a non-object") }
        switch object.name {
        case "auth.authorization":
            guard let userObject = object["user"]?.object, let user = User(userObject) else {
                throw ClientError.unexpectedAnswer(method: method, got: "an authorization without a user")
            }
            try session.setSelfUserID(user.id)
            try session.setPendingLogin(nil)
            importedDCs = []
            if let state = try? await call(TLObject(name: "updates.getState")), let s = state.object {
                try? session.setUpdateState(UpdateState(
                    pts: Int(s["pts"]?.int32 ?? 0), qts: Int(s["qts"]?.int32 ?? 0),
                    date: Date(timeIntervalSince1970: TimeInterval(s["date"]?.int32 ?? 0)), seq: Int(s["seq"]?.int32 ?? 0)))
            }
            return user
        case "auth.authorizationSignUpRequired":
            pendingTerms = object["terms_of_service"]?.object
            throw TelegramError.phoneNumberUnoccupied
        default:
            throw ClientError.unexpectedAnswer(method: method, got: object.name)
        }
    }

    /// `+1 (555) 010-0000` → `15550100000`, as Telethon sends it.
    nonisolated static func normalizedPhone(_ phone: String) -> String {
        CachedEntity.digits(phone)
    }
}
