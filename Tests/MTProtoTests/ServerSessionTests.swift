import Foundation
import MTCrypto
import XCTest
@testable import MTProto

final class ServerSessionTests: XCTestCase {
    /// A hand-built client packet (x = 0).
    func clientPacket(_ key: AuthKey, body: [UInt8], msgID: Int64, salt: Int64 = 1, session: Int64 = 9, seqNo: Int32 = 1) -> [UInt8] {
        try! EncryptedMessage(salt: salt, sessionID: session, msgID: msgID, seqNo: seqNo, body: body).pack(authKey: key, x: 0)
    }

    func serverMessages(_ server: inout ServerSession, key: AuthKey) -> [InnerMessage] {
        var out: [InnerMessage] = []
        while let packet = server.nextPacket(now: testNow) {
            let m = try! EncryptedMessage.unpack(packet, authKey: key, x: 8)
            XCTAssertEqual(m.msgID & 1, 1, "server msg_ids are odd")
            out += try! MessageContainer.unpack(InnerMessage(msgID: m.msgID, seqNo: m.seqNo, body: m.body))
        }
        return out
    }

    var now: Int64 { Int64(testNow.timeIntervalSince1970) << 32 }

    func testRequestNewSessionAckAndReply() {
        let key = randomAuthKey()
        var server = ServerSession(authKey: key, serverSalt: 1)
        let events = server.handle(clientPacket(key, body: getConfig, msgID: now + 4), now: testNow)
        XCTAssertEqual(events, [.newSession(sessionID: 9), .request(msgID: now + 4, body: getConfig)])
        server.reply(to: now + 4, result: [1, 2, 3, 4])
        server.push([0xb5, 0x30, 0x4b, 0xe3])
        let out = serverMessages(&server, key: key)
        let kinds = out.map { Wire.constructor(of: $0.body)! }
        XCTAssertEqual(kinds, [Wire.msgsAck, Wire.newSessionCreated, Wire.rpcResult, 0xe34b30b5])
        XCTAssertEqual(out.map { $0.isContentRelated }, [false, true, true, true])
        XCTAssertEqual(out[2].body, CannedServer.rpcResult(now + 4, [1, 2, 3, 4]))
    }

