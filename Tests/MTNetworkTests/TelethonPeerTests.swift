import Foundation
import MTProto
import XCTest
@testable import MTNetwork

/// Telethon 1.45.0's own connection classes (telethon.network.connection) over real sockets to
/// our MTListener: every transport it has, obfuscated2, and MTProxy with plain and `dd` secrets.
/// Needs the project's Python environment (.venv); skipped without it.
final class TelethonPeerTests: XCTestCase {
    /// Connects with each named Telethon connection class, sends packets, expects them reversed.
    private static let peerScript = #"""
import asyncio, collections, logging, sys
from telethon.network import connection as c

port, secret = int(sys.argv[1]), sys.argv[2]
names = sys.argv[3:]
loggers = collections.defaultdict(lambda: logging.getLogger("peer"))

async def main():
    for name in names:
        cls = getattr(c, name)
        proxy = ("127.0.0.1", port, secret) if secret != "-" else None
        conn = cls("127.0.0.1", port, 2, loggers=loggers, proxy=proxy)
        await conn.connect(timeout=10)
        for size in (8, 40, 508, 512, 4096, 70000):
            packet = bytes((i * 13 + size) % 256 for i in range(size))
            await conn.send(packet)
            back = await asyncio.wait_for(conn.recv(), 10)
            assert back == packet[::-1], f"{name}: {size}-byte packet came back wrong"
        await conn.disconnect()
        print("ok", name, flush=True)

asyncio.run(main())
"""#

    /// Runs the peer without blocking a concurrency thread (the listener needs them); killed after 60 s.
    private func runPeer(port: Int, secret: String, classes: [String]) async throws -> String {
        let python = repositoryRoot.appendingPathComponent(".venv/bin/python").path
        let chosen = ProcessInfo.processInfo.environment["PY"].map { URL(fileURLWithPath: $0, relativeTo: repositoryRoot).path } ?? python
        guard FileManager.default.isExecutableFile(atPath: chosen) else { throw XCTSkip("Telethon peer tests need \(chosen) (see README)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chosen)
        process.arguments = ["-c", Self.peerScript, String(port), secret] + classes
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let exited = AsyncStream<Void> { continuation in
            process.terminationHandler = { _ in continuation.finish() }
        }
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            kill(process.processIdentifier, SIGKILL)
        }
        for await _ in exited {}
        watchdog.cancel()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        return text
    }

    func testTelethonTransportsAgainstListener() async throws {
        let seen = Seen()
        let listener = try await startEchoServer(seen: seen)
        let classes = ["ConnectionTcpFull", "ConnectionTcpAbridged", "ConnectionTcpIntermediate", "ConnectionTcpObfuscated"]
        let port = listener.port
        let text = try await runPeer(port: port, secret: "-", classes: classes)
        for name in classes { XCTAssertTrue(text.contains("ok \(name)"), text) }
        XCTAssertEqual(seen.transports, [.full, .abridged, .intermediate, .abridged])
        await listener.close()
    }

    func testTelethonMTProxyAgainstListener() async throws {
        let key = "00112233445566778899aabbccddeeff"
        let plain = try await startEchoServer(secret: try MTProxySecret(parsing: key))
        let plainPort = plain.port
        let text = try await runPeer(port: plainPort, secret: key, classes: ["ConnectionTcpMTProxyAbridged", "ConnectionTcpMTProxyIntermediate"])
        XCTAssertTrue(text.contains("ok ConnectionTcpMTProxyAbridged") && text.contains("ok ConnectionTcpMTProxyIntermediate"), text)
        await plain.close()

        let seen = Seen()
        let dd = try await startEchoServer(secret: try MTProxySecret(parsing: "dd" + key), seen: seen)
        let ddPort = dd.port
        let ddText = try await runPeer(port: ddPort, secret: "dd" + key, classes: ["ConnectionTcpMTProxyRandomizedIntermediate"])
        XCTAssertTrue(ddText.contains("ok ConnectionTcpMTProxyRandomizedIntermediate"), ddText)
        XCTAssertEqual(seen.transports, [.paddedIntermediate])
        XCTAssertEqual(seen.headerDCIDs, [2])
        await dd.close()
    }
}
