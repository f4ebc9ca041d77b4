import Foundation
import GRDB
import TGClient

/// A session in a SQLite file with Telethon's version-8 schema: Telethon opens
/// it as logged in, and it opens Telethon's files without a new login. What
/// tgflow needs beyond Telethon's tables lives in `tgflow_*` tables.
///
/// The file is created with mode 0600 and locked (`flock`) while open, so a
/// second process is refused with `SessionStoreError.busy` naming the holder.
public final class SQLiteSession: SessionStorage, @unchecked Sendable {
    /// The file path (with `.session` appended as Telethon does), or ":memory:".
    public let path: String
    private var queue: DatabaseQueue?
    private let lock: SessionLock?

    /// Opens or creates `NAME.session` (`.session` is appended unless present).
    /// Throws `SessionStoreError.busy` when another process holds it.
    public init(path name: String) throws {
        let path = name.hasSuffix(".session") ? name : name + ".session"
        self.path = path
        guard let lock = try SessionLock.acquire(path: path) else {
            throw SessionStoreError.busy(path: path, holder: SQLiteSession.readHolder(path: path))
        }
        self.lock = lock
        do {
            var config = Configuration()
            config.busyMode = .timeout(5)
            let queue = try DatabaseQueue(path: path, configuration: config)
            try queue.write { db in
                try SessionSchema.prepare(db, path: path)
                let me = SessionLock.currentHolder()
                try db.execute(sql: "insert or replace into tgflow_holder values (0, ?, ?, ?, ?)",
                               arguments: [Int64(me.pid), me.host, me.command, me.since.timeIntervalSince1970])
            }
            self.queue = queue
        } catch let error as SessionStoreError {
            lock.release()
            throw error
        } catch let error as DatabaseError {
            lock.release()
            if error.resultCode == .SQLITE_NOTADB {
                throw SessionStoreError.notASession(path: path, reason: "not a SQLite database")
            }
            throw SessionStoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// A session in a private in-memory SQLite database with the same schema.
    public init() throws {
        self.path = ":memory:"
        self.lock = nil
        let queue = try DatabaseQueue()
        try queue.write { try SessionSchema.prepare($0, path: ":memory:") }
        self.queue = queue
    }

    deinit { close() }

    /// Closes the database and releases the lock; later calls throw.
    public func close() {
        if let queue, lock != nil {
            _ = try? queue.write { try $0.execute(sql: "delete from tgflow_holder") }
        }
        queue = nil
        lock?.release()
    }

    public var location: String { path }

    /// Who recorded holding the file, read without taking the lock.
    static func readHolder(path: String) -> SessionHolder? {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(1)
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return nil }
        return try? queue.read { db -> SessionHolder? in
            guard try db.tableExists("tgflow_holder"),
                  let row = try Row.fetchOne(db, sql: "select pid, host, command, since from tgflow_holder where id = 0")
            else { return nil }
            return SessionHolder(pid: Int32(truncatingIfNeeded: row["pid"] as Int64), host: row["host"], command: row["command"],
                                 since: Date(timeIntervalSince1970: row["since"]))
        }
    }

    private func db() throws -> DatabaseQueue {
        guard let queue else { throw SessionStoreError.cannotOpen(path: path, reason: "the session was closed") }
        return queue
    }
    private func write<T>(_ body: (Database) throws -> T) throws -> T { try db().write(body) }
    private func read<T>(_ body: (Database) throws -> T) throws -> T { try db().read(body) }

    // MARK: Home data centre and keys

    public func home() throws -> DCAddress? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "select dc_id, server_address, port from sessions limit 1"),
                  let id: Int = row["dc_id"] else { return nil }
            let host: String = row["server_address"] ?? ""
            return DCAddress(id: id, host: host, port: row["port"] ?? 443, isIPv6: host.contains(":"))
        }
    }

    public func setHome(_ dc: DCAddress) throws {
        try write { db in
            let old = try Row.fetchOne(db, sql: "select dc_id, auth_key, takeout_id from sessions limit 1")
            let oldID: Int? = old?["dc_id"]
            var key: Data? = old?["auth_key"]
            let takeout: Int64? = old?["takeout_id"]
            if let oldID, oldID != dc.id {
                if let key, !key.isEmpty {
                    try db.execute(sql: "insert or replace into tgflow_auth_keys values (?, ?)", arguments: [oldID, key])
                }
                key = try Data.fetchOne(db, sql: "select auth_key from tgflow_auth_keys where dc_id = ?", arguments: [dc.id])
            } else if oldID == nil {
                key = try Data.fetchOne(db, sql: "select auth_key from tgflow_auth_keys where dc_id = ?", arguments: [dc.id])
            }
            try db.execute(sql: "delete from tgflow_auth_keys where dc_id = ?", arguments: [dc.id])
            try db.execute(sql: "delete from sessions")
            try db.execute(sql: "insert into sessions values (?, ?, ?, ?, ?, ?)",
                           arguments: [dc.id, dc.host, dc.port, key ?? Data(), takeout, Data()])
        }
    }

    public func authKey(dc: Int) throws -> [UInt8]? {
        try read { db in
            let home = try Row.fetchOne(db, sql: "select dc_id, auth_key from sessions limit 1")
            let data: Data?
            if let home, (home["dc_id"] as Int?) == dc {
                data = home["auth_key"]
            } else {
                data = try Data.fetchOne(db, sql: "select auth_key from tgflow_auth_keys where dc_id = ?", arguments: [dc])
            }
            guard let data, !data.isEmpty else { return nil }
            return [UInt8](data)
        }
    }

    public func setAuthKey(_ key: [UInt8]?, dc: Int) throws {
        try write { db in
            let homeID = try Int.fetchOne(db, sql: "select dc_id from sessions limit 1")
            if homeID == dc {
                try db.execute(sql: "update sessions set auth_key = ?", arguments: [Data(key ?? [])])
            } else if let key {
                try db.execute(sql: "insert or replace into tgflow_auth_keys values (?, ?)", arguments: [dc, Data(key)])
            } else {
                try db.execute(sql: "delete from tgflow_auth_keys where dc_id = ?", arguments: [dc])
            }
        }
    }

    public func serverSalt(dc: Int) throws -> Int64? {
        try read { try Int64.fetchOne($0, sql: "select salt from tgflow_server_salts where dc_id = ?", arguments: [dc]) }
    }

    public func setServerSalt(_ salt: Int64?, dc: Int) throws {
        try write { db in
            if let salt {
                try db.execute(sql: "insert or replace into tgflow_server_salts values (?, ?)", arguments: [dc, salt])
            } else {
                try db.execute(sql: "delete from tgflow_server_salts where dc_id = ?", arguments: [dc])
            }
        }
    }

    // MARK: Entities

    /// Writes only the rows that changed (hash, username, phone or name), all in one
    /// transaction; a result that brings nothing new costs one read and no write.
    /// Entity rows are a cache, so their transaction runs with `synchronous = NORMAL`:
    /// a power cut may lose the newest rows, never the file.
    public func saveEntities(_ entities: [CachedEntity]) throws {
        guard !entities.isEmpty else { return }
        let changed = try read { db in try entities.filter { try !SQLiteSession.isStored($0, db) } }
        guard !changed.isEmpty else { return }
        let now = Int64(Date().timeIntervalSince1970)
        try writeCache { db in
            for e in changed {
                try db.execute(sql: "insert or replace into entities values (?, ?, ?, ?, ?, ?)", arguments: [
                    e.id, e.accessHash, e.username, e.phone.flatMap { Int64($0) }, e.name,
                    e.date.map { Int64($0.timeIntervalSince1970) } ?? now,
                ])
            }
        }
    }

    /// Whether the row for `e.id` already says what `e` says (its date aside).
    private static func isStored(_ e: CachedEntity, _ db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "select hash, username, phone, name from entities where id = ?", arguments: [e.id])
        else { return false }
        let hash: Int64? = row["hash"]
        let username: String? = row["username"]
        let phone: Int64? = row["phone"]
        let name: String? = row["name"]
        return hash == e.accessHash && username == e.username && phone == e.phone.flatMap { Int64($0) } && name == e.name
    }

    /// A transaction for cached data (entities): durable against a process crash, and
    /// against a power cut up to the last few such writes, without an fsync per row.
    private func writeCache(_ body: (Database) throws -> Void) throws {
        try db().writeWithoutTransaction { db in
            let previous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 2
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = \(previous)") }
            try db.inTransaction {
                try body(db)
                return .commit
            }
        }
    }

    private static func entity(_ row: Row) -> CachedEntity {
        let phone: Int64? = row["phone"]
        let date: Int64? = row["date"]
        return CachedEntity(id: row["id"], accessHash: row["hash"], username: row["username"],
                            phone: phone.map(String.init), name: row["name"],
                            date: date.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    public func entity(id: Int64) throws -> CachedEntity? {
        guard id != 0 else { return nil }
        return try read { db in
            try Row.fetchOne(db, sql: "select * from entities where id = ?", arguments: [id]).map(SQLiteSession.entity)
        }
    }

    public func entity(username: String) throws -> CachedEntity? {
        let name = MemorySession.normalizedUsername(username)
        return try read { db in
            try Row.fetchOne(db, sql: "select * from entities where username = ? and id != 0 order by date desc", arguments: [name])
                .map(SQLiteSession.entity)
        }
    }

    public func entity(phone: String) throws -> CachedEntity? {
        guard let number = Int64(CachedEntity.digits(phone)) else { return nil }
        return try read { db in
            try Row.fetchOne(db, sql: "select * from entities where phone = ? and id != 0", arguments: [number]).map(SQLiteSession.entity)
        }
    }

    /// Telethon keeps the logged-in user as entity row 0 whose hash is the user id.
    public func selfUserID() throws -> Int64? {
        try read { try Int64.fetchOne($0, sql: "select hash from entities where id = 0") }
    }

    public func setSelfUserID(_ id: Int64?) throws {
        if let id, try selfUserID() == id { return }
        try write { db in
            if let id {
                try db.execute(sql: "insert or replace into entities values (0, ?, null, null, null, ?)",
                               arguments: [id, Int64(Date().timeIntervalSince1970)])
            } else {
                try db.execute(sql: "delete from entities where id = 0")
            }
        }
    }

    // MARK: Update state, pending login, flood waits, DC list

    public func updateState() throws -> UpdateState? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "select pts, qts, date, seq from update_state where id = 0") else { return nil }
            return UpdateState(pts: row["pts"] ?? 0, qts: row["qts"] ?? 0,
                               date: Date(timeIntervalSince1970: row["date"] ?? 0), seq: row["seq"] ?? 0)
        }
    }

    public func setUpdateState(_ state: UpdateState?) throws {
        try write { db in
            if let s = state {
                try db.execute(sql: "insert or replace into update_state values (0, ?, ?, ?, ?)",
                               arguments: [s.pts, s.qts, Int64(s.date.timeIntervalSince1970), s.seq])
            } else {
                try db.execute(sql: "delete from update_state where id = 0")
            }
        }
    }

    public func pendingLogin() throws -> PendingLogin? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "select phone, phone_code_hash, sent_at from tgflow_pending_login") else { return nil }
            return PendingLogin(phone: row["phone"], phoneCodeHash: row["phone_code_hash"], sentAt: Date(timeIntervalSince1970: row["sent_at"]))
        }
    }

    public func setPendingLogin(_ login: PendingLogin?) throws {
        try write { db in
            try db.execute(sql: "delete from tgflow_pending_login")
            if let l = login {
                try db.execute(sql: "insert into tgflow_pending_login values (0, ?, ?, ?)",
                               arguments: [l.phone, l.phoneCodeHash, l.sentAt.timeIntervalSince1970])
            }
        }
    }

    public func floodDeadline(method: String) throws -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "select until from tgflow_flood_waits where method = ?", arguments: [method])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func setFloodDeadline(_ until: Date?, method: String) throws {
        try write { db in
            if let until {
                try db.execute(sql: "insert or replace into tgflow_flood_waits values (?, ?)", arguments: [method, until.timeIntervalSince1970])
            } else {
                try db.execute(sql: "delete from tgflow_flood_waits where method = ?", arguments: [method])
            }
        }
    }

    public func dcList() throws -> [DCAddress] {
        try read { db in
            try Row.fetchAll(db, sql: "select dc_id, host, port, ipv6, media from tgflow_dcs order by dc_id, media, ipv6").map {
                DCAddress(id: $0["dc_id"], host: $0["host"], port: $0["port"], isIPv6: $0["ipv6"], isMedia: $0["media"])
            }
        }
    }

    public func setDCList(_ dcs: [DCAddress]) throws {
        try write { db in
            try db.execute(sql: "delete from tgflow_dcs")
            for d in dcs {
                try db.execute(sql: "insert or replace into tgflow_dcs values (?, ?, ?, ?, ?)",
                               arguments: [d.id, d.host, d.port, d.isIPv6, d.isMedia])
            }
        }
    }

    public func clearAuthorization() throws {
        try write { db in
            try db.execute(sql: "update sessions set auth_key = ?, tmp_auth_key = ?", arguments: [Data(), Data()])
            for table in ["tgflow_auth_keys", "tgflow_server_salts", "tgflow_pending_login", "entities", "update_state", "sent_files"] {
                try db.execute(sql: "delete from \(table)")
            }
        }
    }

    /// Copies everything from another session (an import).
    public func copy(from other: SessionStorage) throws {
        try SessionCopy.copy(from: other, to: self)
    }
}

/// Moves a session's state between storages (file ↔ memory ↔ string).
public enum SessionCopy {
    /// Copies home, keys for known DCs (home, DC list, 1…5), salts, self id,
    /// update state, pending login and DC list. Entities are not enumerable
    /// through `SessionStorage` and are left behind (they refill on use).
    public static func copy(from source: SessionStorage, to target: SessionStorage) throws {
        let dcs = try source.dcList()
        let home = try source.home()
        var ids = Set(dcs.map(\.id)).union(1...5)
        if let home { ids.insert(home.id) }
        for id in ids.sorted() {
            if let key = try source.authKey(dc: id) { try target.setAuthKey(key, dc: id) }
            if let salt = try source.serverSalt(dc: id) { try target.setServerSalt(salt, dc: id) }
        }
        if let home {
            try target.setHome(home)
            try target.setAuthKey(try source.authKey(dc: home.id), dc: home.id)
        }
        try target.setDCList(dcs)
        try target.setSelfUserID(try source.selfUserID())
        try target.setUpdateState(try source.updateState())
        try target.setPendingLogin(try source.pendingLogin())
    }
}
