import Foundation
import MTCrypto

/// What `account.getPassword` tells the client.
public struct PasswordInfo: Equatable, Sendable {
    /// The current password's parameters and a fresh SRP challenge (nil: no password).
    public var current: (salt1: [UInt8], salt2: [UInt8], srpB: [UInt8], srpID: Int64)?
    public var hint: String?
    public var hasRecovery: Bool
    public var emailUnconfirmedPattern: String?
    /// The salts a new password must use (the client appends 32 random bytes to salt1).
    public var newSalt1: [UInt8]
    public var newSalt2: [UInt8]

    public static func == (l: PasswordInfo, r: PasswordInfo) -> Bool {
        l.current?.srpID == r.current?.srpID && l.hint == r.hint && l.hasRecovery == r.hasRecovery && l.newSalt1 == r.newSalt1
    }
}

/// A client's SRP proof (`inputCheckPasswordSRP`), or none (`inputCheckPasswordEmpty`).
public enum PasswordProof: Sendable {
    case empty
    case srp(id: Int64, A: [UInt8], M1: [UInt8])
}

/// `account.passwordInputSettings`, as the world needs it.
public struct NewPasswordSettings: Sendable {
    /// nil: leave the password as it is (only the email changes).
    public var password: (salt1: [UInt8], salt2: [UInt8], verifier: [UInt8], hint: String)?
    /// True when new_password_hash is empty: remove the password.
    public var remove: Bool
    public var email: String?

    public init(password: (salt1: [UInt8], salt2: [UInt8], verifier: [UInt8], hint: String)?, remove: Bool, email: String?) {
        self.password = password; self.remove = remove; self.email = email
    }
}

extension World {
    /// Length of email confirmation and recovery codes.
    public static let emailCodeLength = 6

    /// The account a password method acts for: logged in, or half-way through a 2FA login.
    func passwordUserLocked(_ key: Int64) throws -> Account {
        guard let auth = authorizations[key], let a = accounts[auth.userID] else { throw RPCFailure.authKeyUnregistered }
        switch auth.state {
        case .authorized, .passwordPending: return a
        case .revoked: throw RPCFailure.authKeyUnregistered
        }
    }

    func newAlgoLocked(_ userID: Int64) -> (salt1: [UInt8], salt2: [UInt8]) {
        if let s = newAlgoSalts[userID] { return s }
        let s = (SecureRandom.bytes(8), SecureRandom.bytes(16))
        newAlgoSalts[userID] = s
        return s
    }

    /// `account.getPassword`: the password's parameters and a one-time SRP challenge.
    public func passwordInfo(authKeyID: Int64, now: Int) throws -> PasswordInfo {
        try lock.withLock {
            let a = try passwordUserLocked(authKeyID)
            let algo = newAlgoLocked(a.userID)
            var info = PasswordInfo(current: nil, hint: nil, hasRecovery: false, emailUnconfirmedPattern: nil, newSalt1: algo.salt1, newSalt2: algo.salt2)
            if let pw = a.password {
                let server = SRPServer(verifier: pw.verifier, salt1: pw.salt1, salt2: pw.salt2, g: TelegramDH.g, p: TelegramDH.prime)
                let id = SecureRandom.int64()
                srpSessions = srpSessions.filter { $0.value.userID != a.userID || now - $0.value.issuedAt < 600 }
                srpSessions[id] = SRPSession(userID: a.userID, server: server, issuedAt: now)
                prunePendingLocked(now: now)
                info.current = (pw.salt1, pw.salt2, server.B, id)
                info.hint = pw.hint.isEmpty ? nil : pw.hint
                info.hasRecovery = pw.email != nil
            }
            if let pending = a.pendingEmail { info.emailUnconfirmedPattern = World.emailPattern(pending.email) }
            return info
        }
    }

    /// Checks an SRP proof for the account, counting failures; the challenge is used up either way.
    func verifyLocked(_ proof: PasswordProof, account a: Account, now: Int) throws {
        let limits = config.limits
        if let wait = wrongPasswordFlood[a.userID, default: FloodCounter()].wait(limit: limits.passwordAttempts, window: limits.floodWindow, now: now) {
            throw RPCFailure.floodWait(seconds: wait)
        }
        switch proof {
        case .empty:
            if a.password != nil { throw RPCFailure.passwordHashInvalid }
        case .srp(let id, let A, let M1):
            guard a.password != nil, let session = srpSessions[id], session.userID == a.userID else { throw RPCFailure.srpIDInvalid }
            srpSessions[id] = nil
            guard session.server.verify(A: A, M1: M1) else {
                wrongPasswordFlood[a.userID, default: FloodCounter()].record(now)
                throw RPCFailure.passwordHashInvalid
            }
        }
    }

    /// `auth.checkPassword`: finishes a 2FA login.
    public func checkPassword(_ proof: PasswordProof, authKeyID: Int64, now: Int) throws -> Account {
        try lock.withLock {
            guard var auth = authorizations[authKeyID], case .passwordPending(let id) = auth.state, let a = accounts[id] else {
                throw RPCFailure.authKeyUnregistered
            }
            guard case .srp = proof else { throw RPCFailure.passwordHashInvalid }
            try verifyLocked(proof, account: a, now: now)
            auth.state = .authorized(userID: id)
            auth.activeAt = now
            put(auth)
            return a
        }
    }

