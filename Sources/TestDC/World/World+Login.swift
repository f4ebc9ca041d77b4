import Foundation
import MTCrypto

/// What `auth.sendCode` tells the client.
public struct SentCode: Equatable, Sendable {
    public var phoneCodeHash: String
    public var length: Int
    /// True when the code went to the account's other sessions (as a message from 777000), false for "SMS".
    public var inApp: Bool
}

/// The outcome of `auth.signIn` with the right code.
public enum SignInResult: Equatable, Sendable {
    case authorized(Account)
    /// No account has this phone: `auth.signUp` may follow with the same phone_code_hash.
    case signUpRequired
}

extension World {
    func checkApp(apiID: Int32, apiHash: String) throws {
        guard !config.apps.isEmpty else { return }
        guard config.apps.contains(where: { $0.apiID == apiID && $0.apiHash == apiHash }) else { throw RPCFailure.apiIDInvalid }
    }

    /// `auth.sendCode`: issues a code for a phone homed on `dc`, logs it, and delivers it in-app when the account has other sessions.
    public func sendCode(phone raw: String, apiID: Int32, apiHash: String, dc: Int, now: Int) throws -> SentCode {
        try checkApp(apiID: apiID, apiHash: apiHash)
        guard let phone = PhoneRules.normalize(raw), let home = homeDC(ofPhone: phone) else { throw RPCFailure.phoneNumberInvalid }
        return try lock.withLock {
            let homeDC = userByPhone[phone].flatMap { accounts[$0]?.homeDC } ?? home
            guard homeDC == dc else { throw RPCFailure.phoneMigrate(dc: homeDC) }
            let limits = config.limits
            if let wait = sendCodeFlood[phone, default: FloodCounter()].wait(limit: limits.sendCodePerWindow, window: limits.floodWindow, now: now) {
                throw RPCFailure.floodWait(seconds: wait)
            }
            if let wait = wrongCodeFlood[phone, default: FloodCounter()].wait(limit: limits.codeAttempts, window: limits.floodWindow, now: now) {
                throw RPCFailure.floodWait(seconds: wait)
            }
            sendCodeFlood[phone, default: FloodCounter()].record(now)
            prunePendingLocked(now: now)
            let code = PhoneRules.testCode(of: phone) ?? randomDigits(PhoneRules.codeLength)
            let hash = SecureRandom.bytes(9).map { String(format: "%02x", $0) }.joined()
            codes[hash] = LoginCode(phone: phone, phoneCodeHash: hash, code: code, issuedAt: now, expiresAt: now + limits.codeTTL, attempts: 0, verified: false)
            let inApp = deliverInAppLocked(phone: phone, code: code, now: now)
            logCode(phone: phone, code: code, method: inApp ? "app" : "sms")
            return SentCode(phoneCodeHash: hash, length: code.count, inApp: inApp)
        }
    }

    /// `auth.resendCode`: the same code again (a fresh expiry), counted like a new request.
    public func resendCode(phone raw: String, phoneCodeHash: String, now: Int) throws -> SentCode {
        guard let phone = PhoneRules.normalize(raw) else { throw RPCFailure.phoneNumberInvalid }
        return try lock.withLock {
            guard var entry = codes[phoneCodeHash], entry.phone == phone else { throw RPCFailure.phoneCodeHashInvalid }
            guard entry.expiresAt > now else { codes[phoneCodeHash] = nil; throw RPCFailure.phoneCodeExpired }
            let limits = config.limits
            if let wait = sendCodeFlood[phone, default: FloodCounter()].wait(limit: limits.sendCodePerWindow, window: limits.floodWindow, now: now) {
                throw RPCFailure.floodWait(seconds: wait)
            }
            sendCodeFlood[phone, default: FloodCounter()].record(now)
            entry.expiresAt = now + limits.codeTTL
            codes[phoneCodeHash] = entry
            let inApp = deliverInAppLocked(phone: phone, code: entry.code, now: now)
            logCode(phone: phone, code: entry.code, method: "resend")
            return SentCode(phoneCodeHash: phoneCodeHash, length: entry.code.count, inApp: inApp)
        }
    }

    /// `auth.cancelCode`: the code can no longer be used.
    public func cancelCode(phone raw: String, phoneCodeHash: String) throws -> Bool {
        guard let phone = PhoneRules.normalize(raw) else { throw RPCFailure.phoneNumberInvalid }
        return try lock.withLock {
            guard let entry = codes[phoneCodeHash], entry.phone == phone else { throw RPCFailure.phoneCodeHashInvalid }
            codes[phoneCodeHash] = nil
            return true
        }
    }

