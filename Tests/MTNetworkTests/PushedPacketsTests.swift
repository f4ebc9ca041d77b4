import Foundation
import MTProto
import XCTest
@testable import MTNetwork

/// Packets handed over on the event loop (`deliverPackets`) instead of pulled: order, the
/// end of the connection, and reading that pauses while answers wait to be written.
final class PushedPacketsTests: XCTestCase {
    /// Collects what a pushed connection delivered, from the event loop.
    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var packets: [[UInt8]] = []
        private var end: String?
        func add(_ new: [[UInt8]]) { lock.withLock { packets += new } }
        func ended(_ error: Error?) { lock.withLock { end = error.map { "\($0)" } ?? "clean" } }
        var count: Int { lock.withLock { packets.count } }
        var all: [[UInt8]] { lock.withLock { packets } }
        var ending: String? { lock.withLock { end } }
    }

    func waitUntil(_ seconds: Double, _ condition: () -> Bool) async {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition(), Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func testServerPacketsArriveInOrderAndTheCleanCloseIsReported() async throws {
        let inbox = Inbox()
        let listener = try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: nil) { connection in
            connection.deliverPackets(pauseAbove: 1 << 20, to: { inbox.add($0) }, ended: { inbox.ended($0) })
        }
        for transport in TransportProtocol.allCases {
            let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port),
                                                         transport: transport, obfuscated: transport != .full, proxy: nil,
                                                         timeout: .seconds(5))
            let before = inbox.count
            for i in 0..<200 { try await connection.send([UInt8](repeating: UInt8(i), count: 16 + 4 * (i % 50))) }
            await waitUntil(5) { inbox.count == before + 200 }
            let got = inbox.all.suffix(200)
            XCTAssertEqual(got.map { $0[0] }, (0..<200).map { UInt8($0) }, "\(transport)")
            XCTAssertEqual(got.map(\.count), (0..<200).map { 16 + 4 * ($0 % 50) }, "\(transport)")
            await connection.close()
        }
        await waitUntil(5) { inbox.ending != nil }
        XCTAssertEqual(inbox.ending, "clean")
        await listener.close()
    }

    func testServerStopsReadingWhileItsAnswersWaitForAClientThatDoesNotRead() async throws {
        let pauseAbove = 256 << 10
        let answer = [UInt8](repeating: 7, count: 64 << 10)
        let served = Inbox()
        let maxUnwritten = Maximum()
        let connectionBox = Box<MTServerConnection>()
        let listener = try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: nil) { connection in
            connectionBox.value = connection
            connection.deliverPackets(pauseAbove: pauseAbove, to: { packets in
                served.add(packets)
                for _ in packets { connection.enqueue(answer) }
                maxUnwritten.max(connection.unwrittenBytes)
            }, ended: { served.ended($0) })
        }
        // A client that writes 400 requests (25 MiB of answers) and reads nothing yet.
        let client = try await RawClient.connect(port: listener.port)
        try await client.write([0xee, 0xee, 0xee, 0xee])
        let request: [UInt8] = [16, 0, 0, 0] + [UInt8](repeating: 1, count: 16)
        try await client.write(Array([[UInt8]](repeating: request, count: 400).joined()))
        try await Task.sleep(for: .milliseconds(500))
        let servedWhileStalled = served.count
        XCTAssertLessThan(servedWhileStalled, 400, "the server read on while nobody took its answers")
        // What it holds is bounded: the pause point plus one answer.
        XCTAssertLessThanOrEqual(maxUnwritten.value, pauseAbove + answer.count + 4)
        // Once the client reads, the server reads on and answers everything.
        var received = 0
        let expected = 400 * (answer.count + 4)
        while received < expected {
            guard let chunk = try await client.read() else { break }
            received += chunk.count
        }
        XCTAssertEqual(received, expected)
        XCTAssertEqual(served.count, 400)
        await connectionBox.value?.close()
        await listener.close()
    }
}

final class Maximum: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    func max(_ x: Int) { lock.withLock { current = Swift.max(current, x) } }
    var value: Int { lock.withLock { current } }
}

final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