    func testWrongSaltTimeAndBitsAreAnsweredNotProcessed() throws {
        let key = randomAuthKey()
        var server = ServerSession(authKey: key, serverSalt: 1)
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: now + 4, salt: 0), now: testNow), [.newSession(sessionID: 9)])
        let early = now - (301 << 32)
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: early), now: testNow), [])
        let late = now + (31 << 32)
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: late), now: testNow), [])
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: now + 6), now: testNow),
                       [.rejected(.messageIDNotDivisibleBy4(now + 6))])
        let out = serverMessages(&server, key: key)
        XCTAssertEqual(out.map { Wire.constructor(of: $0.body)! }, [Wire.badServerSalt, Wire.badMsgNotification, Wire.badMsgNotification])
        var r = WireReader(out[0].body, offset: 4)
        XCTAssertEqual(try r.int64(), now + 4); _ = try r.int32()
        XCTAssertEqual(try r.int32(), 48); XCTAssertEqual(try r.int64(), 1)
        var r16 = WireReader(out[1].body, offset: 12); _ = try r16.int32()
        var r17 = WireReader(out[2].body, offset: 12); _ = try r17.int32()
        XCTAssertEqual(try r16.int32(), 16)
        XCTAssertEqual(try r17.int32(), 17)
    }

    func testTheExchangeSaltIsAcceptedUntilTheClientUsesTheCurrentOne() throws {
        let key = randomAuthKey()
        var server = ServerSession(authKey: key, serverSalt: 1)
        server.exchangeSalt = 77
        // The key's first message, with the salt its exchange gave: answered, and
        // new_session_created tells the client the current salt.
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: now + 4, salt: 77), now: testNow),
                       [.newSession(sessionID: 9), .request(msgID: now + 4, body: getConfig)])
        let first = serverMessages(&server, key: key)
        let created = try XCTUnwrap(first.first { Wire.constructor(of: $0.body) == Wire.newSessionCreated })
        var r = WireReader(created.body, offset: 20)
        XCTAssertEqual(try r.int64(), 1)
        // Another salt is still refused; once the current salt is used, the exchange's is too.
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: now + 8, salt: 5), now: testNow), [])
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: now + 12, salt: 1), now: testNow),
                       [.request(msgID: now + 12, body: getConfig)])
        XCTAssertEqual(server.handle(clientPacket(key, body: getConfig, msgID: now + 16, salt: 77), now: testNow), [])
        let kinds = serverMessages(&server, key: key).map { Wire.constructor(of: $0.body)! }
        XCTAssertEqual(kinds.filter { $0 == Wire.badServerSalt }.count, 2)
    }

    func testReplayTamperAndWrongKeyAreRejected() {
        let key = randomAuthKey()
        var server = ServerSession(authKey: key, serverSalt: 1)
        let packet = clientPacket(key, body: getConfig, msgID: now + 4)
        XCTAssertEqual(server.handle(packet, now: testNow).count, 2)
        XCTAssertEqual(server.handle(packet, now: testNow), [.rejected(.duplicateMessageID(now + 4))])
        var tampered = clientPacket(key, body: getConfig, msgID: now + 8)
        tampered[40] ^= 0x10
        XCTAssertEqual(server.handle(tampered, now: testNow), [.rejected(.wrongMsgKey)])
        let other = randomAuthKey()
        XCTAssertEqual(server.handle(clientPacket(other, body: getConfig, msgID: now + 12), now: testNow),
                       [.rejected(.wrongAuthKeyID(expected: key.id, got: other.id))])
        XCTAssertEqual(server.rejectedPackets, 3)
    }

    func testServiceRequestsAreAnsweredByTheSession() throws {
        let key = randomAuthKey()
        var server = ServerSession(authKey: key, serverSalt: 1)
        var stateReq = WireWriter(); stateReq.uint32(Wire.msgsStateReq); stateReq.longVector([now + 4, now + 400])
        var drop = WireWriter(); drop.uint32(Wire.rpcDropAnswer); drop.int64(now + 4)
        let container = MessageContainer.pack([
            InnerMessage(msgID: now + 4, seqNo: 1, body: ServiceMessages.ping(pingID: 1)),
            InnerMessage(msgID: now + 8, seqNo: 2, body: stateReq.bytes),
            InnerMessage(msgID: now + 12, seqNo: 3, body: drop.bytes),
            InnerMessage(msgID: now + 16, seqNo: 4, body: CannedServer.msgsAck([1])),
        ])
        XCTAssertEqual(server.handle(clientPacket(key, body: container, msgID: now + 20, seqNo: 4), now: testNow),
                       [.newSession(sessionID: 9)])
        let out = serverMessages(&server, key: key)
        let byKind = Dictionary(out.map { (Wire.constructor(of: $0.body)!, $0.body) }, uniquingKeysWith: { a, _ in a })
        var info = WireReader(try XCTUnwrap(byKind[Wire.msgsStateInfo]), offset: 12)
        XCTAssertEqual(try info.tlBytes(), [4, 2])
        XCTAssertNotNil(byKind[Wire.pong])
        XCTAssertEqual(byKind[Wire.rpcResult], CannedServer.rpcResult(now + 12, [0x6e, 0xd3, 0x2a, 0x5e]))
        var ack = WireReader(try XCTUnwrap(byKind[Wire.msgsAck]), offset: 4)
        XCTAssertEqual(try ack.longVector(), [now + 4, now + 12])
    }

    func testHostileClientContainersAndGzip() {
        let key = randomAuthKey()
        var server = ServerSession(authKey: key, serverSalt: 1)
        let container = MessageContainer.pack([
            InnerMessage(msgID: now + 5, seqNo: 1, body: getConfig),   // bad low bits: skipped and counted
            InnerMessage(msgID: now + 8, seqNo: 3, body: getConfig),
            InnerMessage(msgID: now + 8, seqNo: 5, body: getConfig),   // duplicate inside the container
        ])
        XCTAssertEqual(server.handle(clientPacket(key, body: container, msgID: now + 12, seqNo: 6), now: testNow),
                       [.newSession(sessionID: 9), .request(msgID: now + 8, body: getConfig)])
        XCTAssertEqual(server.rejectedPackets, 2)
        var bomb = WireWriter(); bomb.uint32(Wire.gzipPacked); bomb.tlBytes(Gzip.compress([UInt8](repeating: 0, count: 20 << 20)))
        XCTAssertEqual(server.handle(clientPacket(key, body: bomb.bytes, msgID: now + 16), now: testNow),
                       [.rejected(.gzip(.tooLarge(limit: Gzip.defaultMaxInflatedSize)))])
        var huge = WireWriter(); huge.uint32(Wire.msgContainer); huge.int32(1 << 30)
        guard case .rejected(.malformed) = server.handle(clientPacket(key, body: huge.bytes, msgID: now + 20), now: testNow).first else {
            return XCTFail("a container claiming 2^30 messages must be refused")
        }
    }

    func testMessageIDWindowRefusesForgottenIDs() {
        var window = MessageIDWindow(capacity: 4)
        for id: Int64 in [10, 20, 30, 40] { XCTAssertTrue(window.insert(id)) }
        XCTAssertFalse(window.insert(20))
        XCTAssertTrue(window.insert(50))   // forgets 10
        XCTAssertFalse(window.insert(10))  // a replay we can no longer recognise
        XCTAssertFalse(window.insert(5))
        XCTAssertTrue(window.insert(15))   // newer than anything forgotten, never seen
    }

    /// The window against a plain model (a set, arrival order and the forgotten floor) over
    /// random ids: in order, shuffled within containers, repeated, colliding in the table.
    func testMessageIDWindowMatchesAModelOverRandomIDs() {
        var generator = SystemRandomNumberGenerator()
        for capacity in [1, 4, 64, 1024] {
            var window = MessageIDWindow(capacity: capacity)
            var seen = Set<Int64>(), order: [Int64] = [], floor = Int64.min
            var next: Int64 = 1 << 40
            for step in 0..<20_000 {
                let id: Int64
                switch Int.random(in: 0..<10, using: &generator) {
                case 0: id = order.randomElement(using: &generator) ?? next             // a replay
                case 1: id = next - Int64.random(in: 0...5_000, using: &generator) * 4 // late, maybe forgotten
                case 2: id = Int64.random(in: 0...3, using: &generator) << 62         // far apart, same table slots
                default: next += Int64.random(in: 1...8, using: &generator) * 4; id = next
                }
                let expected = id > floor && !seen.contains(id)
                if expected {
                    if order.count == capacity {
                        let evicted = order.removeFirst()
                        seen.remove(evicted)
                        floor = max(floor, evicted)
                    }
                    order.append(id)
                    seen.insert(id)
                }
                XCTAssertEqual(window.insert(id), expected, "capacity \(capacity) step \(step) id \(id)")
                if step % 997 == 0 { for held in order { XCTAssertTrue(window.contains(held)) } }
            }
        }
    }
}