    /// `auth.signIn`: checks the code (counting wrong ones) and logs the key in, or asks for the password or a sign-up.
    public func signIn(phone raw: String, phoneCodeHash: String, code: String?, authKeyID: Int64, dc: Int, device: ClientDevice, now: Int) throws -> SignInResult {
        guard let phone = PhoneRules.normalize(raw) else { throw RPCFailure.phoneNumberInvalid }
        return try lock.withLock {
            if let id = userByPhone[phone], let a = accounts[id], a.homeDC != dc { throw RPCFailure.userMigrate(dc: a.homeDC) }
            try verifyCodeLocked(phone: phone, hash: phoneCodeHash, code: code, now: now)
            guard let id = userByPhone[phone], let account = accounts[id] else {
                codes[phoneCodeHash]?.verified = true
                return .signUpRequired
            }
            codes[phoneCodeHash] = nil
            if account.password != nil {
                authorizeLocked(key: authKeyID, user: account, state: .passwordPending(userID: id), dc: dc, device: device, now: now)
                throw RPCFailure.sessionPasswordNeeded
            }
            authorizeLocked(key: authKeyID, user: account, state: .authorized(userID: id), dc: dc, device: device, now: now)
            return .authorized(account)
        }
    }

    func verifyCodeLocked(phone: String, hash: String, code: String?, now: Int) throws {
        let limits = config.limits
        if let wait = wrongCodeFlood[phone, default: FloodCounter()].wait(limit: limits.codeAttempts, window: limits.floodWindow, now: now) {
            throw RPCFailure.floodWait(seconds: wait)
        }
        guard var entry = codes[hash], entry.phone == phone else { throw RPCFailure.phoneCodeHashInvalid }
        guard entry.expiresAt > now else { codes[hash] = nil; throw RPCFailure.phoneCodeExpired }
        guard let code, !code.isEmpty else { throw RPCFailure.phoneCodeEmpty }
        guard code == entry.code else {
            entry.attempts += 1
            wrongCodeFlood[phone, default: FloodCounter()].record(now)
            codes[hash] = entry.attempts >= limits.codeAttempts ? nil : entry
            throw RPCFailure.phoneCodeInvalid
        }
    }

    /// `auth.signUp`: creates the account for a phone whose code was just verified, and logs the key in.
    public func signUp(phone raw: String, phoneCodeHash: String, firstName: String, lastName: String, authKeyID: Int64, dc: Int, device: ClientDevice, now: Int) throws -> Account {
        guard let phone = PhoneRules.normalize(raw), let home = homeDC(ofPhone: phone) else { throw RPCFailure.phoneNumberInvalid }
        let first = firstName.trimmingCharacters(in: .whitespaces)
        guard !first.isEmpty, first.count <= 64 else { throw RPCFailure.firstNameInvalid }
        return try lock.withLock {
            guard userByPhone[phone] == nil else { throw RPCFailure.phoneNumberOccupied }
            guard home == dc else { throw RPCFailure.phoneMigrate(dc: home) }
            guard let entry = codes[phoneCodeHash], entry.phone == phone else { throw RPCFailure.phoneCodeHashInvalid }
            guard entry.expiresAt > now else { codes[phoneCodeHash] = nil; throw RPCFailure.phoneCodeExpired }
            guard entry.verified else { throw RPCFailure.phoneCodeEmpty }
            codes[phoneCodeHash] = nil
            let account = Account(userID: newUserID(), accessHash: SecureRandom.int64(), phone: phone, firstName: first, lastName: String(lastName.prefix(64)), username: nil, about: "", homeDC: home, isBot: false, pts: 0, lastMessageID: 0, password: nil, pendingEmail: nil, recoveryCode: nil, createdAt: now)
            put(account)
            authorizeLocked(key: authKeyID, user: account, state: .authorized(userID: account.userID), dc: dc, device: device, now: now)
            return account
        }
    }

    /// `auth.importBotAuthorization`: logs the key in as the config's bot with this token.
    public func importBotAuthorization(token: String, apiID: Int32, apiHash: String, authKeyID: Int64, dc: Int, device: ClientDevice, now: Int) throws -> Account {
        try checkApp(apiID: apiID, apiHash: apiHash)
        return try lock.withLock {
            guard let id = botByToken[token], let bot = accounts[id] else { throw RPCFailure.accessTokenInvalid }
            guard bot.homeDC == dc else { throw RPCFailure.userMigrate(dc: bot.homeDC) }
            authorizeLocked(key: authKeyID, user: bot, state: .authorized(userID: id), dc: dc, device: device, now: now)
            return bot
        }
    }

    /// `auth.logOut`: the key's authorisation ends; the key itself may log in again.
    public func logOut(authKeyID: Int64) throws {
        try lock.withLock {
            guard let auth = authorizations[authKeyID], auth.state != .revoked(userID: auth.userID) else { throw RPCFailure.authKeyUnregistered }
            var ended = auth
            ended.state = .revoked(userID: auth.userID)
            put(ended)
        }
    }

