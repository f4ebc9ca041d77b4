import Foundation
import MTCrypto
import MTProto
import XCTest
@testable import MTNetwork

/// MTSender against an in-memory data centre running the real server halves
/// of the key exchange and the session.
final class MTSenderTests: XCTestCase {
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var _keys: [AuthKey] = []
        private var _salts: [Int64] = []
        private var _inits: [[UInt8]] = []
        private var _rejected = 0
        var keys: [AuthKey] { lock.withLock { _keys } }
        var salts: [Int64] { lock.withLock { _salts } }
        var inits: [[UInt8]] { lock.withLock { _inits } }
        var rejected: Int { lock.withLock { _rejected } }
        var hooks: SenderHooks {
            SenderHooks(onAuthKey: { k in self.lock.withLock { self._keys.append(k) } },
                        onSalt: { s in self.lock.withLock { self._salts.append(s) } },
                        onAuthKeyRejected: { self.lock.withLock { self._rejected += 1 } },
                        onInit: { r in self.lock.withLock { self._inits.append(r) } })
        }
    }

    func makeSender(_ dc: FakeDataCentre, recorder: Recorder = Recorder(), key: AuthKey? = nil,
                    configure: (inout SenderConfiguration) -> Void = { _ in }) -> MTSender {
        var config = SenderConfiguration(dataCenter: DataCenter(id: 2, host: "127.0.0.1", port: 1), serverKeys: [dc.publicKey],
                                         requestTimeout: .seconds(10), reconnectDelay: .milliseconds(10))
        configure(&config)
        return MTSender(configuration: config, authKey: key, hooks: recorder.hooks, connector: dc.connector())
    }

    static func body(_ n: Int) -> [UInt8] {
        var b: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        withUnsafeBytes(of: Int64(n).littleEndian) { b += $0 }
        return b
    }

    func testCreatesAKeyAndAnswersManyRequestsInFlight() async throws {
        let dc = FakeDataCentre()
        let recorder = Recorder()
        let sender = makeSender(dc, recorder: recorder)
        let results = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for i in 0..<40 { group.addTask { (i, try await sender.invoke(Self.body(i))) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        XCTAssertEqual(results.count, 40)
        for (i, r) in results { XCTAssertEqual(r, Self.body(i)) }
        XCTAssertEqual(recorder.keys.count, 1, "one key created")
        let key = await sender.currentAuthKey
        XCTAssertEqual(key, recorder.keys.first)
        XCTAssertEqual(dc.connections, 1)
        await sender.shutdown()
    }

    func testInitRequestGoesFirstAndItsResultIsReported() async throws {
        let dc = FakeDataCentre()
        let recorder = Recorder()
        let initBody: [UInt8] = [9, 9, 9, 9, 1, 2, 3, 4]
        let sender = makeSender(dc, recorder: recorder) { $0.initRequest = initBody }
        _ = try await sender.invoke(Self.body(1))
        XCTAssertEqual(dc.locked { dc.requests.first }, initBody)
        XCTAssertEqual(recorder.inits, [initBody])
        await sender.shutdown()
    }

    func testStoredKeyIsReusedWithoutAnExchange() async throws {
        let dc = FakeDataCentre()
        let first = makeSender(dc)
        _ = try await first.invoke(Self.body(1))
        let key = await first.currentAuthKey
        await first.shutdown()
        let recorder = Recorder()
        let second = makeSender(dc, recorder: recorder, key: key)
        let answer = try await second.invoke(Self.body(2))
        XCTAssertEqual(answer, Self.body(2))
        XCTAssertTrue(recorder.keys.isEmpty)
        XCTAssertFalse(recorder.salts.isEmpty, "salt 0 was corrected by bad_server_salt and reported")
        await second.shutdown()
    }

    func testRPCErrorsSurfaceWithTheirParameter() async throws {
        let dc = FakeDataCentre()
        dc.handler = { _ in .error(code: 420, message: "FLOOD_WAIT_3") }
        let sender = makeSender(dc)
        do {
            _ = try await sender.invoke(Self.body(1))
            XCTFail("expected an RPC error")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, 420)
            XCTAssertEqual(error.name, "FLOOD_WAIT")
            XCTAssertEqual(error.value, 3)
        }
        await sender.shutdown()
    }

    func testRequestTimesOutWhileOthersAreAnswered() async throws {
        let dc = FakeDataCentre()
        let slow = Self.body(666)
        dc.handler = { $0 == slow ? .ignore : .result($0) }
        let sender = makeSender(dc)
        async let late: [UInt8] = sender.invoke(slow, timeout: .milliseconds(300))
        let answer = try await sender.invoke(Self.body(5))
        XCTAssertEqual(answer, Self.body(5))
        do {
            _ = try await late
            XCTFail("expected a timeout")
        } catch let error as SenderError {
            XCTAssertEqual(error, .timeout(seconds: 0.3))
        }
        await sender.shutdown()
    }

    func testAShortTimeoutAfterALongOneStillFiresOnTime() async throws {
        let dc = FakeDataCentre()
        dc.handler = { _ in .ignore }
        let sender = makeSender(dc)
        try await sender.connect()
        async let long: [UInt8] = sender.invoke(Self.body(1), timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(50))
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await sender.invoke(Self.body(2), timeout: .milliseconds(200))
            XCTFail("expected a timeout")
        } catch let error as SenderError {
            XCTAssertEqual(error, .timeout(seconds: 0.2))
        }
        XCTAssertLessThan(clock.now - start, .seconds(5), "the shared timer was moved to the earlier deadline")
        await sender.shutdown()
        do { _ = try await long; XCTFail("expected shutDown") } catch let error as SenderError { XCTAssertEqual(error, .shutDown) }
    }

    func testRequestsInFlightTogetherShareContainers() async throws {
        let dc = FakeDataCentre()
        let sender = makeSender(dc)
        try await sender.connect()
        let before = await sender.packetsSent
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<300 {
                group.addTask {
                    let answer = try await sender.invoke(Self.body(i))
                    XCTAssertEqual(answer, Self.body(i))
                }
            }
            try await group.waitForAll()
        }
        let packets = await sender.packetsSent - before
        XCTAssertEqual(dc.requestCount, 300)
        XCTAssertLessThan(packets, 150, "300 requests in flight together went in \(packets) packets, not one each")
        await sender.shutdown()
    }

    func testLostConnectionReconnectsAndResendsTheUnansweredRequest() async throws {
        let dc = FakeDataCentre()
        let target = Self.body(77)
        let dropped = Counter()
        dc.handler = { body in
            if body == target, dropped.increment() == 1 { return .dropConnection }
            return .result(body)
        }
        let sender = makeSender(dc)
        _ = try await sender.invoke(Self.body(1))
        let answer = try await sender.invoke(target)
        XCTAssertEqual(answer, target)
        XCTAssertEqual(dc.connections, 2)
        XCTAssertEqual(dropped.value, 2, "the request reached the server twice")
        await sender.shutdown()
    }

    func testReconnectGivesUpAfterTheConfiguredAttempts() async throws {
        let dc = FakeDataCentre()
        let target = Self.body(88)
        dc.handler = { body in
            if body == target { dc.refuseConnections = true; return .dropConnection }
            return .result(body)
        }
        let sender = makeSender(dc) { $0.reconnectAttempts = 3 }
        _ = try await sender.invoke(Self.body(1))
        do {
            _ = try await sender.invoke(target)
            XCTFail("expected unreachable")
        } catch let error as SenderError {
            guard case .unreachable(let attempts, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(attempts, 3)
        }
        await sender.shutdown()
    }

    func testUnknownAuthKeyDropsTheKey() async throws {
        let dc = FakeDataCentre()
        let target = Self.body(404)
        dc.handler = { $0 == target ? .unknownAuthKey : .result($0) }
        let recorder = Recorder()
        let sender = makeSender(dc, recorder: recorder)
        _ = try await sender.invoke(Self.body(1))
        do {
            _ = try await sender.invoke(target)
            XCTFail("expected authKeyRejected")
        } catch let error as SenderError {
            XCTAssertEqual(error, .authKeyRejected)
        }
        XCTAssertEqual(recorder.rejected, 1)
        let key = await sender.currentAuthKey
        XCTAssertNil(key)
        // The next request creates a new key.
        let answer = try await sender.invoke(Self.body(2))
        XCTAssertEqual(answer, Self.body(2))
        XCTAssertEqual(recorder.keys.count, 2)
        await sender.shutdown()
    }

    func testKeepAliveSendsPingDelayDisconnect() async throws {
        let dc = FakeDataCentre()
        let sender = makeSender(dc) { $0.pingInterval = .milliseconds(100); $0.disconnectDelay = 75 }
        _ = try await sender.invoke(Self.body(1))
        let deadline = Date().addingTimeInterval(5)
        while dc.locked({ dc.disconnectDelays.isEmpty }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(dc.locked { dc.disconnectDelays.first }, 75)
        await sender.shutdown()
    }

    func testShutdownFailsPendingRequestsAndRefusesNewOnes() async throws {
        let dc = FakeDataCentre()
        dc.handler = { _ in .ignore }
        let sender = makeSender(dc)
        try await sender.connect()
        let pending = Task { try await sender.invoke(Self.body(1)) }
        while dc.requestCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        await sender.shutdown()
        do {
            _ = try await pending.value
            XCTFail("expected shutDown")
        } catch let error as SenderError {
            XCTAssertEqual(error, .shutDown)
        }
        do {
            _ = try await sender.invoke(Self.body(2))
            XCTFail("expected shutDown")
        } catch let error as SenderError {
            XCTAssertEqual(error, .shutDown)
        }
    }

    func testUnreachableDataCentreFailsConnect() async throws {
        let dc = FakeDataCentre()
        dc.refuseConnections = true
        let sender = makeSender(dc)
        do {
            try await sender.connect()
            XCTFail("expected a connection error")
        } catch let error as ConnectionError {
            guard case .unreachable = error else { return XCTFail("\(error)") }
        }
    }

    func testGarbageFromTheServerIsDroppedAndTheAnswerStillArrives() async throws {
        let dc = FakeDataCentre()
        var generator = SystemRandomNumberGenerator()
        let junk: [[UInt8]] = [[], [1, 2, 3], [UInt8](repeating: 0, count: 64),
                               (0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) },
                               (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }]
        dc.handler = { .garbageThen(junk, $0) }
        let sender = makeSender(dc)
        for i in 0..<3 {
            let answer = try await sender.invoke(Self.body(i))
            XCTAssertEqual(answer, Self.body(i))
        }
        XCTAssertEqual(dc.connections, 1, "garbage does not cost the connection")
        await sender.shutdown()
    }

    func testWrongServerKeyFailsTheExchange() async throws {
        let dc = FakeDataCentre()
        let other = try RSAPrivateKey.generate(bits: 2048).publicKey
        let sender = makeSender(dc) { $0.serverKeys = [other]; $0.keyExchangeTimeout = .seconds(2); $0.reconnectAttempts = 1 }
        do {
            try await sender.connect()
            XCTFail("expected the exchange to fail")
        } catch let error as SenderError {
            guard case .keyExchangeFailed = error else { return XCTFail("\(error)") }
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() -> Int { lock.withLock { n += 1; return n } }
    var value: Int { lock.withLock { n } }
}
