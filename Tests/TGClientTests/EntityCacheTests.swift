import TL
import XCTest
@testable import TGClient

final class EntityCacheTests: XCTestCase {
    func user(_ id: Int64, hash: Int64?, username: String? = nil, min: Bool = false, isSelf: Bool = false) -> TLValue {
        var fields: [String: TLValue] = ["id": .long(id), "first_name": .string("U\(id)")]
        if let hash { fields["access_hash"] = .long(hash) }
        if let username { fields["username"] = .string(username) }
        if min { fields["min"] = .bool(true) }
        if isSelf { fields["self"] = .bool(true) }
        return .object(TLObject(name: "user", fields: fields))
    }

    func testCollectsUsersChatsAndChannelsFromAnyDepth() {
        let result = TLValue.object(TLObject(name: "messages.messages", fields: [
            "messages": .vector([]),
            "users": .vector([user(1, hash: 11, username: "One", isSelf: true), user(2, hash: nil), user(3, hash: 33, min: true)]),
            "chats": .vector([
                .object(TLObject(name: "chat", fields: ["id": .long(5), "title": .string("Group")])),
                .object(TLObject(name: "channel", fields: ["id": .long(6), "access_hash": .long(66), "title": .string("News"), "username": .string("news")])),
            ]),
            "nested": .object(TLObject(name: "x", fields: ["user": user(7, hash: 77)])),
        ]))
        var found: [CachedEntity] = []
        var selfID: Int64?
        TelegramClient.collectEntities(result, depth: 0, into: &found, selfID: &selfID)
        XCTAssertEqual(Set(found.map(\.id)), [1, -5, -1_000_000_000_006, 7], "users without a usable hash (none, or min) are skipped")
        XCTAssertEqual(selfID, 1)
        XCTAssertEqual(found.first { $0.id == 1 }?.username, "one")
        XCTAssertEqual(found.first { $0.id == -1_000_000_000_006 }?.accessHash, 66)
    }

    func testDeeplyNestedValuesAreBounded() {
        var value = user(1, hash: 1)
        for _ in 0..<200 { value = .vector([value]) }
        var found: [CachedEntity] = []
        var selfID: Int64?
        TelegramClient.collectEntities(value, depth: 0, into: &found, selfID: &selfID)
        XCTAssertTrue(found.isEmpty, "entities deeper than the bound are ignored, without recursion trouble")
    }

    func testInputPeersForEachKind() {
        let user = TelegramClient.inputPeer(for: CachedEntity(id: 9, accessHash: 99))
        XCTAssertEqual(user, TLObject(name: "inputPeerUser", fields: ["user_id": .long(9), "access_hash": .long(99)]))
        let chat = TelegramClient.inputPeer(for: CachedEntity(id: -12, accessHash: 0))
        XCTAssertEqual(chat, TLObject(name: "inputPeerChat", fields: ["chat_id": .long(12)]))
        let channel = TelegramClient.inputPeer(for: CachedEntity(id: CachedEntity.markedID(channel: 77), accessHash: 5))
        XCTAssertEqual(channel, TLObject(name: "inputPeerChannel", fields: ["channel_id": .long(77), "access_hash": .long(5)]))
    }

    func testResolvesFromTheCacheWithoutConnecting() async throws {
        let session = MemorySession()
        session.saveEntities([CachedEntity(id: 42, accessHash: 4242, username: "Alice", phone: "15550100")])
        let client = TelegramClient(session: session, apiID: 1, apiHash: "x",
                                    configuration: ClientConfiguration(server: .custom(dataCenters: [], rsaPublicKeys: [], homeDC: 1)))
        let me = try await client.resolvePeer("me")
        XCTAssertEqual(me.name, "inputPeerSelf")
        for text in ["@alice", "alice", "https://t.me/Alice", "+1 555 0100", "42"] {
            let peer = try await client.resolvePeer(text)
            XCTAssertEqual(peer["user_id"]?.int64, 42, text)
            XCTAssertEqual(peer["access_hash"]?.int64, 4242, text)
        }
        do {
            _ = try await client.resolvePeer("not a username!")
            XCTFail("expected peerNotFound")
        } catch ClientError.peerNotFound {}
        do {
            _ = try await client.resolvePeer("-100")
            XCTFail("expected peerNotFound")
        } catch ClientError.peerNotFound {}
    }
}
