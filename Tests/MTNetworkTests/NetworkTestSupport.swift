import Foundation
import MTProto
import NIOCore
import NIOPosix
import XCTest
@testable import MTNetwork

/// A free TCP port on 127.0.0.1 (bound and released; the caller binds it again at once).
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
func waitUntilListening(port: Int, timeout: TimeInterval = 15) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get() {
            try? await channel.close()
            return
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw ConnectionError.timeout(phase: "waiting for a test peer on port \(port)", seconds: timeout)
}

/// The repository root (this file is Tests/MTNetworkTests/…).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// pproxy (PyPI) as a SOCKS5 or HTTP proxy on a free loopback port, started for one test and
/// stopped by `stop()`. Skips the test when the project's Python environment is missing.
final class PProxy {
    let port: Int
    private let process: Process

    /// - Parameter scheme: `socks5` or `http`; `credentials` as `user:password`.
    init(scheme: String, credentials: String? = nil) async throws {
        let python = ProcessInfo.processInfo.environment["PY"].map { URL(fileURLWithPath: $0, relativeTo: repositoryRoot).path }
            ?? repositoryRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("pproxy tests need the project's Python environment at \(python) (see README)")
        }
        port = try await freeLoopbackPort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "pproxy", "-l", "\(scheme)://127.0.0.1:\(port)" + (credentials.map { "#\($0)" } ?? "")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            try await waitUntilListening(port: port)
        } catch {
            stop()
            throw error
        }
    }

    func stop() {
        // SIGKILL: a child spawned from a Swift concurrency thread may inherit a mask that blocks SIGTERM.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Records what the test server's handler saw.
final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [TransportProtocol] = []
    private var dcs: [Int?] = []
    func add(_ connection: MTServerConnection) { lock.withLock { items.append(connection.transport); dcs.append(connection.headerDCID) } }
    var transports: [TransportProtocol] { lock.withLock { items } }
    var headerDCIDs: [Int?] { lock.withLock { dcs } }
}

/// A loopback MTProto echo server: each packet comes back reversed (so an echo proves the
/// server decoded it), and a packet `[0xde, 0xad, 0xbe, 0xef]` is answered with transport error -404.
func startEchoServer(secret: MTProxySecret? = nil, seen: Seen = Seen()) async throws -> MTListener {
    try await MTListener.bind(host: "127.0.0.1", port: 0, mtproxySecret: secret) { connection in
        seen.add(connection)
        do {
            for try await packet in connection.packets {
                if packet == [0xde, 0xad, 0xbe, 0xef] {
                    await connection.sendTransportError(-404)
                    return
                }
                try await connection.send(Array(packet.reversed()))
            }
        } catch {}
        await connection.close()
    }
}

/// Sends packets of several sizes and checks each comes back reversed, in order.
func assertEchoes(_ connection: MTConnection, file: StaticString = #filePath, line: UInt = #line) async throws {
    var iterator = connection.packets.makeAsyncIterator()
    let sizes = [8, 40, 508, 512, 4096, 70_000]
    for (n, size) in sizes.enumerated() {
        let packet = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ n) }
        try await connection.send(packet)
        let back = try await iterator.next()
        XCTAssertEqual(back, Array(packet.reversed()), "packet of \(size) bytes", file: file, line: line)
    }
    // Many in flight at once, answered in order.
    let burst = (0..<50).map { i in [UInt8](repeating: UInt8(i), count: 4 * (i + 1)) }
    for packet in burst { try await connection.send(packet) }
    for packet in burst {
        let back = try await iterator.next()
        XCTAssertEqual(back, packet, file: file, line: line)
    }
}

/// Expects `body` to throw a `ConnectionError` matching `check`.
func expectConnectionError(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line,
                           _ check: (ConnectionError) -> Bool) async {
    do {
        try await body()
        XCTFail("expected a ConnectionError", file: file, line: line)
    } catch let error as ConnectionError {
        XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
    } catch {
        XCTFail("expected a ConnectionError, got \(error)", file: file, line: line)
    }
}

/// A bare TCP client for sending arbitrary bytes to a listener.
struct RawClient {
    let channel: Channel
    private let bytes: ChannelBytes

    static func connect(port: Int) async throws -> RawClient {
        let (handler, makeBytes) = ChannelBytes.makeHandler()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.autoRead, value: false)
            .channelInitializer { $0.pipeline.addHandler(handler) }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, bytes: makeBytes(channel))
    }

    func write(_ data: [UInt8]) async throws { try await bytes.write(data).get() }

    /// The next bytes from the peer, nil once it has closed.
    func read() async throws -> [UInt8]? { try await bytes.next() }

    /// Whether the peer closed within `timeout` seconds (reading and discarding what it sends).
    func waitForClose(timeout: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            do {
                guard (try await bytes.next()) != nil else { return true }
            } catch {
                return true
            }
        }
        return false
    }
}
