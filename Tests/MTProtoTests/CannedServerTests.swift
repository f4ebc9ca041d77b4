import Foundation
import MTCrypto
import XCTest
@testable import MTProto

/// Builds server→client packets by hand, to drive a `ClientSession` through every
/// service message and every way a hostile server can misbehave.
struct CannedServer {
    let key: AuthKey
    let sessionID: Int64
    var salt: Int64 = 42
    var time = Int64(testNow.timeIntervalSince1970)
    var counter: Int64 = 0

    /// A fresh odd server msg_id at `time` (+ `skew` seconds).
    mutating func msgID(skew: Int64 = 0) -> Int64 {
        counter += 4
        return (time + skew) << 32 | counter | 1
    }

    func packet(_ body: [UInt8], msgID: Int64, seqNo: Int32 = 1, sessionID: Int64? = nil, key: AuthKey? = nil) -> [UInt8] {
        try! EncryptedMessage(salt: salt, sessionID: sessionID ?? self.sessionID, msgID: msgID, seqNo: seqNo, body: body)
            .pack(authKey: key ?? self.key, x: 8)
    }

    mutating func packet(_ body: [UInt8], seqNo: Int32 = 1) -> [UInt8] {
        packet(body, msgID: msgID(), seqNo: seqNo)
    }

    static func rpcResult(_ reqMsgID: Int64, _ result: [UInt8]) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.rpcResult); w.int64(reqMsgID); w.raw(result); return w.bytes
    }

    static func msgsAck(_ ids: [Int64]) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.msgsAck); w.longVector(ids); return w.bytes
    }

    static func badMsg(_ id: Int64, code: Int32) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.badMsgNotification); w.int64(id); w.int32(1); w.int32(code); return w.bytes
    }

    static func badSalt(_ id: Int64, salt: Int64) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.badServerSalt); w.int64(id); w.int32(1); w.int32(48); w.int64(salt); return w.bytes
    }
}

/// A client session plus a decoder of what it sends.
struct CannedClient {
    var session: ClientSession
    var server: CannedServer
    let key: AuthKey

    init(salt: Int64 = 42) {
        key = randomAuthKey()
        session = ClientSession(authKey: key, serverSalt: salt, timeOffset: 0, sessionID: 0xc0ffee)
        server = CannedServer(key: key, sessionID: 0xc0ffee, salt: salt)
    }

    /// The messages of the next client packet, containers opened.
    mutating func sent(now: Date = testNow) -> (outer: EncryptedMessage, messages: [InnerMessage])? {
        guard let packet = session.nextPacket(now: now) else { return nil }
        let m = try! EncryptedMessage.unpack(packet, authKey: key, x: 0)
        let inner = try! MessageContainer.unpack(InnerMessage(msgID: m.msgID, seqNo: m.seqNo, body: m.body))
        return (m, inner)
    }

    /// Enqueues a request and returns its id and the msg_id it went out with.
    mutating func send(_ body: [UInt8]) -> (RequestID, Int64) {
        let id = session.enqueue(body)
        let sent = self.sent()!
        let msg = sent.messages.first { $0.body == body || $0.body == ClientSession.wireBody(body) }!
        return (id, msg.msgID)
    }

    mutating func receive(_ body: [UInt8], seqNo: Int32 = 1) -> [SessionEvent] {
        session.handle(server.packet(body, seqNo: seqNo), now: testNow)
    }
}

final class CannedServerTests: XCTestCase {
    func testContainerMixingResultsAndAcks() {
        var c = CannedClient()
        let (a, msgA) = c.send(getConfig)
        let (b, msgB) = c.send([9, 9, 9, 9])
        let container = MessageContainer.pack([
            InnerMessage(msgID: c.server.msgID(), seqNo: 2, body: CannedServer.msgsAck([msgA, msgB])),
            InnerMessage(msgID: c.server.msgID(), seqNo: 3, body: CannedServer.rpcResult(msgB, [2, 0, 0, 0])),
            InnerMessage(msgID: c.server.msgID(), seqNo: 5, body: CannedServer.rpcResult(msgA, [1, 0, 0, 0])),
        ])
        let events = c.receive(container, seqNo: 6)
        XCTAssertEqual(events, [.result(b, body: [2, 0, 0, 0]), .result(a, body: [1, 0, 0, 0])])
        // Both content-related results are acked (not the ack, not the container).
        let sent = c.sent(now: testNow.addingTimeInterval(1))!
        var r = WireReader(sent.messages[0].body, offset: 4)
        XCTAssertEqual(try r.longVector().count, 2)
    }

