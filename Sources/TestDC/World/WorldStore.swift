import Foundation
import GRDB

/// Everything a `World` keeps across restarts.
public struct WorldSnapshot: Sendable {
    public var accounts: [Account] = []
    public var authorizations: [Authorization] = []
    public var authKeys: [Int64: [UInt8]] = [:]
    public var messages: [StoredMessage] = []
    public var nextUserID: Int64 = 100_000
    public init() {}
}

/// Where a `World` writes through its changes. Writes never throw to the caller:
/// a failing disk must not take a login down; the failure is reported once on stderr.
public protocol WorldStore: Sendable {
    func load() throws -> WorldSnapshot
    func save(account: Account)
    func save(authorization: Authorization)
    func deleteAuthorization(authKeyID: Int64)
    func save(authKeyID: Int64, key: [UInt8])
    func deleteAuthKey(id: Int64)
    func save(message: StoredMessage)
    func deleteMessage(owner: Int64, id: Int32)
    func save(nextUserID: Int64)
}

/// Keeps nothing: the world lives and dies with the process.
public struct InMemoryWorldStore: WorldStore {
    public init() {}
    public func load() throws -> WorldSnapshot { WorldSnapshot() }
    public func save(account: Account) {}
    public func save(authorization: Authorization) {}
    public func deleteAuthorization(authKeyID: Int64) {}
    public func save(authKeyID: Int64, key: [UInt8]) {}
    public func deleteAuthKey(id: Int64) {}
    public func save(message: StoredMessage) {}
    public func deleteMessage(owner: Int64, id: Int32) {}
    public func save(nextUserID: Int64) {}
}

/// The world in an SQLite file (`--state`), one row per account, authorisation, auth key and message.
/// Accounts and authorisations are stored as JSON documents so the schema stays small.
public final class SQLiteWorldStore: WorldStore, @unchecked Sendable {
    let db: DatabaseQueue
    let path: String
    private var reported = false
    private let lock = NSLock()

    public init(path: String) throws {
        self.path = path
        do {
            var config = Configuration()
            config.busyMode = .timeout(5)
            db = try DatabaseQueue(path: path, configuration: config)
            try migrator.migrate(db)
        } catch {
            throw TestDCError.stateUnavailable(path: path, reason: "\(error)")
        }
    }

    private var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE account (user_id INTEGER PRIMARY KEY, json BLOB NOT NULL);
                CREATE TABLE authorization (auth_key_id INTEGER PRIMARY KEY, json BLOB NOT NULL);
                CREATE TABLE auth_key (id INTEGER PRIMARY KEY, key BLOB NOT NULL);
                CREATE TABLE message (owner_id INTEGER NOT NULL, id INTEGER NOT NULL, json BLOB NOT NULL, PRIMARY KEY (owner_id, id));
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                """)
        }
        return m
    }

    public func load() throws -> WorldSnapshot {
        do {
            return try db.read { db in
                var s = WorldSnapshot()
                let decoder = JSONDecoder()
                for row in try Row.fetchAll(db, sql: "SELECT json FROM account") {
                    s.accounts.append(try decoder.decode(Account.self, from: row["json"] as Data))
                }
                for row in try Row.fetchAll(db, sql: "SELECT json FROM authorization") {
                    s.authorizations.append(try decoder.decode(Authorization.self, from: row["json"] as Data))
                }
                for row in try Row.fetchAll(db, sql: "SELECT id, key FROM auth_key") {
                    s.authKeys[row["id"]] = [UInt8](row["key"] as Data)
                }
                for row in try Row.fetchAll(db, sql: "SELECT json FROM message ORDER BY owner_id, id") {
                    s.messages.append(try decoder.decode(StoredMessage.self, from: row["json"] as Data))
                }
                if let next = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'next_user_id'") { s.nextUserID = next }
                return s
            }
        } catch {
            throw TestDCError.stateUnavailable(path: path, reason: "\(error)")
        }
    }

    private func write(_ what: String, _ body: (Database) throws -> Void) {
        do { try db.write(body) } catch {
            lock.withLock {
                if !reported { FileHandle.standardError.write(Data("testdc: cannot save \(what) to \(path): \(error)\n".utf8)) }
                reported = true
            }
        }
    }

    private func json<T: Encodable>(_ v: T) -> Data { (try? JSONEncoder().encode(v)) ?? Data() }

    public func save(account: Account) {
        write("account") { try $0.execute(sql: "INSERT OR REPLACE INTO account (user_id, json) VALUES (?, ?)", arguments: [account.userID, json(account)]) }
    }
    public func save(authorization: Authorization) {
        write("authorization") { try $0.execute(sql: "INSERT OR REPLACE INTO authorization (auth_key_id, json) VALUES (?, ?)", arguments: [authorization.authKeyID, json(authorization)]) }
    }
    public func deleteAuthorization(authKeyID: Int64) {
        write("authorization") { try $0.execute(sql: "DELETE FROM authorization WHERE auth_key_id = ?", arguments: [authKeyID]) }
    }
    public func save(authKeyID: Int64, key: [UInt8]) {
        write("auth key") { try $0.execute(sql: "INSERT OR REPLACE INTO auth_key (id, key) VALUES (?, ?)", arguments: [authKeyID, Data(key)]) }
    }
    public func deleteAuthKey(id: Int64) {
        write("auth key") { try $0.execute(sql: "DELETE FROM auth_key WHERE id = ?", arguments: [id]) }
    }
    public func save(message: StoredMessage) {
        write("message") { try $0.execute(sql: "INSERT OR REPLACE INTO message (owner_id, id, json) VALUES (?, ?, ?)", arguments: [message.ownerID, message.id, json(message)]) }
    }
    public func deleteMessage(owner: Int64, id: Int32) {
        write("message") { try $0.execute(sql: "DELETE FROM message WHERE owner_id = ? AND id = ?", arguments: [owner, id]) }
    }
    public func save(nextUserID: Int64) {
        write("counter") { try $0.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_user_id', ?)", arguments: [nextUserID]) }
    }
}
