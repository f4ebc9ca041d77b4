import Foundation
import MTCrypto
import XCTest
@testable import MTProto

/// A client and a server session sharing a key, pumped in memory.
struct SessionPair {
    var client: ClientSession
    var server: ServerSession
    var now = testNow

    init(salt: Int64 = 0x1122_3344_5566_7788, clientSalt: Int64? = nil, clientOffset: Int = 0) {
        let key = randomAuthKey()
        client = ClientSession(authKey: key, serverSalt: clientSalt ?? salt, timeOffset: clientOffset, sessionID: 0x5e55)
        server = ServerSession(authKey: key, serverSalt: salt)
    }

    /// Sends everything the client has; returns the server's events.
    mutating func clientToServer() -> [ServerSessionEvent] {
        var events: [ServerSessionEvent] = []
        while let packet = client.nextPacket(now: now) { events += server.handle(packet, now: now) }
        return events
    }

    /// Sends everything the server has; returns the client's events.
    mutating func serverToClient() -> [SessionEvent] {
        var events: [SessionEvent] = []
        while let packet = server.nextPacket(now: now) { events += client.handle(packet, now: now) }
        return events
    }

    /// Answers every request with `answer` until the client has nothing more to send.
    mutating func run(answer: (Int64, [UInt8]) -> [UInt8] = { _, body in body }) -> [SessionEvent] {
        var events: [SessionEvent] = []
        for _ in 0..<10 {
            let requests = clientToServer()
            for case let .request(msgID, body) in requests { server.reply(to: msgID, result: answer(msgID, body)) }
            let got = serverToClient()
            events += got
            if requests.isEmpty && got.isEmpty { break }
        }
        return events
    }
}

func results(_ events: [SessionEvent]) -> [RequestID: [UInt8]] {
    var out: [RequestID: [UInt8]] = [:]
    for case let .result(id, body) in events { out[id] = body }
    return out
}

let getConfig: [UInt8] = [0x6b, 0x18, 0xf9, 0xc4]

final class SessionTests: XCTestCase {
    func testRequestReachesServerAndResultIsRouted() {
        var pair = SessionPair()
        let a = pair.client.enqueue(getConfig)
        let b = pair.client.enqueue([1, 0, 0, 0, 42, 0, 0, 0])
        let events = pair.run { _, body in body.reversed() }
        let got = results(events)
        XCTAssertEqual(got[a], getConfig.reversed())
        XCTAssertEqual(got[b], [1, 0, 0, 0, 42, 0, 0, 0].reversed())
        XCTAssertTrue(events.contains(.newSession))
        XCTAssertEqual(pair.client.pendingRequests, 0)
        XCTAssertEqual(pair.client.rejectedPackets, 0)
        XCTAssertEqual(pair.server.rejectedPackets, 0)
    }

    func testFirstMessageWithWrongSaltIsResentWithServerSalt() {
        var pair = SessionPair(salt: 777, clientSalt: 0)
        let id = pair.client.enqueue(getConfig)
        let events = pair.run()
        XCTAssertTrue(events.contains(.saltChanged(777)))
        XCTAssertEqual(results(events)[id], getConfig)
        XCTAssertEqual(pair.client.serverSalt, 777)
    }

    func testSaltChangeMidFlightResendsEveryRequestOfTheContainer() {
        var pair = SessionPair(salt: 1)
        let first = pair.client.enqueue(getConfig)
        XCTAssertEqual(results(pair.run())[first], getConfig)
        pair.server.serverSalt = 2
        let ids = (0..<3).map { i in pair.client.enqueue([UInt8(i), 0, 0, 0]) }
        let events = pair.run()
        XCTAssertTrue(events.contains(.saltChanged(2)))
        let got = results(events)
        for (i, id) in ids.enumerated() { XCTAssertEqual(got[id], [UInt8(i), 0, 0, 0]) }
    }

    func testClockAnHourAheadIsCorrectedAndResent() {
        var pair = SessionPair(clientOffset: 3600)
        let id = pair.client.enqueue(getConfig)
        let events = pair.run()
        XCTAssertTrue(events.contains(.clockCorrected(timeOffset: 0)), "\(events)")
        XCTAssertEqual(results(events)[id], getConfig)
        XCTAssertEqual(pair.client.clock.timeOffset, 0)
    }

    func testClockAnHourBehindIsCorrectedAndResent() {
        var pair = SessionPair(clientOffset: -3600)
        let id = pair.client.enqueue(getConfig)
        let events = pair.run()
        XCTAssertTrue(events.contains(.clockCorrected(timeOffset: 0)), "\(events)")
        XCTAssertEqual(results(events)[id], getConfig)
    }

    func testRPCErrorIsTyped() {
        var pair = SessionPair()
        let id = pair.client.enqueue(getConfig)
        _ = pair.run()
        let id2 = pair.client.enqueue(getConfig)
        for case let .request(msgID, _) in pair.clientToServer() {
            pair.server.replyError(to: msgID, code: 420, message: "FLOOD_WAIT_42")
        }
        let events = pair.serverToClient()
        XCTAssertNotEqual(id, id2)
        XCTAssertTrue(events.contains(.rpcError(id2, RPCError(code: 420, message: "FLOOD_WAIT_42"))))
    }

