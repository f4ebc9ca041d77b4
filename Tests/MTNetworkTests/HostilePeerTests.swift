import Foundation
import MTProto
import XCTest
@testable import MTNetwork

/// Hostile bytes over real sockets: a server that answers with broken framing makes the
/// client's `packets` throw a typed error; a client that sends garbage is dropped by the
/// listener, which goes on serving others.
final class HostilePeerTests: XCTestCase {
    private func firstPacketError(transport: TransportProtocol, serverReply: [UInt8]) async throws -> Error? {
        let server = try await ScriptedProxy(replies: [serverReply])
        defer { Task { await server.close() } }
        let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: server.port), transport: transport,
                                                     obfuscated: false, proxy: nil, timeout: .seconds(5))
        try await connection.send([UInt8](repeating: 1, count: 40))
        var iterator = connection.packets.makeAsyncIterator()
        do {
            _ = try await iterator.next()
            return nil
        } catch {
            return error
        }
    }

    func testTwoGigabyteLengthFromServer() async throws {
        let error = try await firstPacketError(transport: .intermediate, serverReply: [0x00, 0x00, 0x00, 0x80])
        XCTAssertEqual(error as? ConnectionError, .transport(.negativeLength(Int(Int32.min))))
    }

    func testOversizedFrameFromServer() async throws {
        let error = try await firstPacketError(transport: .abridged, serverReply: [0x7f, 0xff, 0xff, 0xff])
        XCTAssertEqual(error as? ConnectionError, .transport(.frameTooLarge(size: 0xffffff * 4, limit: 16 << 20)))
    }

    func testBadCRCFromServer() async throws {
        var frame: [UInt8] = [16, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        frame += [0, 0, 0, 0]   // a checksum that cannot match
        let error = try await firstPacketError(transport: .full, serverReply: frame)
        guard case ConnectionError.transport(.badCRC)? = error as? ConnectionError else { return XCTFail("\(String(describing: error))") }
    }

    func testTruncatedFrameThenCloseEndsTheStream() async throws {
        let server = try await ScriptedProxy(replies: [[40, 0, 0, 0, 1, 2, 3]], closeAfterReplies: true)
        let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: server.port), transport: .intermediate,
                                                     obfuscated: false, proxy: nil, timeout: .seconds(5))
        var iterator = connection.packets.makeAsyncIterator()
        do {
            let next = try await iterator.next()
            XCTAssertNil(next, "a half frame followed by close is the end of the stream, not a packet")
        } catch {
            XCTAssertEqual(error as? ConnectionError, .closed)
        }
        await server.close()
    }

    func testListenerDropsGarbageClientsAndKeepsServing() async throws {
        let listener = try await startEchoServer(secret: try MTProxySecret(parsing: "ee" + String(repeating: "42", count: 16) + "6578616d706c652e636f6d"))
        // Garbage in every shape an MTProxy port sees from scanners.
        for garbage in [Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), [0x16, 0x03, 0x01, 0xff, 0xff] + [UInt8](repeating: 0, count: 100),
                        [UInt8](repeating: 0xee, count: 70), (0..<600).map { UInt8(truncatingIfNeeded: $0 * 37) }] {
            let connection = try await RawClient.connect(port: listener.port)
            try await connection.write(garbage)
            let closed = try await connection.waitForClose(timeout: 5)
            XCTAssertTrue(closed, "listener closes a connection that sent \(garbage.prefix(8))")
        }
        let secret = try MTProxySecret(parsing: "ee" + String(repeating: "42", count: 16) + "6578616d706c652e636f6d")
        let good = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .intermediate, obfuscated: true,
                                               proxy: .mtproxy(host: "127.0.0.1", port: listener.port, secret: secret), timeout: .seconds(5))
        try await assertEchoes(good)
        await good.close()
        await listener.close()
    }
}

final class OpeningCancellationTests: XCTestCase {
    func testCancelledOpenIsNotReportedAsTimeout() async throws {
        let silent = try await ScriptedProxy(replies: [])
        let task = Task {
            try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .abridged, obfuscated: false,
                                        proxy: .socks5(host: "127.0.0.1", port: silent.port), timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(200))
        let started = Date()
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled open must not succeed")
        } catch let error as ConnectionError {
            if case .timeout = error { XCTFail("cancellation reported as a timeout") }
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        await silent.close()
    }
}
