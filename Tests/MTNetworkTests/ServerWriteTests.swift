import Foundation
import MTProto
import XCTest
@testable import MTNetwork

/// The server writes much more than the socket buffers hold while the client sends nothing:
/// writes must go on without waiting for the client's next bytes.
final class ServerWriteTests: XCTestCase {
    func testLargeServerBurstWithoutClientTraffic() async throws {
        let listener = try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: nil) { connection in
            do {
                for try await _ in connection.packets {
                    for i in 0..<16 { try await connection.send([UInt8](repeating: UInt8(i), count: 1 << 20)) }
                }
            } catch {}
            await connection.close()
        }
        for transport in TransportProtocol.allCases {
            let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port), transport: transport,
                                                         obfuscated: transport != .full, proxy: nil, timeout: .seconds(5))
            try await connection.send([1, 2, 3, 4, 5, 6, 7, 8])
            var iterator = connection.packets.makeAsyncIterator()
            let started = Date()
            for i in 0..<16 {
                let packet = try await iterator.next()
                XCTAssertEqual(packet?.count, 1 << 20)
                XCTAssertEqual(packet?.first, UInt8(i))
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 10, "\(transport)")
            await connection.close()
        }
        await listener.close()
    }

    func testManyConcurrentSendersOneConnection() async throws {
        let listener = try await startEchoServer()
        let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port), transport: .full,
                                                     obfuscated: false, proxy: nil, timeout: .seconds(5))
        // 100 concurrent sends: the full transport's sequence numbers and CRCs stay consistent.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<100 { group.addTask { try await connection.send([UInt8](repeating: UInt8(i), count: 64)) } }
            try await group.waitForAll()
        }
        var seen = Set<UInt8>()
        var iterator = connection.packets.makeAsyncIterator()
        for _ in 0..<100 {
            guard let packet = try await iterator.next() else { return XCTFail("stream ended") }
            seen.insert(packet[0])
        }
        XCTAssertEqual(seen.count, 100)
        await connection.close()
        await listener.close()
    }
}