    func testLargeBodiesAreGzippedBothWays() {
        var pair = SessionPair()
        let big = [UInt8](repeating: 0x41, count: 40_000)
        let id = pair.client.enqueue(big)
        var sawCompressed = false
        var packets: [[UInt8]] = []
        while let p = pair.client.nextPacket(now: pair.now) { packets.append(p) }
        XCTAssertLessThan(packets.reduce(0) { $0 + $1.count }, 5_000)  // compressed on the wire
        for p in packets {
            for case let .request(msgID, body) in pair.server.handle(p, now: pair.now) {
                XCTAssertEqual(body, big)  // inflated for the server
                pair.server.reply(to: msgID, result: big + big)
                sawCompressed = true
            }
        }
        XCTAssertTrue(sawCompressed)
        let reply = pair.server.nextPacket(now: pair.now)!
        XCTAssertLessThan(reply.count, 5_000)
        XCTAssertEqual(results(pair.client.handle(reply, now: pair.now))[id], big + big)
    }

    func testPingAndPingDelayDisconnect() {
        var pair = SessionPair()
        let ping = pair.client.enqueue(ServiceMessages.ping(pingID: 99))
        let keepAlive = pair.client.enqueue(ServiceMessages.pingDelayDisconnect(pingID: 100, disconnectDelay: 75))
        let serverEvents = pair.clientToServer()
        XCTAssertTrue(serverEvents.contains(.disconnectAfter(seconds: 75)))
        XCTAssertFalse(serverEvents.contains { if case .request = $0 { return true } else { return false } })
        let events = pair.serverToClient()
        XCTAssertTrue(events.contains(.pong(pingID: 99)))
        XCTAssertTrue(events.contains(.pong(pingID: 100)))
        XCTAssertNotNil(results(events)[ping])
        XCTAssertNotNil(results(events)[keepAlive])
    }

    func testFutureSaltsAndDestroySession() throws {
        var pair = SessionPair()
        let salts = pair.client.enqueue(ServiceMessages.getFutureSalts(count: 3))
        let destroy = pair.client.enqueue(ServiceMessages.destroySession(sessionID: 1234))
        let events = pair.run()
        let got = results(events)
        let parsed = try ServiceMessages.parseFutureSalts(try XCTUnwrap(got[salts]))
        XCTAssertEqual(parsed.salts.count, 3)
        XCTAssertEqual(pair.client.futureSalts, parsed.salts)
        XCTAssertEqual(Wire.constructor(of: try XCTUnwrap(got[destroy])), Wire.destroySessionOK)
    }

    func testFutureSaltIsAdoptedWhenItsTimeComes() throws {
        var pair = SessionPair(salt: 1)
        _ = pair.client.enqueue(ServiceMessages.getFutureSalts(count: 3))
        _ = pair.run()
        let salts = pair.client.futureSalts
        XCTAssertEqual(salts.count, 3)
        XCTAssertEqual(pair.client.serverSalt, 1)
        // An hour later the second salt is the valid one; the next packet carries it.
        pair.now = pair.now.addingTimeInterval(3600)
        pair.client.enqueue(getConfig)
        let packet = try XCTUnwrap(pair.client.nextPacket(now: pair.now))
        let sent = try EncryptedMessage.unpack(packet, authKey: pair.client.authKey, x: 0)
        XCTAssertEqual(sent.salt, salts[1].salt)
        XCTAssertEqual(pair.client.futureSalts.count, 2)
    }

    func testAcksAreBatchedAndSentAfterDelay() {
        var pair = SessionPair()
        _ = pair.client.enqueue(getConfig)
        _ = pair.run()
        // The result was content-related: its ack waits for a batch or the delay.
        XCTAssertNil(pair.client.nextPacket(now: pair.now))
        let deadline = pair.client.ackDeadline!
        let acks = pair.client.nextPacket(now: deadline)
        XCTAssertNotNil(acks)
        XCTAssertNil(pair.client.nextPacket(now: deadline))
        XCTAssertNil(pair.client.ackDeadline)
        XCTAssertEqual(pair.server.handle(acks!, now: pair.now), [])
    }

    func testRequeueAndNewSession() {
        var pair = SessionPair()
        let id = pair.client.enqueue(getConfig)
        _ = pair.client.nextPacket(now: pair.now)  // lost on a dropped connection
        pair.client.startNewSession(sessionID: 0xbeef)
        let events = pair.run()
        XCTAssertEqual(results(events)[id], getConfig)
        XCTAssertEqual(pair.server.sessionID, 0xbeef)
    }

    func testManyQueuedRequestsGoInContainersOfAtMostTheLimit() {
        var pair = SessionPair()
        for i in 0..<250 { pair.client.enqueue([0x11, 0x22, 0x33, 0x44, UInt8(i & 0xff), 0, 0, 0]) }
        var packets = 0
        var requests = 0
        while let packet = pair.client.nextPacket(now: pair.now) {
            packets += 1
            let seen = pair.server.handle(packet, now: pair.now).filter { if case .request = $0 { return true } else { return false } }
            XCTAssertLessThanOrEqual(seen.count, ClientSession.maxContainerMessages)
            requests += seen.count
        }
        XCTAssertEqual(requests, 250)
        XCTAssertEqual(packets, 3, "250 requests in containers of 100")
    }

    func testCancelledRequestIgnoresLateAnswer() {
        var pair = SessionPair()
        let id = pair.client.enqueue(getConfig)
        let requests = pair.clientToServer()
        pair.client.cancel(id)
        for case let .request(msgID, _) in requests { pair.server.reply(to: msgID, result: getConfig) }
        XCTAssertNil(results(pair.serverToClient())[id])
        XCTAssertEqual(pair.client.pendingRequests, 0)
    }
}
