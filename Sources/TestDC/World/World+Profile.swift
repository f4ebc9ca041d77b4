import Foundation
import MTCrypto

extension World {
    /// Finds a user by id and access_hash as a client names it (`inputUser`); the caller itself needs no hash.
    public func user(id: Int64, accessHash: Int64, authKeyID: Int64) throws -> Account {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            guard let a = accounts[id], id == me.userID || a.accessHash == accessHash || id == World.serviceUserID else { throw RPCFailure.peerIDInvalid }
            return a
        }
    }

    /// `account.updateProfile`.
    public func updateProfile(firstName: String?, lastName: String?, about: String?, authKeyID: Int64) throws -> Account {
        try lock.withLock {
            var a = try userLocked(authKeyID)
            if let f = firstName {
                let t = f.trimmingCharacters(in: .whitespaces)
                guard !t.isEmpty, t.count <= 64 else { throw RPCFailure.firstNameInvalid }
                a.firstName = t
            }
            if let l = lastName { a.lastName = String(l.prefix(64)) }
            if let ab = about { a.about = String(ab.prefix(70)) }
            put(a)
            return a
        }
    }

    /// `account.updateUsername`: 5–32 characters of a–z, 0–9 and _, starting with a letter; empty removes it.
    public func updateUsername(_ username: String, authKeyID: Int64) throws -> Account {
        try lock.withLock {
            var a = try userLocked(authKeyID)
            if username.isEmpty {
                a.username = nil
            } else {
                guard World.isValidUsername(username) else { throw RPCFailure.usernameInvalid }
                if let owner = userByUsername[username.lowercased()], owner != a.userID { throw RPCFailure.usernameOccupied }
                a.username = username
            }
            put(a)
            return a
        }
    }

    /// `contacts.resolveUsername`.
    public func resolve(username: String, authKeyID: Int64) throws -> Account {
        try lock.withLock {
            _ = try userLocked(authKeyID)
            guard let id = userByUsername[username.lowercased()], let a = accounts[id] else { throw RPCFailure.usernameNotOccupied }
            return a
        }
    }

    static func isValidUsername(_ s: String) -> Bool {
        guard (5...32).contains(s.count), let first = s.first, first.isASCII, first.isLetter else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    // MARK: - QR login

    /// `auth.exportLoginToken`: a token for another, logged-in device to accept; once accepted, the same call logs this key in.
    public func exportLoginToken(apiID: Int32, apiHash: String, authKeyID: Int64, dc: Int, device: ClientDevice, now: Int) throws -> LoginTokenResult {
        try checkApp(apiID: apiID, apiHash: apiHash)
        return try lock.withLock {
            if let accepted = loginTokens.values.first(where: { $0.authKeyID == authKeyID && $0.acceptedBy != nil }) {
                return try redeemLocked(accepted, authKeyID: authKeyID, dc: dc, device: device, now: now)
            }
            prunePendingLocked(now: now)
            let t = LoginToken(token: SecureRandom.bytes(32), authKeyID: authKeyID, dcID: dc, expiresAt: now + 30, acceptedBy: nil)
            loginTokens[t.token] = t
            return .token(t.token, expires: t.expiresAt)
        }
    }

    /// `auth.importLoginToken`: redeems an accepted token (on the account's home DC).
    public func importLoginToken(_ token: [UInt8], authKeyID: Int64, dc: Int, device: ClientDevice, now: Int) throws -> LoginTokenResult {
        try lock.withLock {
            guard let t = loginTokens[token] else { throw RPCFailure.authTokenInvalid }
            guard t.expiresAt > now || t.acceptedBy != nil else { throw RPCFailure.authTokenExpired }
            guard t.acceptedBy != nil else { return .token(t.token, expires: t.expiresAt) }
            return try redeemLocked(t, authKeyID: authKeyID, dc: dc, device: device, now: now)
        }
    }

    func redeemLocked(_ t: LoginToken, authKeyID: Int64, dc: Int, device: ClientDevice, now: Int) throws -> LoginTokenResult {
        guard let id = t.acceptedBy, let user = accounts[id] else { throw RPCFailure.authTokenInvalid }
        if user.homeDC != dc { return .migrate(dc: user.homeDC, token: t.token) }
        loginTokens[t.token] = nil
        authorizeLocked(key: authKeyID, user: user, state: .authorized(userID: id), dc: dc, device: device, now: now)
        return .success(user)
    }

    /// `auth.acceptLoginToken`: a logged-in session approves a QR token; returns the new authorisation.
    public func acceptLoginToken(_ token: [UInt8], authKeyID: Int64, now: Int) throws -> Authorization {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            guard var t = loginTokens[token], t.acceptedBy == nil else { throw RPCFailure.authTokenInvalid }
            guard t.expiresAt > now else { throw RPCFailure.authTokenExpired }
            t.acceptedBy = me.userID
            t.expiresAt = now + 60
            loginTokens[token] = t
            loginTokenHook?(t.authKeyID)
            return Authorization(authKeyID: t.authKeyID, state: .authorized(userID: me.userID), hash: SecureRandom.int64() & Int64.max | 1, dcID: t.dcID, device: ClientDevice(), createdAt: now, activeAt: now)
        }
    }
}

/// The answer to `auth.exportLoginToken` / `auth.importLoginToken`.
public enum LoginTokenResult: Equatable, Sendable {
    case token([UInt8], expires: Int)
    case migrate(dc: Int, token: [UInt8])
    case success(Account)
}
