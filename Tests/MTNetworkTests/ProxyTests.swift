import Foundation
import MTProto
import NIOCore
import NIOPosix
import XCTest
@testable import MTNetwork

/// MTConnection through real proxies on loopback (pproxy, started per test) and through
/// scripted fake proxies for reply codes, silence and what exactly is sent to the proxy.
final class ProxyTests: XCTestCase {
    // MARK: pproxy

    func testSOCKS5WithoutPasswordPassesTheHostName() async throws {
        let proxy = try await PProxy(scheme: "socks5")
        defer { proxy.stop() }
        let listener = try await startEchoServer()
        // "localhost" is resolved by the proxy, not by us.
        let dc = DataCenter(id: 2, host: "localhost", port: listener.port)
        for transport in TransportProtocol.allCases {
            let connection = try await MTConnection.open(to: dc, transport: transport, obfuscated: transport != .full,
                                                         proxy: .socks5(host: "127.0.0.1", port: proxy.port), timeout: .seconds(15))
            try await assertEchoes(connection)
            await connection.close()
        }
        await listener.close()
    }

    func testSOCKS5WithUsernameAndPassword() async throws {
        let proxy = try await PProxy(scheme: "socks5", credentials: "alice:s3cret")
        defer { proxy.stop() }
        let listener = try await startEchoServer()
        let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port), transport: .intermediate,
                                                     obfuscated: true, proxy: .socks5(host: "127.0.0.1", port: proxy.port, username: "alice", password: "s3cret"),
                                                     timeout: .seconds(15))
        try await assertEchoes(connection)
        await connection.close()
        await listener.close()
    }

    func testSOCKS5WrongPasswordIsAuthenticationRefused() async throws {
        let proxy = try await PProxy(scheme: "socks5", credentials: "alice:s3cret")
        defer { proxy.stop() }
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .abridged, obfuscated: false,
                                            proxy: .socks5(host: "127.0.0.1", port: proxy.port, username: "alice", password: "wrong-password"),
                                            timeout: .seconds(15))
        }) { error in
            guard case .proxyAuthenticationRefused = error else { return false }
            return !error.description.contains("wrong-password")
        }
    }

    func testHTTPConnectWithBasicAuth() async throws {
        let proxy = try await PProxy(scheme: "http", credentials: "bob:pa55")
        defer { proxy.stop() }
        let listener = try await startEchoServer()
        for transport in [TransportProtocol.full, .abridged] {
            let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "localhost", port: listener.port), transport: transport,
                                                         obfuscated: false, proxy: .http(host: "127.0.0.1", port: proxy.port, username: "bob", password: "pa55"),
                                                         timeout: .seconds(15))
            try await assertEchoes(connection)
            await connection.close()
        }
        await listener.close()
    }

    func testHTTPWithoutPasswordAndWithAWrongOne() async throws {
        let proxy = try await PProxy(scheme: "http", credentials: "bob:pa55")
        defer { proxy.stop() }
        let dc = DataCenter(id: 2, host: "127.0.0.1", port: 1)
        await expectConnectionError({
            _ = try await MTConnection.open(to: dc, transport: .abridged, obfuscated: false, proxy: .http(host: "127.0.0.1", port: proxy.port), timeout: .seconds(15))
        }) { if case .proxyAuthenticationRequired = $0 { return true } else { return false } }
        await expectConnectionError({
            _ = try await MTConnection.open(to: dc, transport: .abridged, obfuscated: false,
                                            proxy: .http(host: "127.0.0.1", port: proxy.port, username: "bob", password: "nope"), timeout: .seconds(15))
        }) { if case .proxyAuthenticationRefused(_, let reason) = $0 { return reason.contains("407") } else { return false } }
    }

    func testHTTPProxyWithoutAuth() async throws {
        let proxy = try await PProxy(scheme: "http")
        defer { proxy.stop() }
        let listener = try await startEchoServer()
        let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port), transport: .paddedIntermediate,
                                                     obfuscated: true, proxy: .http(host: "127.0.0.1", port: proxy.port), timeout: .seconds(15))
        try await assertEchoes(connection)
        await connection.close()
        await listener.close()
    }

    // MARK: failures without a proxy process

    func testProxyNotListeningIsProxyUnreachable() async throws {
        let port = try await freeLoopbackPort()
        for proxy in [Proxy.socks5(host: "127.0.0.1", port: port), .http(host: "127.0.0.1", port: port, username: "u", password: "p"),
                      .mtproxy(host: "127.0.0.1", port: port, secret: try MTProxySecret(parsing: "dd" + String(repeating: "ab", count: 16)))] {
            await expectConnectionError({
                _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .abridged, obfuscated: false, proxy: proxy, timeout: .seconds(5))
            }) { if case .proxyUnreachable = $0 { return true } else { return false } }
        }
    }

    func testSOCKS5ReplyCodeAndRequestBytes() async throws {
        // Greeting → no auth; connect request → reply 5 (connection refused).
        let fake = try await ScriptedProxy(replies: [[0x05, 0x00], [0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0]])
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "dc2.example.invalid", port: 443), transport: .abridged, obfuscated: false,
                                            proxy: .socks5(host: "127.0.0.1", port: fake.port), timeout: .seconds(5))
        }) { if case .proxyReplyCode(_, 5, let meaning) = $0 { return meaning == "connection refused" } else { return false } }
        let name = Array("dc2.example.invalid".utf8)
        XCTAssertEqual(fake.received, [0x05, 0x01, 0x00] + [0x05, 0x01, 0x00, 0x03, UInt8(name.count)] + name + [0x01, 0xbb],
                       "the DNS name goes to the proxy unresolved")
        await fake.close()
    }

    func testSOCKS5RFC1929Bytes() async throws {
        let fake = try await ScriptedProxy(replies: [[0x05, 0x02], [0x01, 0x01]])
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "10.0.0.1", port: 80), transport: .abridged, obfuscated: false,
                                            proxy: .socks5(host: "127.0.0.1", port: fake.port, username: "user", password: "pw"), timeout: .seconds(5))
        }) { if case .proxyAuthenticationRefused(_, let reason) = $0 { return reason == "status 1" } else { return false } }
        XCTAssertEqual(fake.received, [0x05, 0x02, 0x00, 0x02] + [0x01, 4] + Array("user".utf8) + [2] + Array("pw".utf8))
        await fake.close()
    }

    func testSOCKS5NeedsCredentialsWeDoNotHave() async throws {
        let fake = try await ScriptedProxy(replies: [[0x05, 0xff]])
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .abridged, obfuscated: false,
                                            proxy: .socks5(host: "127.0.0.1", port: fake.port), timeout: .seconds(5))
        }) { if case .proxyAuthenticationRequired = $0 { return true } else { return false } }
        await fake.close()
    }

    func testHTTPReplyCode() async throws {
        let fake = try await ScriptedProxy(replies: [Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8)])
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 443), transport: .abridged, obfuscated: false,
                                            proxy: .http(host: "127.0.0.1", port: fake.port, username: "u", password: "p"), timeout: .seconds(5))
        }) { if case .proxyReplyCode(_, 502, "Bad Gateway") = $0 { return true } else { return false } }
        let request = String(decoding: fake.received, as: UTF8.self)
        XCTAssertTrue(request.hasPrefix("CONNECT 127.0.0.1:443 HTTP/1.1\r\n"), request)
        XCTAssertTrue(request.contains("Proxy-Authorization: Basic dTpw\r\n"), request)
        await fake.close()
    }

    func testSilentProxyTimesOutNamingThePhase() async throws {
        let fake = try await ScriptedProxy(replies: [])
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .abridged, obfuscated: false,
                                            proxy: .socks5(host: "127.0.0.1", port: fake.port), timeout: .milliseconds(500))
        }) { if case .timeout(let phase, _) = $0 { return phase.contains("SOCKS5 greeting") } else { return false } }
        await fake.close()
    }

    func testProxyClosingMidHandshake() async throws {
        let fake = try await ScriptedProxy(replies: [[0x05, 0x00]], closeAfterReplies: true)
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .abridged, obfuscated: false,
                                            proxy: .socks5(host: "127.0.0.1", port: fake.port), timeout: .seconds(5))
        }) { if case .proxyClosed(_, let phase) = $0 { return phase.contains("connect") } else { return false } }
        await fake.close()
    }
}

/// A fake proxy on loopback: answers the n-th read with the n-th reply and records every byte.
final class ScriptedProxy: @unchecked Sendable {
    let port: Int
    private let channel: Channel
    private let recorder: Recorder

    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var bytes: [UInt8] = []
    }

    init(replies: [[UInt8]], closeAfterReplies: Bool = false) async throws {
        let recorder = Recorder()
        self.recorder = recorder
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.pipeline.addHandler(ScriptedHandler(replies: replies, closeAfterReplies: closeAfterReplies, recorder: recorder))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    var received: [UInt8] { recorder.lock.withLock { recorder.bytes } }

    func close() async { try? await channel.close() }

    private final class ScriptedHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var replies: [[UInt8]]
        let closeAfterReplies: Bool
        let recorder: Recorder

        init(replies: [[UInt8]], closeAfterReplies: Bool, recorder: Recorder) {
            self.replies = replies
            self.closeAfterReplies = closeAfterReplies
            self.recorder = recorder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            recorder.lock.withLock { recorder.bytes += bytes }
            guard !replies.isEmpty else { return }
            let reply = replies.removeFirst()
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: reply)), promise: nil)
            if replies.isEmpty, closeAfterReplies { context.close(promise: nil) }
        }
    }
}
