import Foundation
import MTCrypto

/// The test server's Telegram: accounts, authorisations per auth key, login codes,
/// 2FA passwords and message boxes, with Telegram's rules enforced.
///
/// Every data centre of one server shares one `World`; each account has a home DC
/// and requests for it elsewhere are answered with a migrate error. All methods are
/// thread-safe; time is passed in (`now`, Unix seconds) so tests control it.
public final class World: @unchecked Sendable {
    public let config: TestDCConfig
    public let dcCount: Int
    let store: WorldStore
    let codeLog: CodeLog?
    let lock = NSLock()

    var accounts: [Int64: Account] = [:]
    var userByPhone: [String: Int64] = [:]
    var userByUsername: [String: Int64] = [:]
    var botByToken: [String: Int64] = [:]
    var authorizations: [Int64: Authorization] = [:]
    var authKeys: [Int64: [UInt8]] = [:]
    /// Auth keys with no authorisation, oldest first, so a flood of key exchanges cannot grow memory without bound.
    var anonymousKeyOrder: [Int64] = []
    var messages: [Int64: [StoredMessage]] = [:]
    var nextUserID: Int64 = 100_000

    var codes: [String: LoginCode] = [:]
    var sendCodeFlood: [String: FloodCounter] = [:]
    var wrongCodeFlood: [String: FloodCounter] = [:]
    var wrongPasswordFlood: [Int64: FloodCounter] = [:]
    var srpSessions: [Int64: SRPSession] = [:]
    var newAlgoSalts: [Int64: (salt1: [UInt8], salt2: [UInt8])] = [:]
    var loginTokens: [[UInt8]: LoginToken] = [:]
    var exportedAuthorizations: [Int64: (userID: Int64, bytes: [UInt8], dc: Int)] = [:]

    /// The most auth keys kept without an authorisation; older ones are forgotten first.
    public static let maxAnonymousKeys = 50_000
    /// The most outstanding login codes, login tokens or SRP challenges kept at once.
    public static let maxPending = 20_000

    /// Called (under the world's lock, so it must only hand off) when a message lands in a box:
    /// the message and the auth keys logged in to that box that did not send it.
    public var onNewMessage: (@Sendable (StoredMessage, [Int64]) -> Void)? {
        get { lock.withLock { newMessageHook } }
        set { lock.withLock { newMessageHook = newValue } }
    }
    var newMessageHook: (@Sendable (StoredMessage, [Int64]) -> Void)?

    /// Called (under the lock) with the auth key that exported a QR-login token once another session accepts it.
    public var onLoginTokenAccepted: (@Sendable (Int64) -> Void)? {
        get { lock.withLock { loginTokenHook } }
        set { lock.withLock { loginTokenHook = newValue } }
    }
    var loginTokenHook: (@Sendable (Int64) -> Void)?

    /// The service account that delivers login codes ("Telegram", 777000).
    public static let serviceUserID: Int64 = 777000

    public init(config: TestDCConfig = TestDCConfig(), dcCount: Int = 3, store: WorldStore = InMemoryWorldStore(), codeLog: CodeLog? = nil, now: Int = Int(Date().timeIntervalSince1970)) throws {
        self.config = config
        self.dcCount = dcCount
        self.store = store
        self.codeLog = codeLog
        let snapshot = try store.load()
        for a in snapshot.accounts { index(a) }
        for auth in snapshot.authorizations { authorizations[auth.authKeyID] = auth }
        authKeys = snapshot.authKeys
        for m in snapshot.messages { messages[m.ownerID, default: []].append(m) }
        for k in messages.keys { messages[k]!.sort { $0.id < $1.id } }
        nextUserID = max(snapshot.nextUserID, (accounts.keys.filter { $0 != World.serviceUserID && !(accounts[$0]!.isBot) }.max() ?? 99_999) + 1)
        if accounts[World.serviceUserID] == nil {
            put(Account(userID: World.serviceUserID, accessHash: SecureRandom.int64(), phone: "42777", firstName: "Telegram", lastName: "", username: nil, about: "", homeDC: 1, isBot: false, pts: 0, lastMessageID: 0, password: nil, pendingEmail: nil, recoveryCode: nil, createdAt: now))
        }
        try seed(now: now)
    }

    // MARK: - Index and persistence

    func index(_ a: Account) {
        if let old = accounts[a.userID] {
            if let p = old.phone { userByPhone[p] = nil }
            if let u = old.username { userByUsername[u.lowercased()] = nil }
        }
        accounts[a.userID] = a
        if let p = a.phone { userByPhone[p] = a.userID }
        if let u = a.username { userByUsername[u.lowercased()] = a.userID }
    }

    /// Stores an account in memory and in the state database.
    func put(_ a: Account) {
        index(a)
        store.save(account: a)
    }

    func put(_ auth: Authorization) {
        authorizations[auth.authKeyID] = auth
        store.save(authorization: auth)
    }

    func newUserID() -> Int64 {
        defer { nextUserID += 1; store.save(nextUserID: nextUserID) }
        return nextUserID
    }

