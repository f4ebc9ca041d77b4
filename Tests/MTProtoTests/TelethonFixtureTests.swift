import Foundation
import MTCrypto
import XCTest
@testable import MTProto

/// Byte-level interop with Telethon 1.45's session code, from fixtures made by
/// scripts/fixtures/mtproto_session.py (committed, so this runs offline).
final class TelethonFixtureTests: XCTestCase {
    struct Fixture {
        let json: [String: Any]
        func hex(_ key: String) -> [UInt8] { Self.bytes(json[key] as! String) }
        func int64(_ key: String) -> Int64 { Int64(json[key] as! String)! }
        var now: Date { Date(timeIntervalSince1970: json["now"] as! Double) }
        var authKey: AuthKey { try! AuthKey(hex("auth_key")) }

        static func bytes(_ hex: String) -> [UInt8] {
            var out: [UInt8] = []
            var i = hex.startIndex
            while i < hex.endIndex {
                let j = hex.index(i, offsetBy: 2)
                out.append(UInt8(hex[i..<j], radix: 16)!)
                i = j
            }
            return out
        }
    }

    func load() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Session/telethon_session.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return Fixture(json: json)
    }

    func testServerSessionReadsTelethonsContainer() throws {
        let f = try load()
        var server = ServerSession(authKey: f.authKey, serverSalt: f.int64("salt"))
        let events = server.handle(f.hex("client_packet"), now: f.now)
        let ids = (f.json["msg_ids"] as! [String]).map { Int64($0)! }
        let bodies = (f.json["bodies"] as! [String]).map(Fixture.bytes)
        XCTAssertEqual(events, [
            .newSession(sessionID: f.int64("session_id")),
            .request(msgID: ids[0], body: bodies[0]),
            .request(msgID: ids[2], body: bodies[2]),  // sent gzip-packed by Telethon, inflated here
        ])
        XCTAssertEqual(server.rejectedPackets, 0)
        // The ping in the container is answered by the session itself.
        let reply = try XCTUnwrap(server.nextPacket(now: f.now))
        let message = try EncryptedMessage.unpack(reply, authKey: f.authKey, x: 8)
        let inner = try MessageContainer.unpack(InnerMessage(msgID: message.msgID, seqNo: message.seqNo, body: message.body))
        XCTAssertTrue(inner.contains { Wire.constructor(of: $0.body) == Wire.pong })
    }

    func testInitConnectionMatchesTelethonBytes() throws {
        let f = try load()
        let params = InitConnectionParams(apiID: 12345, deviceModel: "tgflow-fixture", systemVersion: "Linux 6.1",
                                          appVersion: "1.0", systemLangCode: "en", langPack: "", langCode: "en")
        XCTAssertEqual(InitConnection.wrap(getConfig, params: params), f.hex("init_connection"))
        let unwrapped = InitConnection.unwrap(f.hex("init_connection"))
        XCTAssertEqual(unwrapped.params, params)
        XCTAssertEqual(unwrapped.query, getConfig)
    }

    func testClientSessionReadsServerPacketEncryptedTheTelethonWay() throws {
        let f = try load()
        let message = try EncryptedMessage.unpack(f.hex("server_packet"), authKey: f.authKey, x: 8)
        XCTAssertEqual(message.msgID, f.int64("server_msg_id"))
        var client = ClientSession(authKey: f.authKey, serverSalt: f.int64("salt"), timeOffset: 0, sessionID: f.int64("session_id"))
        XCTAssertEqual(client.handle(f.hex("server_packet"), now: f.now), [])  // an answer to a request this session never made
        XCTAssertEqual(client.rejectedPackets, 0)
        XCTAssertNotNil(client.ackDeadline)  // but it is acknowledged
    }
}