    /// `account.getPasswordSettings`: the confirmed recovery email, behind the password.
    public func passwordSettings(_ proof: PasswordProof, authKeyID: Int64, now: Int) throws -> String? {
        try lock.withLock {
            let a = try userLocked(authKeyID)
            try verifyLocked(proof, account: a, now: now)
            return a.password?.email
        }
    }

    /// `account.updatePasswordSettings`: set, change or remove the password, with an optional recovery email
    /// (which must be confirmed first: `EMAIL_UNCONFIRMED_X`).
    public func updatePasswordSettings(_ proof: PasswordProof, _ settings: NewPasswordSettings, authKeyID: Int64, now: Int) throws {
        try lock.withLock {
            var a = try userLocked(authKeyID)
            try verifyLocked(proof, account: a, now: now)
            if settings.remove {
                a.password = nil
                a.pendingEmail = nil
                newAlgoSalts[a.userID] = nil
                put(a)
                return
            }
            var next = a.password
            if let p = settings.password {
                let offered = newAlgoLocked(a.userID)
                guard p.salt1.count >= offered.salt1.count, Array(p.salt1.prefix(offered.salt1.count)) == offered.salt1, p.salt2 == offered.salt2 else {
                    throw RPCFailure.newSaltInvalid
                }
                guard p.verifier.count == 256, p.verifier.contains(where: { $0 != 0 }) else { throw RPCFailure.newSettingsInvalid }
                next = PasswordState(salt1: p.salt1, salt2: p.salt2, verifier: p.verifier, hint: String(p.hint.prefix(128)), email: a.password?.email)
            }
            if let email = settings.email, !email.isEmpty {
                guard email.contains("@") else { throw RPCFailure.custom(code: 400, message: "EMAIL_INVALID") }
                let code = randomDigits(World.emailCodeLength)
                a.pendingEmail = PendingPasswordEmail(password: next, email: email, code: code, sentAt: now)
                put(a)
                logCode(phone: a.phone ?? "", code: code, method: "email", extra: ["email": email])
                throw RPCFailure.emailUnconfirmed(codeLength: World.emailCodeLength)
            }
            a.password = next
            put(a)
        }
    }

    /// `account.confirmPasswordEmail`: the pending password and email take effect.
    public func confirmPasswordEmail(code: String, authKeyID: Int64) throws {
        try lock.withLock {
            var a = try userLocked(authKeyID)
            guard let pending = a.pendingEmail else { throw RPCFailure.emailHashExpired }
            guard pending.code == code else { throw RPCFailure.codeInvalid }
            var pw = pending.password ?? a.password
            pw?.email = pending.email
            a.password = pw
            a.pendingEmail = nil
            put(a)
        }
    }

    /// `account.resendPasswordEmail`: a new code for the pending email.
    public func resendPasswordEmail(authKeyID: Int64, now: Int) throws {
        try lock.withLock {
            var a = try userLocked(authKeyID)
            guard var pending = a.pendingEmail else { throw RPCFailure.emailHashExpired }
            pending.code = randomDigits(World.emailCodeLength)
            pending.sentAt = now
            a.pendingEmail = pending
            put(a)
            logCode(phone: a.phone ?? "", code: pending.code, method: "email", extra: ["email": pending.email])
        }
    }

    /// `account.cancelPasswordEmail`: drops the pending email (and the password change that waited for it).
    public func cancelPasswordEmail(authKeyID: Int64) throws {
        try lock.withLock {
            var a = try userLocked(authKeyID)
            guard a.pendingEmail != nil else { throw RPCFailure.emailHashExpired }
            a.pendingEmail = nil
            put(a)
        }
    }

    /// `auth.requestPasswordRecovery`: mails a recovery code to the confirmed email; returns its pattern.
    public func requestPasswordRecovery(authKeyID: Int64, now: Int) throws -> String {
        try lock.withLock {
            var a = try passwordUserLocked(authKeyID)
            guard let email = a.password?.email else { throw RPCFailure.passwordRecoveryNotAvailable }
            let code = randomDigits(World.emailCodeLength)
            a.recoveryCode = code
            put(a)
            logCode(phone: a.phone ?? "", code: code, method: "recovery", extra: ["email": email])
            return World.emailPattern(email)
        }
    }

    /// `auth.recoverPassword`: with the emailed code, removes the password (or sets the new one) and logs the key in.
    public func recoverPassword(code: String, newSettings: NewPasswordSettings?, authKeyID: Int64, now: Int) throws -> Account {
        try lock.withLock {
            guard var auth = authorizations[authKeyID], auth.state != .revoked(userID: auth.userID), var a = accounts[auth.userID] else {
                throw RPCFailure.authKeyUnregistered
            }
            guard let expected = a.recoveryCode else { throw RPCFailure.passwordRecoveryNotAvailable }
            guard expected == code else { throw RPCFailure.codeInvalid }
            a.recoveryCode = nil
            if let p = newSettings?.password, newSettings?.remove == false {
                a.password = PasswordState(salt1: p.salt1, salt2: p.salt2, verifier: p.verifier, hint: p.hint, email: nil)
            } else {
                a.password = nil
            }
            put(a)
            auth.state = .authorized(userID: a.userID)
            put(auth)
            return a
        }
    }

    /// `a***@example.com`, as Telegram shows an email.
    static func emailPattern(_ email: String) -> String {
        let parts = email.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let first = parts[0].first else { return "***" }
        return "\(first)***@\(parts[1])"
    }
}
