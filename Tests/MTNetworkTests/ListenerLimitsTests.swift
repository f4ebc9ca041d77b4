import Foundation
import MTProto
import XCTest
@testable import MTNetwork

/// MTListener's limits (idle timeout, connection cap, frame cap) and the server connection's
/// ordered queueing and fault-injection close, over loopback sockets.
final class ListenerLimitsTests: XCTestCase {
    /// How the next read on a client connection ended.
    enum Next: Equatable { case packet([UInt8]), ended, stillOpen }

    func next(_ iterator: inout AsyncThrowingStream<[UInt8], Error>.AsyncIterator, within seconds: Double) async -> Next {
        let box = IteratorBox(iterator)
        let result = await withTaskGroup(of: Next.self) { group in
            group.addTask {
                do { return try await box.next().map(Next.packet) ?? .ended } catch { return .ended }
            }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return .stillOpen }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        iterator = box.iterator
        return result
    }

    func open(_ listener: MTListener, transport: TransportProtocol = .intermediate) async throws -> MTConnection {
        try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port), transport: transport,
                                    obfuscated: transport != .full, proxy: nil, timeout: .seconds(5))
    }

    func echo(limits: MTListener.Limits) async throws -> MTListener {
        try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: nil, limits: limits) { connection in
            do { for try await packet in connection.packets { try await connection.send(packet) } } catch {}
            await connection.close()
        }
    }

    func testSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        let listener = try await echo(limits: .init(idleTimeout: .milliseconds(600)))
        let connection = try await open(listener)
        var packets = connection.packets.makeAsyncIterator()
        try await connection.send([1, 2, 3, 4])
        let echoed = await next(&packets, within: 3)
        XCTAssertEqual(echoed, .packet([1, 2, 3, 4]))
        let started = Date()
        let closed = await next(&packets, within: 5)
        XCTAssertEqual(closed, .ended)
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 0.4)
        await connection.close()
        await listener.close()
    }

    func testPacketsKeepAConnectionOpenPastTheIdleTimeout() async throws {
        let listener = try await echo(limits: .init(idleTimeout: .milliseconds(800)))
        let connection = try await open(listener)
        var packets = connection.packets.makeAsyncIterator()
        for i in 0..<6 {
            try await connection.send([UInt8(i), 0, 0, 0])
            let echoed = await next(&packets, within: 3)
            XCTAssertEqual(echoed, .packet([UInt8(i), 0, 0, 0]), "packet \(i)")
            try await Task.sleep(for: .milliseconds(400))
        }
        await connection.close()
        await listener.close()
    }

    func testCloseWhenSilentClosesALinkWithoutAnIdleTimeout() async throws {
        let listener = try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: nil) { connection in
            do {
                for try await packet in connection.packets {
                    connection.closeWhenSilent(after: .milliseconds(500))
                    try await connection.send(packet)
                }
            } catch {}
        }
        let connection = try await open(listener)
        var packets = connection.packets.makeAsyncIterator()
        // Each packet moves the deadline: the first one's must not close the connection later.
        for i in 0..<5 {
            try await connection.send([9, 9, 9, UInt8(i)])
            let echoed = await next(&packets, within: 3)
            XCTAssertEqual(echoed, .packet([9, 9, 9, UInt8(i)]), "packet \(i)")
            try await Task.sleep(for: .milliseconds(300))
        }
        let closed = await next(&packets, within: 3)
        XCTAssertEqual(closed, .ended)
        await connection.close()
        await listener.close()
    }

    func testConnectionsPastTheCounterLimitAreRefusedUntilOneCloses() async throws {
        let counter = MTConnectionCounter(limit: 2)
        let listener = try await echo(limits: .init(connections: counter))
        let first = try await open(listener)
        let second = try await open(listener)
        let refused = try await RawClient.connect(port: listener.port)
        let refusedClosed = try await refused.waitForClose(timeout: 3)
        XCTAssertTrue(refusedClosed)
        XCTAssertEqual(counter.current, 2)
        await first.close()
        let deadline = Date().addingTimeInterval(3)
        while counter.current > 1, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertEqual(counter.current, 1)
        let third = try await open(listener)
        var packets = third.packets.makeAsyncIterator()
        try await third.send([5, 5, 5, 5])
        let echoed = await next(&packets, within: 3)
        XCTAssertEqual(echoed, .packet([5, 5, 5, 5]))
        await second.close()
        await third.close()
        await listener.close()
    }

    func testFramesOverTheCapCloseTheConnection() async throws {
        let listener = try await echo(limits: .init(maxFrameSize: 1024))
        let connection = try await open(listener)
        var packets = connection.packets.makeAsyncIterator()
        try await connection.send([UInt8](repeating: 1, count: 1024))
        let fits = await next(&packets, within: 3)
        XCTAssertEqual(fits, .packet([UInt8](repeating: 1, count: 1024)))
        try await connection.send([UInt8](repeating: 2, count: 2048))
        let refused = await next(&packets, within: 3)
        XCTAssertEqual(refused, .ended)
        await connection.close()
        await listener.close()
    }

    func testHalfFrameAndCloseLeavesTheClientWithoutThePacket() async throws {
        let listener = try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: nil) { connection in
            do {
                for try await _ in connection.packets {
                    try await connection.send([1, 1, 1, 1])
                    await connection.sendHalfFrameAndClose([UInt8](repeating: 7, count: 4000))
                }
            } catch {}
        }
        for transport in TransportProtocol.allCases {
            let connection = try await open(listener, transport: transport)
            var packets = connection.packets.makeAsyncIterator()
            try await connection.send([0, 0, 0, 0])
            let whole = await next(&packets, within: 3)
            XCTAssertEqual(whole, .packet([1, 1, 1, 1]), "\(transport)")
            let cut = await next(&packets, within: 3)
            XCTAssertEqual(cut, .ended, "\(transport)")
            await connection.close()
        }
        await listener.close()
    }

    func testEnqueuedPacketsArriveInOrderAndFlushEmptiesTheQueue() async throws {
        let unwrittenAfterFlush = Unwritten()
        let listener = try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: nil) { connection in
            do {
                for try await _ in connection.packets {
                    for i in 0..<200 { connection.enqueue([UInt8](repeating: UInt8(i), count: 4096)) }
                    try await connection.flush()
                    unwrittenAfterFlush.set(connection.unwrittenBytes)
                }
            } catch {}
            await connection.close()
        }
        let connection = try await open(listener, transport: .full)
        var packets = connection.packets.makeAsyncIterator()
        try await connection.send([0, 0, 0, 0])
        for i in 0..<200 {
            let packet = await next(&packets, within: 5)
            XCTAssertEqual(packet, .packet([UInt8](repeating: UInt8(i), count: 4096)), "packet \(i)")
        }
        let deadline = Date().addingTimeInterval(3)
        while unwrittenAfterFlush.value == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(unwrittenAfterFlush.value, 0)
        await connection.close()
        await listener.close()
    }
}

/// Lets a test keep one iterator across reads that race a timeout.
private final class IteratorBox: @unchecked Sendable {
    var iterator: AsyncThrowingStream<[UInt8], Error>.AsyncIterator
    init(_ iterator: AsyncThrowingStream<[UInt8], Error>.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> [UInt8]? { try await iterator.next() }
}

private final class Unwritten: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Int?
    var value: Int? { lock.withLock { seen } }
    func set(_ count: Int) { lock.withLock { seen = count } }
}
