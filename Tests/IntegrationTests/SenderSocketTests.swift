import Foundation
import MTNetwork
import MTProto
import TestDC
import XCTest

/// `MTSender` over real sockets to the in-process test server: answers handled on the
/// connection's event loop, callers on the cooperative pool and on that loop, cancellation,
/// timeouts. Needs nothing but loopback.
final class SenderSocketTests: XCTestCase {
    let getConfig: [UInt8] = [0x6b, 0x18, 0xf9, 0xc4]

    func start(_ configure: (inout TestDCOptions) -> Void = { _ in }) async throws -> (TestDCServer, MTSender) {
        var options = TestDCOptions()
        options.dcCount = 1
        configure(&options)
        let server = try await TestDCServer.start(options)
        let dc = server.dcs[0]
        let params = InitConnectionParams(apiID: 12345, deviceModel: "tests", systemVersion: "Linux", appVersion: "1.0")
        let config = SenderConfiguration(dataCenter: DataCenter(id: dc.id, host: dc.host, port: dc.port),
                                         serverKeys: [server.publicKey], transport: .intermediate,
                                         requestTimeout: .seconds(10), initRequest: InitConnection.wrap(getConfig, params: params))
        return (server, MTSender(configuration: config, authKey: nil))
    }

    /// The constructor id of a `Config` answer.
    func isConfig(_ body: [UInt8]) -> Bool { body.count > 4 && Array(body.prefix(4)) == [0x1e, 0x24, 0x1a, 0xcc] }

    func testManyInFlightFromThePoolAndFromTheConnectionsLoopAllGetTheirAnswers() async throws {
        let (server, sender) = try await start()
        try await sender.connect()
        // Pool callers, loop callers, and both at once (one packet's answers then resume some
        // callers on the loop and hand the others to the pool together).
        for (onLoop, mixed) in [(false, false), (true, false), (false, true)] {
            let before = await sender.packetsSent
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for caller in 0..<100 {
                    let work: @Sendable () async throws -> Int = {
                        var good = 0
                        for _ in 0..<20 {
                            let answer = try await sender.invoke(self.getConfig)
                            if self.isConfig(answer) { good += 1 }
                        }
                        return good
                    }
                    if onLoop || (mixed && caller % 2 == 0) {
                        group.addTask(executorPreference: sender.taskExecutor, operation: work)
                    } else {
                        group.addTask(operation: work)
                    }
                }
                return try await group.reduce(0, +)
            }
            XCTAssertEqual(answers, 2000, mixed ? "callers on both" : onLoop ? "callers on the loop" : "callers on the pool")
            // Callers on the loop are resumed together and flushed once per tick, so they share
            // packets whatever the timing; from the pool, sharing depends on the scheduler.
            let packets = await sender.packetsSent - before
            if onLoop { XCTAssertLessThan(packets, 1000, "2,000 requests from 100 callers on the loop should share packets (\(packets))") }
        }
        await sender.shutdown()
        await server.close()
    }

    func testACancelledCallerIsReleasedAtOnceAndTheConnectionGoesOn() async throws {
        let (server, sender) = try await start { $0.config.faults.delayMilliseconds = 300 }
        try await sender.connect()
        let started = ContinuousClock.now
        let call = Task { try await sender.invoke(getConfig) }
        try await Task.sleep(for: .milliseconds(50))
        call.cancel()
        do {
            _ = try await call.value
            XCTFail("a cancelled call returned")
        } catch is CancellationError {
        }
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(250))
        let answer = try await sender.invoke(getConfig)
        XCTAssertTrue(isConfig(answer))
        await sender.shutdown()
        await server.close()
    }

    func testATimedOutRequestFailsAloneAndLaterOnesAreAnswered() async throws {
        let (server, sender) = try await start { $0.config.faults.delayMilliseconds = 400 }
        try await sender.connect()
        do {
            _ = try await sender.invoke(getConfig, timeout: .milliseconds(100))
            XCTFail("expected a timeout")
        } catch SenderError.timeout {
        }
        let answer = try await sender.invoke(getConfig, timeout: .seconds(5))
        XCTAssertTrue(isConfig(answer))
        await sender.shutdown()
        await server.close()
    }

    func testShutdownFailsCallersWaitingOnTheLoop() async throws {
        let (server, sender) = try await start { $0.config.faults.delayMilliseconds = 2_000 }
        try await sender.connect()
        let call = Task(executorPreference: sender.taskExecutor) { try await sender.invoke(self.getConfig) }
        try await Task.sleep(for: .milliseconds(100))
        await sender.shutdown()
        do {
            _ = try await call.value
            XCTFail("answered after shutdown")
        } catch SenderError.shutDown {
        }
        do {
            _ = try await sender.invoke(getConfig)
            XCTFail("a shut-down sender took a request")
        } catch SenderError.shutDown {
        }
        await server.close()
    }
}
