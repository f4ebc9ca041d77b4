import Foundation
import MTCrypto
import MTNetwork
import MTProto
import XCTest
@testable import TestDC

/// The server on real loopback sockets, driven by our own MTConnection.
final class ServerSocketTests: XCTestCase {
    func testEveryConnectionGetsItsAnswerWithoutFurtherInput() async throws {
        var options = TestDCOptions()
        options.dcCount = 1
        let server = try await TestDCServer.start(options)
        defer { Task { await server.close() } }
        for _ in 0..<4 {
            let connection = try await MTConnection.open(to: DataCenter(id: 1, host: "127.0.0.1", port: server.dcs[0].port, isTest: false, isMedia: false), transport: .intermediate, obfuscated: false, proxy: nil, timeout: .seconds(5))
            var exchange = ClientAuthKeyExchange(dcID: 1, serverKeys: [server.publicKey])
            try await connection.send(exchange.start(now: Date()))
            let answer = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask { for try await p in connection.packets { return p }; return nil }
                group.addTask { try await Task.sleep(nanoseconds: 3_000_000_000); return nil }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
            XCTAssertNotNil(answer, "res_pq must arrive without the client sending more")
            await connection.close()
        }
    }
}