    private func seed(now: Int) throws {
        for bot in config.bots {
            guard let id = Int64(bot.token.split(separator: ":").first ?? ""), id > 0 else { continue }
            botByToken[bot.token] = id
            if accounts[id] == nil {
                let name = bot.username ?? "bot\(id)"
                put(Account(userID: id, accessHash: SecureRandom.int64(), phone: nil, firstName: bot.firstName ?? name, lastName: "", username: name, about: "", homeDC: clampDC(bot.dc ?? 1), isBot: true, pts: 0, lastMessageID: 0, password: nil, pendingEmail: nil, recoveryCode: nil, createdAt: now))
            }
        }
        for seed in config.accounts {
            guard let phone = PhoneRules.normalize(seed.phone), userByPhone[phone] == nil else { continue }
            var a = Account(userID: newUserID(), accessHash: SecureRandom.int64(), phone: phone, firstName: seed.firstName, lastName: seed.lastName ?? "", username: seed.username, about: "", homeDC: homeDC(ofPhone: phone) ?? 1, isBot: false, pts: 0, lastMessageID: 0, password: nil, pendingEmail: nil, recoveryCode: nil, createdAt: now)
            if let pw = seed.password {
                let salt1 = SecureRandom.bytes(40), salt2 = SecureRandom.bytes(16)
                let v = try SRP.newVerifier(password: pw, salt1: salt1, salt2: salt2, g: TelegramDH.g, p: TelegramDH.prime)
                a.password = PasswordState(salt1: salt1, salt2: salt2, verifier: v, hint: seed.hint ?? "", email: seed.email)
            }
            put(a)
        }
    }

    func clampDC(_ dc: Int) -> Int { (1...max(dcCount, 1)).contains(dc) ? dc : 1 }

    /// The DC a phone number lives on: X for `99966XYYYY` (nil if X is not served), else the configured default.
    public func homeDC(ofPhone phone: String) -> Int? {
        if let x = PhoneRules.testDC(of: phone) { return x <= dcCount ? x : nil }
        return clampDC(config.limits.defaultDC)
    }

    // MARK: - Auth keys

    /// Remembers an auth key made by a key exchange on any DC.
    public func register(authKeyID: Int64, key: [UInt8]) {
        lock.withLock {
            guard authKeys[authKeyID] == nil else { return }
            authKeys[authKeyID] = key
            anonymousKeyOrder.append(authKeyID)
            if anonymousKeyOrder.count > World.maxAnonymousKeys {
                let overflow = anonymousKeyOrder.count - World.maxAnonymousKeys
                for id in anonymousKeyOrder.prefix(overflow) where authorizations[id] == nil {
                    authKeys[id] = nil
                    store.deleteAuthKey(id: id)
                }
                anonymousKeyOrder.removeFirst(overflow)
            }
            store.save(authKeyID: authKeyID, key: key)
        }
    }

    /// The key bytes for an auth_key_id, if the server made (or persisted) it.
    public func authKey(id: Int64) -> [UInt8]? { lock.withLock { authKeys[id] } }

    // MARK: - Who is calling

    /// The account logged in on this key, or `AUTH_KEY_UNREGISTERED`.
    public func requireUser(authKeyID: Int64) throws -> Account {
        try lock.withLock { try userLocked(authKeyID) }
    }

    func userLocked(_ key: Int64) throws -> Account {
        guard let auth = authorizations[key], case .authorized(let id) = auth.state, let a = accounts[id] else {
            throw RPCFailure.authKeyUnregistered
        }
        return a
    }

    /// Marks the key's authorisation as used now.
    public func touch(authKeyID: Int64, now: Int) {
        lock.withLock {
            guard var auth = authorizations[authKeyID], now - auth.activeAt >= 60 else { return }
            auth.activeAt = now
            put(auth)
        }
    }

    public func account(id: Int64) -> Account? { lock.withLock { accounts[id] } }
    public func account(phone: String) -> Account? { lock.withLock { userByPhone[phone].flatMap { accounts[$0] } } }
    public func account(username: String) -> Account? { lock.withLock { userByUsername[username.lowercased()].flatMap { accounts[$0] } } }
    public func authorization(authKeyID: Int64) -> Authorization? { lock.withLock { authorizations[authKeyID] } }

    /// Binds a key to a user (login), replacing whatever it had.
    func authorizeLocked(key: Int64, user: Account, state: AuthorizationState, dc: Int, device: ClientDevice, now: Int) {
        let auth = Authorization(authKeyID: key, state: state, hash: SecureRandom.int64() & Int64.max | 1, dcID: dc, device: device, createdAt: now, activeAt: now)
        put(auth)
        let mine = authorizations.values.filter { $0.userID == user.userID && $0.authKeyID != key }
        if mine.count >= World.maxAuthorizationsPerUser {
            // Forgetting an authorisation leaves its key as unregistered as revoking it would.
            for old in mine.sorted(by: { ($0.state == .authorized(userID: user.userID) ? 1 : 0, $0.activeAt) < ($1.state == .authorized(userID: user.userID) ? 1 : 0, $1.activeAt) })
                .prefix(mine.count - World.maxAuthorizationsPerUser + 1) {
                authorizations[old.authKeyID] = nil
                store.deleteAuthorization(authKeyID: old.authKeyID)
            }
        }
    }

    /// The most authorisations (live or ended) one account keeps; beyond it, ended ones and then the least recently used are forgotten.
    public static let maxAuthorizationsPerUser = 1000

    // MARK: - Code log

    func logCode(phone: String, code: String, method: String, extra: [String: String] = [:]) {
        codeLog?.append(phone: phone, code: code, method: method, extra: extra)
    }
}

/// Counts events (wrong codes, code requests) in a sliding window and says how long to wait.
struct FloodCounter {
    var events: [Int] = []

    /// Seconds to wait before one more event is allowed, or nil when allowed now.
    mutating func wait(limit: Int, window: Int, now: Int) -> Int? {
        events.removeAll { now - $0 >= window }
        guard events.count >= limit, let oldest = events.first else { return nil }
        return max(1, oldest + window - now)
    }

    mutating func record(_ now: Int) { events.append(now) }
}

/// The server half of one SRP proof: handed out by `account.getPassword`, used once.
struct SRPSession {
    var userID: Int64
    var server: SRPServer
    var issuedAt: Int
}
