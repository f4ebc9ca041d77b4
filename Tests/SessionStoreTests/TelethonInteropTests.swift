import Foundation
import TGClient
import XCTest
@testable import SessionStore

/// Session files and string sessions exchanged with Telethon 1.45.0 (needs the
/// Python peer: `$PY` or `.venv/bin/python`).
final class TelethonInteropTests: XCTestCase {
    func testTelethonReadsOurSessionFileAsAuthorised() throws {
        let dir = try temporaryDirectory(self)
        let s = try SQLiteSession(path: dir.appendingPathComponent("ours").path)
        try s.setHome(DCAddress(id: 2, host: "127.0.0.1", port: 40002))
        try s.setAuthKey(fakeKey(7), dc: 2)
        try s.setAuthKey(fakeKey(8), dc: 4)
        try s.setSelfUserID(123456)
        try s.saveEntities([CachedEntity(id: 555, accessHash: 777, username: "Bob", phone: "15550001", name: "Bob B")])
        try s.setUpdateState(UpdateState(pts: 10, qts: 2, date: Date(timeIntervalSince1970: 1_700_000_000), seq: 4))
        s.close()
        let out = try runPython("""
            import sys, json
            from telethon.sessions import SQLiteSession
            s = SQLiteSession(sys.argv[1])
            st = s.get_update_state(0)
            print(json.dumps({"dc": s.dc_id, "host": s.server_address, "port": s.port,
                "key": s.auth_key.key.hex(), "user": s.get_entity_rows_by_username("bob"),
                "phone": s.get_entity_rows_by_phone(15550001), "self": s.get_entity_rows_by_id(0),
                "pts": st.pts, "seq": st.seq}))
            """, arguments: [s.path])
        let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual(json["dc"] as? Int, 2)
        XCTAssertEqual(json["host"] as? String, "127.0.0.1")
        XCTAssertEqual(json["port"] as? Int, 40002)
        XCTAssertEqual(json["key"] as? String, hex(fakeKey(7)))
        XCTAssertEqual(json["user"] as? [Int], [555, 777])
        XCTAssertEqual(json["phone"] as? [Int], [555, 777])
        XCTAssertEqual(json["self"] as? [Int], [0, 123456])
        XCTAssertEqual(json["pts"] as? Int, 10)
        XCTAssertEqual(json["seq"] as? Int, 4)
    }

    func testWeReadTelethonsSessionFile() throws {
        let dir = try temporaryDirectory(self)
        let name = dir.appendingPathComponent("theirs").path
        _ = try runPython("""
            import sys
            from telethon.sessions import SQLiteSession
            from telethon.crypto import AuthKey
            from telethon.tl import types
            s = SQLiteSession(sys.argv[1])
            s.set_dc(4, '127.0.0.1', 40004)
            s.auth_key = AuthKey(bytes.fromhex(sys.argv[2]))
            s.process_entities(types.contacts.ResolvedPeer(None,
                [types.InputPeerUser(0, 4242),
                 types.User(id=4242, access_hash=-99, username='Carol', phone='15550002', first_name='Carol')],
                [types.Channel(id=31, title='News', photo=types.ChatPhotoEmpty(), date=None, access_hash=66, username='news')]))
            s.save(); s.close()
            """, arguments: [name, hex(fakeKey(3))])
        let s = try SQLiteSession(path: name)
        XCTAssertEqual(try s.home(), DCAddress(id: 4, host: "127.0.0.1", port: 40004))
        XCTAssertEqual(try s.homeAuthKey(), fakeKey(3))
        XCTAssertEqual(try s.selfUserID(), 4242)
        XCTAssertEqual(try s.entity(username: "@carol")?.accessHash, -99)
        XCTAssertEqual(try s.entity(phone: "+1 555 0002")?.id, 4242)
        XCTAssertEqual(try s.entity(username: "news")?.bareID, 31)
        XCTAssertEqual(try s.entity(username: "news")?.kind, .channel)
        let mode = try FileManager.default.attributesOfItem(atPath: s.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600, "opening a Telethon file tightens it to 0600")
    }

    func testStringSessionsBothWays() throws {
        // Telethon → us, IPv4 and IPv6.
        let theirs = try runPython("""
            import sys
            from telethon.sessions import StringSession
            from telethon.crypto import AuthKey
            for host in ('127.0.0.1', '::1'):
                s = StringSession()
                s.set_dc(5, host, 40005)
                s.auth_key = AuthKey(bytes.fromhex(sys.argv[1]))
                print(s.save())
            """, arguments: [hex(fakeKey(5))]).split(separator: "\n").map(String.init)
        XCTAssertEqual(theirs.count, 2)
        let v4 = try StringSession(parsing: theirs[0])
        XCTAssertEqual(v4.dc, DCAddress(id: 5, host: "127.0.0.1", port: 40005))
        XCTAssertEqual(v4.authKey, fakeKey(5))
        let v6 = try StringSession(parsing: theirs[1])
        XCTAssertEqual(v6.dc, DCAddress(id: 5, host: "::1", port: 40005, isIPv6: true))
        XCTAssertEqual(try v4.encoded(), theirs[0], "our encoding is byte-identical to Telethon's")
        XCTAssertEqual(try v6.encoded(), theirs[1])

        // Us → Telethon.
        let ours = try StringSession(dc: DCAddress(id: 3, host: "127.0.0.1", port: 40003), authKey: fakeKey(6)).encoded()
        let read = try runPython("""
            import sys
            from telethon.sessions import StringSession
            s = StringSession(sys.argv[1])
            print(s.dc_id, s.server_address, s.port, s.auth_key.key.hex())
            """, arguments: [ours])
        XCTAssertEqual(read, "3 127.0.0.1 40003 \(hex(fakeKey(6)))")
    }
}