    func testGzipPackedRPCResult() {
        var c = CannedClient()
        let (id, msgID) = c.send(getConfig)
        let payload = Array(String(repeating: "config ", count: 300).utf8)
        let events = c.receive(CannedServer.rpcResult(msgID, Gzip.packIfSmaller(payload)!))
        XCTAssertEqual(events, [.result(id, body: payload)])
    }

    func testGzipPackedRPCErrorAndCorruptGzip() {
        var c = CannedClient()
        let (id, msgID) = c.send(getConfig)
        var w = WireWriter(); w.uint32(Wire.gzipPacked); w.tlBytes(Gzip.compress(RPCError.encode(code: 303, message: "PHONE_MIGRATE_2")))
        XCTAssertEqual(c.receive(CannedServer.rpcResult(msgID, w.bytes)), [.rpcError(id, RPCError(code: 303, message: "PHONE_MIGRATE_2"))])

        let (id2, msgID2) = c.send(getConfig)
        var bad = WireWriter(); bad.uint32(Wire.gzipPacked); bad.tlBytes([1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(c.receive(CannedServer.rpcResult(msgID2, bad.bytes)), [.failed(id2, .gzip(.corrupt))])
    }

    func testBadServerSaltMidFlightResendsWholeContainer() {
        var c = CannedClient()
        let a = c.session.enqueue(getConfig)
        let b = c.session.enqueue([7, 7, 7, 7])
        let first = c.sent()!
        XCTAssertEqual(first.messages.count, 2)
        XCTAssertEqual(Wire.constructor(of: first.outer.body), Wire.msgContainer)
        XCTAssertEqual(c.receive(CannedServer.badSalt(first.outer.msgID, salt: 4242), seqNo: 0), [.saltChanged(4242)])
        let again = c.sent()!
        XCTAssertEqual(again.outer.salt, 4242)
        XCTAssertEqual(Set(again.messages.map(\.body)), [getConfig, [7, 7, 7, 7]])
        let events = c.receive(CannedServer.rpcResult(again.messages[0].msgID, [0, 0, 0, 0]))
            + c.receive(CannedServer.rpcResult(again.messages[1].msgID, [1, 0, 0, 0]))
        XCTAssertEqual(Set(results(events).keys), [a, b])
        // An answer to the old msg_id of a resent request is still routed (stable RequestID).
        let (c2, sentOnce) = c.send([5, 5, 5, 5])
        _ = c.receive(CannedServer.badSalt(sentOnce, salt: 1), seqNo: 0)
        _ = c.sent()
        XCTAssertEqual(c.receive(CannedServer.rpcResult(sentOnce, [3, 0, 0, 0])), [.result(c2, body: [3, 0, 0, 0])])
    }

    func testBadMsgNotificationSequenceFixesAndFailures() {
        var c = CannedClient()
        let (_, m1) = c.send(getConfig)
        XCTAssertEqual(c.receive(CannedServer.badMsg(m1, code: 32), seqNo: 0), [])
        let resent = c.sent()!.outer
        XCTAssertGreaterThan(resent.seqNo, 64)  // seq_no pushed up
        XCTAssertEqual(c.receive(CannedServer.badMsg(resent.msgID, code: 33), seqNo: 0), [])
        let lowered = c.sent()!.outer
        XCTAssertLessThan(lowered.seqNo, resent.seqNo)

        let (id, m2) = c.send([8, 8, 8, 8])
        XCTAssertEqual(c.receive(CannedServer.badMsg(m2, code: 64), seqNo: 0), [.failed(id, .badMessage(code: 64))])
        XCTAssertNil(c.sent())
    }

    func testBadMsgNotificationTimeFixWithClockAnHourOff() {
        var c = CannedClient()
        c.session = ClientSession(authKey: c.key, serverSalt: 42, timeOffset: -3600, sessionID: 0xc0ffee)
        let (id, m1) = c.send(getConfig)
        XCTAssertEqual(m1 >> 32, Int64(testNow.timeIntervalSince1970) - 3600)
        // The notification carries the server's time, an hour from ours: still heard.
        let events = c.receive(CannedServer.badMsg(m1, code: 16), seqNo: 0)
        XCTAssertEqual(events, [.clockCorrected(timeOffset: 0)])
        let resent = c.sent()!.messages[0]
        XCTAssertEqual(resent.msgID >> 32, Int64(testNow.timeIntervalSince1970))
        XCTAssertEqual(c.receive(CannedServer.rpcResult(resent.msgID, [1, 1, 1, 1])), [.result(id, body: [1, 1, 1, 1])])
    }

    func testBadServerSaltIsHeardFromAClockAnHourOff() {
        var c = CannedClient(salt: 0)
        c.session = ClientSession(authKey: c.key, serverSalt: 0, timeOffset: 3600, sessionID: 0xc0ffee)
        let (_, m1) = c.send(getConfig)
        // A container, as a server sends it: the salt complaint plus an unrelated update, an hour "behind".
        let container = MessageContainer.pack([
            InnerMessage(msgID: c.server.msgID(), seqNo: 0, body: CannedServer.badSalt(m1, salt: 99)),
            InnerMessage(msgID: c.server.msgID(), seqNo: 1, body: [0xb5, 0x30, 0x4b, 0xe3]),
        ])
        XCTAssertEqual(c.receive(container, seqNo: 2), [.saltChanged(99)])  // the update is not trusted
        XCTAssertEqual(c.session.rejectedPackets, 1)
        XCTAssertEqual(c.sent()?.outer.salt, 99)
    }

    func testOutOfWindowNotificationAboutUnknownMessageIsDropped() {
        var c = CannedClient()
        c.session = ClientSession(authKey: c.key, serverSalt: 42, timeOffset: -3600, sessionID: 0xc0ffee)
        let events = c.receive(CannedServer.badMsg(12345 << 2, code: 16), seqNo: 0)
        guard case .rejected(.messageIDOutOfWindow) = events.first else { return XCTFail("\(events)") }
        XCTAssertEqual(c.session.clock.timeOffset, -3600)
    }

    func testNewSessionCreatedPongAndUpdates() {
        var c = CannedClient()
        var w = WireWriter(); w.uint32(Wire.newSessionCreated); w.int64(1); w.int64(2); w.int64(31337)
        XCTAssertEqual(c.receive(w.bytes), [.newSession])
        XCTAssertEqual(c.session.serverSalt, 31337)

        let (pingReq, pingMsg) = c.send(ServiceMessages.ping(pingID: 5))
        var pong = WireWriter(); pong.uint32(Wire.pong); pong.int64(pingMsg); pong.int64(5)
        XCTAssertEqual(c.receive(pong.bytes), [.pong(pingID: 5), .result(pingReq, body: pong.bytes)])

        let update: [UInt8] = [0xb5, 0x30, 0x4b, 0xe3, 0, 0, 0, 0]  // updatesTooLong
        XCTAssertEqual(c.receive(update), [.update(body: update)])
    }

    func testMsgDetailedInfoAndStateRequest() throws {
        var c = CannedClient()
        let (_, m1) = c.send(getConfig)
        let answer = c.server.msgID()
        var info = WireWriter(); info.uint32(Wire.msgDetailedInfo); info.int64(m1); info.int64(answer); info.int32(100); info.int32(0)
        XCTAssertEqual(c.receive(info.bytes, seqNo: 0), [])
        let resendReq = try XCTUnwrap(c.sent()).messages[0]
        XCTAssertEqual(Wire.constructor(of: resendReq.body), Wire.msgResendReq)
        var r = WireReader(resendReq.body, offset: 4)
        XCTAssertEqual(try r.longVector(), [answer])

        let known = c.server.msgID()
        _ = c.session.handle(c.server.packet(CannedServer.msgsAck([]), msgID: known, seqNo: 0), now: testNow)
        var req = WireWriter(); req.uint32(Wire.msgsStateReq); req.longVector([known, 999 << 2 | 1])
        let reqMsgID = c.server.msgID()
        _ = c.session.handle(c.server.packet(req.bytes, msgID: reqMsgID, seqNo: 0), now: testNow)
        let reply = try XCTUnwrap(c.sent()).messages.first { Wire.constructor(of: $0.body) == Wire.msgsStateInfo }!
        var rr = WireReader(reply.body, offset: 4)
        XCTAssertEqual(try rr.int64(), reqMsgID)
        XCTAssertEqual(try rr.tlBytes(), [4, 2])
    }

    func testMsgNewDetailedInfoAcksAnswerAlreadyReceived() throws {
        var c = CannedClient()
        let update: [UInt8] = [0xb5, 0x30, 0x4b, 0xe3]
        let answer = c.server.msgID()
        _ = c.session.handle(c.server.packet(update, msgID: answer, seqNo: 1), now: testNow)
        _ = c.sent(now: testNow.addingTimeInterval(1))  // the update's own ack goes out
        var info = WireWriter(); info.uint32(Wire.msgNewDetailedInfo); info.int64(answer); info.int32(4); info.int32(0)
        XCTAssertEqual(c.receive(info.bytes, seqNo: 0), [])
        let ack = try XCTUnwrap(c.sent(now: testNow.addingTimeInterval(2))).messages[0]
        var r = WireReader(ack.body, offset: 4)
        XCTAssertEqual(Wire.constructor(of: ack.body), Wire.msgsAck)
        XCTAssertEqual(try r.longVector(), [answer])
    }

    func testResendLimit() {
        var c = CannedClient()
        let (id, first) = c.send(getConfig)
        var last = first
        var events: [SessionEvent] = []
        for _ in 0...c.session.maxResends {
            events = c.receive(CannedServer.badSalt(last, salt: 42), seqNo: 0)
            if let next = c.sent() { last = next.messages[0].msgID }
        }
        XCTAssertTrue(events.contains(.failed(id, .tooManyResends(count: 5))), "\(events)")
    }

    // MARK: Hostile server

    func testWrongMsgKey() {
        var c = CannedClient()
        var packet = c.server.packet([1, 2, 3, 4])
        packet[10] ^= 1
        XCTAssertEqual(c.session.handle(packet, now: testNow), [.rejected(.wrongMsgKey)])
        var body = c.server.packet([1, 2, 3, 4])
        body[body.count - 1] ^= 1
        XCTAssertEqual(c.session.handle(body, now: testNow), [.rejected(.wrongMsgKey)])
        XCTAssertEqual(c.session.rejectedPackets, 2)
    }

    func testEvenMessageID() {
        var c = CannedClient()
        let even = c.server.msgID() & ~1
        XCTAssertEqual(c.session.handle(c.server.packet([1, 2, 3, 4], msgID: even), now: testNow), [.rejected(.evenMessageID(even))])
    }

    func testReplayedMessage() {
        var c = CannedClient()
        let update: [UInt8] = [0xb5, 0x30, 0x4b, 0xe3]
        let packet = c.server.packet(update)
        XCTAssertEqual(c.session.handle(packet, now: testNow), [.update(body: update)])
        guard case .rejected(.duplicateMessageID) = c.session.handle(packet, now: testNow).first else { return XCTFail() }
        XCTAssertEqual(c.session.rejectedPackets, 1)
    }

    func testWrongSessionID() {
        var c = CannedClient()
        let packet = c.server.packet([1, 2, 3, 4], msgID: c.server.msgID(), sessionID: 77)
        XCTAssertEqual(c.session.handle(packet, now: testNow), [.rejected(.wrongSessionID(expected: 0xc0ffee, got: 77))])
    }

    func testWrongAuthKeyID() {
        var c = CannedClient()
        let other = randomAuthKey()
        let packet = c.server.packet([1, 2, 3, 4], msgID: c.server.msgID(), key: other)
        XCTAssertEqual(c.session.handle(packet, now: testNow), [.rejected(.wrongAuthKeyID(expected: c.key.id, got: other.id))])
    }

    func testMessageIDOutsideTimeWindow() {
        var c = CannedClient()
        for skew: Int64 in [-301, 31, -100_000] {
            let id = c.server.msgID(skew: skew)
            let events = c.session.handle(c.server.packet([1, 2, 3, 4], msgID: id), now: testNow)
            XCTAssertEqual(events, [.rejected(.messageIDOutOfWindow(msgID: id, skew: Int(skew)))])
        }
        for skew: Int64 in [-299, 29] {
            XCTAssertEqual(c.session.handle(c.server.packet([1, 2, 3, 4], msgID: c.server.msgID(skew: skew)), now: testNow).count, 1)
        }
    }

    func testTruncatedAndMisalignedPackets() {
        var c = CannedClient()
        let packet = c.server.packet([UInt8](repeating: 0, count: 64))
        XCTAssertEqual(c.session.handle(Array(packet.prefix(30)), now: testNow), [.rejected(.packetTooShort(30))])
        XCTAssertEqual(c.session.handle(Array(packet.dropLast(3)), now: testNow), [.rejected(.badPacketLength(packet.count - 3))])
        XCTAssertEqual(c.session.handle([], now: testNow), [.rejected(.packetTooShort(0))])
    }

    func testBadLengthFieldAndPadding() {
        var c = CannedClient()
        // Length not a multiple of 4, and padding too short (hand-built plaintexts, correctly keyed).
        func sealed(_ plaintext: [UInt8]) -> [UInt8] {
            let msgKey = MessageKey.compute(authKey: c.key, plaintext: plaintext, x: 8)
            let (key, iv) = MessageKey.aesKeyIV(authKey: c.key, msgKey: msgKey, x: 8)
            var w = WireWriter(); w.int64(c.key.id); w.raw(msgKey); w.raw(try! AESIGE.encrypt(plaintext, key: key, iv: iv))
            return w.bytes
        }
        func plaintext(length: Int32, body: Int, padding: Int) -> [UInt8] {
            var w = WireWriter()
            w.int64(42); w.int64(0xc0ffee); w.int64(c.server.msgID()); w.int32(1); w.int32(length)
            w.raw([UInt8](repeating: 0, count: body + padding))
            return w.bytes
        }
        XCTAssertEqual(c.session.handle(sealed(plaintext(length: 6, body: 8, padding: 24)), now: testNow), [.rejected(.badMessageLength(6))])
        XCTAssertEqual(c.session.handle(sealed(plaintext(length: 1 << 30, body: 8, padding: 24)), now: testNow),
                       [.rejected(.badMessageLength(1 << 30))])
        XCTAssertEqual(c.session.handle(sealed(plaintext(length: 12, body: 12, padding: 4)), now: testNow), [.rejected(.badPadding(4))])
        XCTAssertEqual(c.session.handle(sealed(plaintext(length: 8, body: 8, padding: 1032)), now: testNow), [.rejected(.badPadding(1032))])
    }

    func testHostileContainersAndGarbage() {
        var c = CannedClient()
        var huge = WireWriter(); huge.uint32(Wire.msgContainer); huge.int32(Int32.max)
        guard case .rejected(.malformed) = c.receive(huge.bytes, seqNo: 0).first else { return XCTFail() }
        let nested = MessageContainer.pack([InnerMessage(msgID: c.server.msgID(), seqNo: 0, body: MessageContainer.pack([]))])
        guard case .rejected(.malformed) = c.receive(nested, seqNo: 0).first else { return XCTFail() }
        var bomb = WireWriter(); bomb.uint32(Wire.gzipPacked); bomb.tlBytes(Gzip.compress([UInt8](repeating: 0, count: 20 << 20)))
        XCTAssertEqual(c.receive(bomb.bytes), [.rejected(.gzip(.tooLarge(limit: Gzip.defaultMaxInflatedSize)))])
        var truncatedResult = WireWriter(); truncatedResult.uint32(Wire.rpcResult); truncatedResult.int32(1)
        guard case .rejected(.malformed) = c.receive(truncatedResult.bytes).first else { return XCTFail() }
        // Random plaintexts never crash the session.
        for n in stride(from: 0, to: 200, by: 4) {
            _ = c.receive((0..<n).map { _ in UInt8.random(in: 0...255) })
        }
        // An unknown answer is ignored, not misrouted.
        XCTAssertEqual(c.receive(CannedServer.rpcResult(123 << 2, [1, 0, 0, 0])), [])
    }
}
