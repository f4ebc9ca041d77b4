import Foundation

/// A data centre address as a session remembers it.
public struct DCAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var id: Int
    public var host: String
    public var port: Int
    public var isIPv6: Bool
    public var isMedia: Bool

    public init(id: Int, host: String, port: Int, isIPv6: Bool = false, isMedia: Bool = false) {
        self.id = id
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
        self.isMedia = isMedia
    }

    public var description: String { "DC \(id) (\(host):\(port))" }
}

/// A peer the session has seen: enough to address it later without asking the server.
///
/// `id` is the *marked* id Telethon uses: a user's id, `-chat_id` for a basic
/// group, `-(1000000000000 + channel_id)` for a channel or supergroup.
public struct CachedEntity: Sendable, Equatable, Hashable {
    public enum Kind: Sendable, Equatable { case user, chat, channel }

    public var id: Int64
    public var accessHash: Int64
    /// Lower-cased, without `@`.
    public var username: String?
    /// Digits only.
    public var phone: String?
    public var name: String?
    public var date: Date?

    public init(id: Int64, accessHash: Int64, username: String? = nil, phone: String? = nil, name: String? = nil, date: Date? = nil) {
        self.id = id
        self.accessHash = accessHash
        self.username = username.map { $0.lowercased() }
        self.phone = phone.map(CachedEntity.digits)
        self.name = name
        self.date = date
    }

    public static let channelIDOffset: Int64 = 1_000_000_000_000

    public var kind: Kind {
        if id >= 0 { return .user }
        return id <= -CachedEntity.channelIDOffset ? .channel : .chat
    }

    /// The id Telegram uses in requests (`user_id`, `chat_id`, `channel_id`).
    public var bareID: Int64 {
        switch kind {
        case .user: return id
        case .chat: return -id
        case .channel: return -id - CachedEntity.channelIDOffset
        }
    }

    public static func markedID(user id: Int64) -> Int64 { id }
    public static func markedID(chat id: Int64) -> Int64 { -id }
    public static func markedID(channel id: Int64) -> Int64 { -(channelIDOffset + id) }

    /// `+1 (555) 010-0000` → `15550100000`.
    public static func digits(_ phone: String) -> String { String(phone.filter(\.isASCII).filter(\.isNumber)) }
}

/// The account's update state (Telethon's `update_state` row 0).
public struct UpdateState: Sendable, Equatable {
    public var pts: Int
    public var qts: Int
    public var date: Date
    public var seq: Int
    public init(pts: Int, qts: Int, date: Date, seq: Int) {
        self.pts = pts; self.qts = qts; self.date = date; self.seq = seq
    }
}

/// A login that was started (a code was sent) but not finished, so that a
/// later run can finish it instead of asking for another code.
public struct PendingLogin: Sendable, Equatable, CustomStringConvertible {
    public var phone: String
    public var phoneCodeHash: String
    public var sentAt: Date
    public init(phone: String, phoneCodeHash: String, sentAt: Date) {
        self.phone = phone; self.phoneCodeHash = phoneCodeHash; self.sentAt = sentAt
    }
    /// The code hash is not secret by itself, but it is kept out of logs anyway.
    public var description: String { "PendingLogin(phone: \(phone), sentAt: \(sentAt))" }
}

/// Where a `TelegramClient` keeps what must survive a restart: the home data
/// centre and its auth key, keys for other data centres, salts, the entity
/// cache, update state, a pending login, flood-wait deadlines and the DC list.
///
/// `MemorySession` (here) and `SQLiteSession` (module SessionStore, Telethon's
/// file format) implement it. Every method is synchronous and thread-safe;
/// writes are durable when they return.
public protocol SessionStorage: AnyObject, Sendable {
    /// Where the session lives, for messages: a file path or "memory".
    var location: String { get }

    /// The home data centre (Telethon's single `sessions` row), if any.
    func home() throws -> DCAddress?
    /// Makes `dc` the home data centre. A key already stored for that DC stays.
    func setHome(_ dc: DCAddress) throws

    /// The auth key for a data centre (the home one or another), 256 bytes.
    func authKey(dc: Int) throws -> [UInt8]?
    /// Stores (or with nil forgets) the auth key for a data centre.
    func setAuthKey(_ key: [UInt8]?, dc: Int) throws

    func serverSalt(dc: Int) throws -> Int64?
    func setServerSalt(_ salt: Int64?, dc: Int) throws

    /// Adds or replaces entities by id.
    func saveEntities(_ entities: [CachedEntity]) throws
    func entity(id: Int64) throws -> CachedEntity?
    /// Lookup by username, case-insensitive, with or without `@`.
    func entity(username: String) throws -> CachedEntity?
    /// Lookup by phone number in any formatting.
    func entity(phone: String) throws -> CachedEntity?

    /// The logged-in user's id (Telethon's entity row 0), if known.
    func selfUserID() throws -> Int64?
    func setSelfUserID(_ id: Int64?) throws

    func updateState() throws -> UpdateState?
    func setUpdateState(_ state: UpdateState?) throws

    func pendingLogin() throws -> PendingLogin?
    func setPendingLogin(_ login: PendingLogin?) throws

    /// When a method may be called again after a `FLOOD_WAIT`.
    func floodDeadline(method: String) throws -> Date?
    func setFloodDeadline(_ until: Date?, method: String) throws

    /// The data centres from the last `help.getConfig`.
    func dcList() throws -> [DCAddress]
    func setDCList(_ dcs: [DCAddress]) throws

    /// Forgets every key, entity, state and pending login (after `auth.logOut`).
    func clearAuthorization() throws
}

public extension SessionStorage {
    /// The home data centre's auth key, if there is a home and a key.
    func homeAuthKey() throws -> [UInt8]? {
        guard let home = try home() else { return nil }
        return try authKey(dc: home.id)
    }
}
