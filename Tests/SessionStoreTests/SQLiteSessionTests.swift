import Foundation
import GRDB
import TGClient
import XCTest
@testable import SessionStore

final class SQLiteSessionTests: XCTestCase {
    func testCreatesTelethonVersion8SchemaWithMode0600() throws {
        let dir = try temporaryDirectory(self)
        let session = try SQLiteSession(path: dir.appendingPathComponent("acct").path)
        XCTAssertTrue(session.path.hasSuffix("acct.session"))
        let mode = try FileManager.default.attributesOfItem(atPath: session.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        try session.setHome(DCAddress(id: 2, host: "127.0.0.1", port: 4430))
        session.close()

        let queue = try DatabaseQueue(path: dir.appendingPathComponent("acct.session").path)
        try queue.read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "select version from version"), 8)
            let columns = try db.columns(in: "sessions").map(\.name)
            XCTAssertEqual(columns, ["dc_id", "server_address", "port", "auth_key", "takeout_id", "tmp_auth_key"])
            XCTAssertEqual(try db.columns(in: "entities").map(\.name), ["id", "hash", "username", "phone", "name", "date"])
            XCTAssertTrue(try db.tableExists("sent_files"))
            XCTAssertTrue(try db.tableExists("update_state"))
            XCTAssertEqual(try Int.fetchOne(db, sql: "select count(*) from sessions"), 1)
        }
    }

    func testKeepsAppendedSuffixOnlyOnce() throws {
        let dir = try temporaryDirectory(self)
        let session = try SQLiteSession(path: dir.appendingPathComponent("x.session").path)
        XCTAssertEqual(URL(fileURLWithPath: session.path).lastPathComponent, "x.session")
    }

    func testHomeKeyAndOtherDCKeysSurviveReopenAndMigration() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("s").path
        do {
            let s = try SQLiteSession(path: path)
            try s.setAuthKey(fakeKey(2), dc: 2)        // before a home exists
            try s.setHome(DCAddress(id: 2, host: "127.0.0.1", port: 1002))
            XCTAssertEqual(try s.homeAuthKey(), fakeKey(2))
            try s.setAuthKey(fakeKey(4), dc: 4)
            try s.setServerSalt(-77, dc: 2)
            s.close()
        }
        let s = try SQLiteSession(path: path)
        XCTAssertEqual(try s.home(), DCAddress(id: 2, host: "127.0.0.1", port: 1002))
        XCTAssertEqual(try s.authKey(dc: 2), fakeKey(2))
        XCTAssertEqual(try s.authKey(dc: 4), fakeKey(4))
        XCTAssertNil(try s.authKey(dc: 3))
        XCTAssertEqual(try s.serverSalt(dc: 2), -77)

        // PHONE_MIGRATE_4: DC 4 becomes home with its own key; DC 2's key is kept aside.
        try s.setHome(DCAddress(id: 4, host: "127.0.0.1", port: 1004))
        XCTAssertEqual(try s.homeAuthKey(), fakeKey(4))
        XCTAssertEqual(try s.authKey(dc: 2), fakeKey(2))
        try s.setAuthKey(nil, dc: 2)
        XCTAssertNil(try s.authKey(dc: 2))
    }

    func testLoginProgressFloodDeadlinesAndDCListSurviveReopen() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("p").path
        let sent = Date(timeIntervalSince1970: 1_800_000_000.5)
        let deadline = Date(timeIntervalSince1970: 1_800_079_200)
        let dcs = [DCAddress(id: 1, host: "127.0.0.1", port: 1001), DCAddress(id: 2, host: "::1", port: 1002, isIPv6: true)]
        do {
            let s = try SQLiteSession(path: path)
            try s.setPendingLogin(PendingLogin(phone: "9996621234", phoneCodeHash: "abc123", sentAt: sent))
            try s.setFloodDeadline(deadline, method: "auth.sendCode")
            try s.setDCList(dcs)
            try s.setUpdateState(UpdateState(pts: 5, qts: 1, date: Date(timeIntervalSince1970: 1_700_000_000), seq: 3))
            s.close()
        }
        let s = try SQLiteSession(path: path)
        XCTAssertEqual(try s.pendingLogin(), PendingLogin(phone: "9996621234", phoneCodeHash: "abc123", sentAt: sent))
        XCTAssertEqual(try s.floodDeadline(method: "auth.sendCode"), deadline)
        XCTAssertNil(try s.floodDeadline(method: "auth.signIn"))
        XCTAssertEqual(try s.dcList(), dcs)
        XCTAssertEqual(try s.updateState()?.pts, 5)
        try s.setPendingLogin(nil)
        try s.setFloodDeadline(nil, method: "auth.sendCode")
        XCTAssertNil(try s.pendingLogin())
        XCTAssertNil(try s.floodDeadline(method: "auth.sendCode"))
    }

    func testEntityCacheResolvesUsernamePhoneAndSelf() throws {
        let s = try SQLiteSession()
        try s.saveEntities([
            CachedEntity(id: 42, accessHash: 9_000_000_000, username: "Alice_Bot", phone: "+1 555 0100", name: "Alice"),
            CachedEntity(id: CachedEntity.markedID(channel: 77), accessHash: -5, username: "news", name: "News"),
            CachedEntity(id: CachedEntity.markedID(chat: 12), accessHash: 0, name: "Group"),
        ])
        try s.setSelfUserID(42)
        XCTAssertEqual(try s.entity(username: "@alice_bot")?.id, 42)
        XCTAssertEqual(try s.entity(username: "ALICE_BOT")?.accessHash, 9_000_000_000)
        XCTAssertEqual(try s.entity(phone: "15550100")?.name, "Alice")
        XCTAssertEqual(try s.entity(id: -1_000_000_000_077)?.kind, .channel)
        XCTAssertEqual(try s.entity(id: -1_000_000_000_077)?.bareID, 77)
        XCTAssertEqual(try s.entity(id: -12)?.kind, .chat)
        XCTAssertEqual(try s.selfUserID(), 42)
        XCTAssertNil(try s.entity(username: "nobody"))
        XCTAssertNil(try s.entity(phone: "not a phone"))
    }

    func testClearAuthorizationForgetsKeysButKeepsFloodDeadlines() throws {
        let s = try SQLiteSession()
        try s.setHome(DCAddress(id: 1, host: "127.0.0.1", port: 1))
        try s.setAuthKey(fakeKey(1), dc: 1)
        try s.setAuthKey(fakeKey(3), dc: 3)
        try s.setSelfUserID(5)
        try s.setFloodDeadline(Date(timeIntervalSince1970: 2e9), method: "auth.sendCode")
        try s.clearAuthorization()
        XCTAssertNil(try s.homeAuthKey())
        XCTAssertNil(try s.authKey(dc: 3))
        XCTAssertNil(try s.selfUserID())
        XCTAssertEqual(try s.home()?.id, 1)
        XCTAssertNotNil(try s.floodDeadline(method: "auth.sendCode"))
    }

    func testRejectsFilesThatAreNotSessions() throws {
        let dir = try temporaryDirectory(self)
        let garbage = dir.appendingPathComponent("g.session")
        try Data(repeating: 0x41, count: 4096).write(to: garbage)
        XCTAssertThrowsError(try SQLiteSession(path: garbage.path)) { error in
            guard case .notASession? = error as? SessionStoreError else { return XCTFail("\(error)") }
        }
        let other = dir.appendingPathComponent("o.session").path
        let queue = try DatabaseQueue(path: other)
        try queue.write { try $0.execute(sql: "create table foo (x)") }
        XCTAssertThrowsError(try SQLiteSession(path: other)) { error in
            guard case .notASession? = error as? SessionStoreError else { return XCTFail("\(error)") }
        }
        let future = dir.appendingPathComponent("f.session").path
        try DatabaseQueue(path: future).write {
            try $0.execute(sql: "create table version (version integer primary key); insert into version values (99)")
        }
        XCTAssertThrowsError(try SQLiteSession(path: future)) { error in
            XCTAssertEqual(error as? SessionStoreError, .unsupportedVersion(path: future, version: 99))
        }
    }

    func testUpgradesTelethonVersion7File() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("v7.session").path
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                create table version (version integer primary key); insert into version values (7);
                create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer);
                create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer);
                create table sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type));
                create table update_state (id integer primary key, pts integer, qts integer, date integer, seq integer);
                """)
            try db.execute(sql: "insert into sessions values (2, '127.0.0.1', 443, ?, null)", arguments: [Data(fakeKey(9))])
        }
        let s = try SQLiteSession(path: path)
        XCTAssertEqual(try s.homeAuthKey(), fakeKey(9))
        s.close()
        try DatabaseQueue(path: path).read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "select version from version"), 8)
            XCTAssertTrue(try db.columns(in: "sessions").map(\.name).contains("tmp_auth_key"))
        }
    }

    func testSecondOpenInTheSameProcessIsRefusedUntilClosed() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("busy").path
        let first = try SQLiteSession(path: path)
        XCTAssertThrowsError(try SQLiteSession(path: path)) { error in
            guard case let .busy(busyPath, holder)? = error as? SessionStoreError else { return XCTFail("\(error)") }
            XCTAssertTrue(busyPath.hasSuffix("busy.session"))
            XCTAssertEqual(holder?.pid, getpid())
            XCTAssertTrue("\(error)".contains("busy.session"))
            XCTAssertTrue("\(error)".contains("process \(getpid())"))
        }
        first.close()
        XCTAssertNoThrow(try SQLiteSession(path: path))
    }

    func testSessionCopyMovesKeysHomeAndProgress() throws {
        let source = MemorySession()
        source.setHome(DCAddress(id: 2, host: "127.0.0.1", port: 2))
        source.setAuthKey(fakeKey(2), dc: 2)
        source.setAuthKey(fakeKey(5), dc: 5)
        source.setSelfUserID(99)
        source.setPendingLogin(PendingLogin(phone: "1", phoneCodeHash: "h", sentAt: Date(timeIntervalSince1970: 5)))
        let target = try SQLiteSession()
        try target.copy(from: source)
        XCTAssertEqual(try target.home()?.id, 2)
        XCTAssertEqual(try target.homeAuthKey(), fakeKey(2))
        XCTAssertEqual(try target.authKey(dc: 5), fakeKey(5))
        XCTAssertEqual(try target.selfUserID(), 99)
        XCTAssertEqual(try target.pendingLogin()?.phoneCodeHash, "h")
    }

    func testUnchangedEntitiesAreNotRewrittenAndChangedOnesAre() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("cache.session").path
        let session = try SQLiteSession(path: path)
        let alice = CachedEntity(id: 42, accessHash: 9, username: "alice", phone: "15550100", name: "Alice")
        try session.saveEntities([alice])
        try session.setSelfUserID(42)
        // Mark the rows' dates: a rewrite would set them to now.
        let side = try DatabaseQueue(path: path)
        try side.write { try $0.execute(sql: "update entities set date = 1") }
        let dates = { try side.read { try Int64.fetchAll($0, sql: "select date from entities order by id") } }

        try session.saveEntities([alice, CachedEntity(id: 42, accessHash: 9, username: "Alice", phone: "+1 555 0100", name: "Alice")])
        try session.setSelfUserID(42)
        XCTAssertEqual(try dates(), [1, 1], "the same entity and the same self id were not written again")

        try session.saveEntities([CachedEntity(id: 42, accessHash: 9, username: "alice2", phone: "15550100", name: "Alice")])
        XCTAssertEqual(try dates()[0], 1, "self row untouched")
        XCTAssertGreaterThan(try dates()[1], 1, "a changed username is written")
        try session.saveEntities([CachedEntity(id: 42, accessHash: 10, username: "alice2", phone: "15550100", name: "Alice")])
        try session.saveEntities([CachedEntity(id: 7, accessHash: 1, name: "Bob")])
        try side.close()
        session.close()

        let reopened = try SQLiteSession(path: path)
        XCTAssertEqual(try reopened.entity(username: "alice2")?.accessHash, 10)
        XCTAssertEqual(try reopened.entity(id: 7)?.name, "Bob")
        XCTAssertEqual(try reopened.selfUserID(), 42)
        reopened.close()
    }
}