    /// `account.getAuthorizations`: the account's live authorisations, this key's first.
    public func authorizations(authKeyID: Int64) throws -> [(Authorization, current: Bool)] {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            let mine = authorizations.values.filter { $0.state == .authorized(userID: me.userID) }
            return mine.sorted { ($0.authKeyID == authKeyID ? 0 : 1, -$0.createdAt) < ($1.authKeyID == authKeyID ? 0 : 1, -$1.createdAt) }
                .map { ($0, $0.authKeyID == authKeyID) }
        }
    }

    /// `account.resetAuthorization`: revokes one other authorisation by its hash.
    public func resetAuthorization(hash: Int64, authKeyID: Int64) throws {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            guard hash != 0, var target = authorizations.values.first(where: { $0.hash == hash && $0.state == .authorized(userID: me.userID) }),
                  target.authKeyID != authKeyID else { throw RPCFailure.hashInvalid }
            target.state = .revoked(userID: me.userID)
            put(target)
        }
    }

    /// `auth.resetAuthorizations`: revokes every authorisation of the account except this key's.
    public func resetAuthorizations(authKeyID: Int64) throws {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            for var auth in authorizations.values where auth.authKeyID != authKeyID && auth.userID == me.userID && auth.state != .revoked(userID: me.userID) {
                auth.state = .revoked(userID: me.userID)
                put(auth)
            }
        }
    }

    /// `auth.exportAuthorization`: a one-time ticket to log the same user in on another DC.
    public func exportAuthorization(toDC dc: Int, authKeyID: Int64) throws -> (id: Int64, bytes: [UInt8]) {
        guard (1...dcCount).contains(dc) else { throw RPCFailure.dcIDInvalid }
        return try lock.withLock {
            let me = try userLocked(authKeyID)
            prunePendingLocked(now: 0)
            let id = SecureRandom.int64(), bytes = SecureRandom.bytes(32)
            exportedAuthorizations[id] = (me.userID, bytes, dc)
            return (id, bytes)
        }
    }

    /// `auth.importAuthorization`: redeems an export ticket on its DC.
    public func importAuthorization(id: Int64, bytes: [UInt8], authKeyID: Int64, dc: Int, device: ClientDevice, now: Int) throws -> Account {
        try lock.withLock {
            guard let ticket = exportedAuthorizations[id], ticket.bytes == bytes, ticket.dc == dc, let user = accounts[ticket.userID] else {
                throw RPCFailure.authBytesInvalid
            }
            exportedAuthorizations[id] = nil
            authorizeLocked(key: authKeyID, user: user, state: .authorized(userID: user.userID), dc: dc, device: device, now: now)
            return user
        }
    }

    /// Forgets expired codes and tokens, and the oldest of anything pending beyond `maxPending`.
    func prunePendingLocked(now: Int) {
        if now > 0 {
            codes = codes.filter { $0.value.expiresAt > now }
            loginTokens = loginTokens.filter { $0.value.expiresAt > now }
        }
        if codes.count > World.maxPending {
            for k in codes.sorted(by: { $0.value.issuedAt < $1.value.issuedAt }).prefix(codes.count - World.maxPending).map(\.key) { codes[k] = nil }
        }
        if loginTokens.count > World.maxPending {
            for k in loginTokens.sorted(by: { $0.value.expiresAt < $1.value.expiresAt }).prefix(loginTokens.count - World.maxPending).map(\.key) { loginTokens[k] = nil }
        }
        if exportedAuthorizations.count > World.maxPending { exportedAuthorizations.removeAll() }
        if srpSessions.count > World.maxPending {
            for k in srpSessions.sorted(by: { $0.value.issuedAt < $1.value.issuedAt }).prefix(srpSessions.count - World.maxPending).map(\.key) { srpSessions[k] = nil }
        }
        World.bound(&sendCodeFlood, window: config.limits.floodWindow, now: now)
        World.bound(&wrongCodeFlood, window: config.limits.floodWindow, now: now)
        World.bound(&wrongPasswordFlood, window: config.limits.floodWindow, now: now)
    }

    /// Keeps at most `maxPending` flood counters: expired ones go first, then the least recent.
    static func bound<Key: Hashable>(_ counters: inout [Key: FloodCounter], window: Int, now: Int) {
        guard counters.count > World.maxPending else { return }
        counters = counters.filter { now - ($0.value.events.last ?? .min) < window }
        guard counters.count > World.maxPending else { return }
        let keep = counters.sorted { ($0.value.events.last ?? 0) > ($1.value.events.last ?? 0) }.prefix(World.maxPending)
        counters = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }

    func randomDigits(_ n: Int) -> String {
        String(SecureRandom.bytes(n).map { Character(String(Int($0) % 10)) })
    }
}
