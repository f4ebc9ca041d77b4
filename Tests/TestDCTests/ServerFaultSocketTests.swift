import Foundation
import MTCrypto
import MTNetwork
import MTProto
import TL
import XCTest
@testable import TestDC

/// Fault injections and timeouts as a client sees them on a real loopback socket.
final class ServerFaultSocketTests: XCTestCase {
    enum Outcome: Equatable { case answered(Int32), closedAfterKeyExchange, closedDuringKeyExchange }

    func start(idleTimeout: Int = 180, _ edit: (inout TestDCConfig.Faults) -> Void = { _ in }) async throws -> TestDCServer {
        var options = TestDCOptions()
        options.dcCount = 1
        options.idleTimeout = idleTimeout
        edit(&options.config.faults)
        return try await TestDCServer.start(options)
    }

    /// The next packet, nil when the connection ended (cleanly, with an error, or cut mid-frame) or after `seconds`.
    func nextPacket(_ packets: inout AsyncThrowingStream<[UInt8], Error>.AsyncIterator, seconds: Double = 5) async -> [UInt8]? {
        nonisolated(unsafe) var iterator = packets
        let result = await withTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try? await iterator.next() }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return nil }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        packets = iterator
        return result
    }

    /// Key exchange then `help.getNearestDc` on one connection, telling how far it got.
    func callNearestDC(_ server: TestDCServer, transport: TransportProtocol = .intermediate) async throws -> (Outcome, TimeInterval) {
        let connection = try await MTConnection.open(to: DataCenter(id: 1, host: "127.0.0.1", port: server.dcs[0].port), transport: transport,
                                                     obfuscated: true, proxy: nil, timeout: .seconds(5))
        defer { Task { await connection.close() } }
        var packets = connection.packets.makeAsyncIterator()
        var exchange = ClientAuthKeyExchange(dcID: 1, serverKeys: [server.publicKey])
        try await connection.send(exchange.start(now: Date()))
        var session: ClientSession?
        while session == nil {
            guard let packet = await nextPacket(&packets) else { return (.closedDuringKeyExchange, 0) }
            switch try exchange.handle(packet, now: Date()) {
            case .send(let next): try await connection.send(next)
            case .done(let created): session = ClientSession(authKey: created.authKey, serverSalt: created.serverSalt, timeOffset: created.timeOffset)
            }
        }
        let started = Date()
        let id = session!.enqueue(try TLSchema.shared.encode(TLObject(name: "help.getNearestDc")))
        for _ in 0..<6 {
            if let out = session!.nextPacket(now: Date()) { try await connection.send(out) }
            guard let packet = await nextPacket(&packets) else { return (.closedAfterKeyExchange, Date().timeIntervalSince(started)) }
            for case .result(id, let body) in session!.handle(packet, now: Date()) {
                let dc = try TLSchema.shared.decode(body, type: "NearestDc")["this_dc"]?.int32 ?? -1
                return (.answered(dc), Date().timeIntervalSince(started))
            }
        }
        return (.closedAfterKeyExchange, Date().timeIntervalSince(started))
    }

    func testWithoutFaultsTheCallIsAnswered() async throws {
        let server = try await start()
        let (outcome, _) = try await callNearestDC(server)
        XCTAssertEqual(outcome, .answered(1))
        await server.close()
    }

    func testCloseMidFrameAtMethodCutsTheAnswer() async throws {
        let server = try await start { $0.closeMidFrameAtMethod = "help.getNearestDc" }
        for transport in [TransportProtocol.abridged, .intermediate, .paddedIntermediate] {
            let (outcome, _) = try await callNearestDC(server, transport: transport)
            XCTAssertEqual(outcome, .closedAfterKeyExchange, "\(transport)")
        }
        await server.close()
    }

    func testDropAtMethodClosesWithoutAnswering() async throws {
        let server = try await start { $0.dropAtMethod = "help.getNearestDc" }
        let (outcome, _) = try await callNearestDC(server)
        XCTAssertEqual(outcome, .closedAfterKeyExchange)
        await server.close()
    }

    func testDropAfterFramesClosesMidKeyExchange() async throws {
        let server = try await start { $0.dropAfterFrames = 1 }
        let (outcome, _) = try await callNearestDC(server)
        XCTAssertEqual(outcome, .closedDuringKeyExchange)
        await server.close()
    }

    func testInjectedDelayHoldsTheAnswer() async throws {
        let server = try await start { $0.delayMilliseconds = 400 }
        let (outcome, took) = try await callNearestDC(server)
        XCTAssertEqual(outcome, .answered(1))
        XCTAssertGreaterThan(took, 0.35)
        await server.close()
    }

    func testConnectionsPastTheCapAreClosedAndCountedAcrossDCs() async throws {
        var options = TestDCOptions()
        options.dcCount = 2
        options.maxConnections = 2
        let server = try await TestDCServer.start(options)
        let first = try RawSocket(port: server.dcs[0].port)
        let second = try RawSocket(port: server.dcs[1].port)
        first.send([0xef])
        second.send([0xef])
        let deadline = Date().addingTimeInterval(3)
        while server.openConnections < 2, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(server.openConnections, 2)
        let third = try RawSocket(port: server.dcs[0].port)
        XCTAssertTrue(third.receive().closed, "a third connection is past the cap")
        XCTAssertEqual(server.openConnections, 2)
        await server.close()
        withExtendedLifetime((first, second)) {}
    }

    func testIdleConnectionsAreClosed() async throws {
        let server = try await start(idleTimeout: 1)
        let connection = try await MTConnection.open(to: DataCenter(id: 1, host: "127.0.0.1", port: server.dcs[0].port), transport: .intermediate,
                                                     obfuscated: true, proxy: nil, timeout: .seconds(5))
        var packets = connection.packets.makeAsyncIterator()
        var exchange = ClientAuthKeyExchange(dcID: 1, serverKeys: [server.publicKey])
        try await connection.send(exchange.start(now: Date()))
        let resPQ = await nextPacket(&packets)
        XCTAssertNotNil(resPQ)
        let started = Date()
        let after = await nextPacket(&packets, seconds: 5)
        XCTAssertNil(after)
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(waited, 0.8)
        XCTAssertLessThan(waited, 4)
        await connection.close()
        await server.close()
    }
}
