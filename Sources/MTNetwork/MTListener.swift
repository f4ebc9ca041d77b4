import Foundation
import MTProto
import NIOCore
import NIOPosix

/// A listening socket for the test server: each accepted connection's transport is detected
/// from its first bytes (any transport, or only MTProxy with `mtproxySecret`), then `handler`
/// runs with it. Connections whose opening is refused or silent are closed unseen.
public final class MTListener: Sendable {
    /// The bound port (useful after binding port 0).
    public let port: Int
    public let host: String
    private let serverChannel: Channel

    private init(host: String, port: Int, serverChannel: Channel) {
        self.host = host
        self.port = port
        self.serverChannel = serverChannel
    }

    /// How long a new connection may take to show its transport before it is closed.
    public static let detectionTimeout: Duration = .seconds(30)

    public static func bind(host: String, port: Int, mtproxySecret: MTProxySecret?,
                            handler: @escaping @Sendable (MTServerConnection) async -> Void) async throws -> MTListener {
        let replayGuard = mtproxySecret.map { _ in MTProxyReplayGuard() }
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let (rawHandler, makeBytes) = ChannelBytes.makeHandler()
                let bytes = makeBytes(channel)
                rawHandler.onActive = { Task { await accept(bytes, secret: mtproxySecret, replayGuard: replayGuard, handler: handler) } }
                return channel.pipeline.addHandler(rawHandler)
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw ConnectionError.unreachable(host: host, port: port, reason: "cannot listen: \(error)")
        }
        return MTListener(host: host, port: channel.localAddress?.port ?? port, serverChannel: channel)
    }

    /// Stops accepting; connections already handed to the handler stay open.
    public func close() async {
        try? await serverChannel.close()
    }

    private static func accept(_ bytes: ChannelBytes, secret: MTProxySecret?, replayGuard: MTProxyReplayGuard?,
                               handler: @Sendable (MTServerConnection) async -> Void) async {
        let phase = PhaseRecorder("waiting for the client's transport opening")
        let detected = try? await withDeadline(detectionTimeout, phase: phase, onTimeout: { bytes.channel.close(promise: nil) }) {
            try await detect(bytes, secret: secret, replayGuard: replayGuard)
        }
        guard let detected else {
            try? await bytes.channel.close()
            return
        }
        await handler(MTServerConnection(channel: detected, remoteAddress: bytes.channel.remoteAddress?.description))
    }

    private static func detect(_ bytes: ChannelBytes, secret: MTProxySecret?, replayGuard: MTProxyReplayGuard?) async throws -> PacketChannel {
        var detector = ServerTransportDetector(mtproxySecret: secret, replayGuard: replayGuard)
        while let chunk = try await bytes.next() {
            let result = try detector.feed(chunk)
            let reply = detector.takeReply()
            if !reply.isEmpty { try await bytes.write(reply).get() }
            if let (codec, leftover) = result {
                if !leftover.isEmpty { bytes.unread(leftover) }
                return PacketChannel(bytes: bytes, codec: codec)
            }
        }
        throw ConnectionError.closed
    }
}

/// The server's end of one client connection, its transport already known.
public final class MTServerConnection: Sendable {
    /// Packets from the client as they are pulled; ends when the client closes.
    public let packets: AsyncThrowingStream<[UInt8], Error>
    public let transport: TransportProtocol
    /// The dc id from the client's obfuscated2 header (`nil` for unobfuscated transports).
    public let headerDCID: Int?
    /// The client's address, for logs.
    public let remoteAddress: String?
    private let channel: PacketChannel

    init(channel: PacketChannel, remoteAddress: String?) {
        self.channel = channel
        self.transport = channel.transport
        self.headerDCID = channel.headerDCID
        self.remoteAddress = remoteAddress
        packets = channel.makePacketStream()
    }

    public func send(_ packet: [UInt8]) async throws {
        try await channel.send(packet)
    }

    /// Sends a transport error (e.g. -404 for an unknown auth key) and closes the connection.
    public func sendTransportError(_ code: Int32) async {
        try? await channel.sendTransportError(code)
        await channel.close()
    }

    public func close() async {
        await channel.close()
    }
}
