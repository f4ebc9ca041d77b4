import Foundation
import MTProto
import NIOCore
import NIOPosix

/// Accepts clients for one data centre. Everything about a connection — transport detection,
/// framing, the key exchange, the session and the API — runs on its event loop, so answers
/// are written from the loop itself (no cross-thread wake-ups) and per-connection state needs
/// no locks. Hostile input is bounded: frames over `maxFrameSize` and openings that are not a
/// transport close the connection, silent connections time out, and connections beyond
/// `maxConnections` are refused.
final class DCListener: @unchecked Sendable {
    let port: Int
    private let channel: Channel

    /// The largest MTProto packet a client may send (Telegram's own limit is about 1 MiB).
    static let maxFrameSize = 1 << 20
    /// Connections open at once across all DCs; more are closed on accept.
    static let maxConnections = 20_000
    /// How long connections may stay silent.
    struct Timeouts: Sendable {
        /// A connection that sends nothing for this long is closed (clients ping every 60 s).
        var idle = TimeAmount.seconds(180)
        /// A connection must show its transport within this time.
        var opening = TimeAmount.seconds(20)
    }

    static let open = ConnectionCounter()

    private init(port: Int, channel: Channel) {
        self.port = port
        self.channel = channel
    }

    /// Binds `host:port`; `route` picks the DC context for a connection (by the obfuscated header's DC id for an MTProxy).
    static func bind(host: String, port: Int, mtproxySecret: MTProxySecret?, timeouts: Timeouts = Timeouts(), route: @escaping @Sendable (Int?) -> DCContext?) async throws -> DCListener {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                guard open.tryOpen() else { return channel.close() }
                channel.closeFuture.whenComplete { _ in open.closed() }
                return channel.pipeline.addHandler(DCConnectionHandler(secret: mtproxySecret, timeouts: timeouts, route: route))
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return DCListener(port: channel.localAddress?.port ?? port, channel: channel)
    }

    func close() async { try? await channel.close() }
}

/// How many client connections are open.
final class ConnectionCounter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    var current: Int { lock.withLock { count } }
    func tryOpen() -> Bool { lock.withLock { guard count < DCListener.maxConnections else { return false }; count += 1; return true } }
    func closed() { lock.withLock { count -= 1 } }
}

/// One client connection on its event loop: bytes → transport → `DCConnection` → bytes.
final class DCConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var detector: ServerTransportDetector?
    private var codec: TransportCodec?
    private var connection: DCConnection?
    private let route: @Sendable (Int?) -> DCContext?
    private let proxied: Bool
    private var idle: Scheduled<Void>?
    private var closing = false
    /// Work waiting behind an injected delay; later packets queue behind it to keep order.
    private var delayed = false
    private var backlog: [[UInt8]] = []
    /// Auth keys registered with the update hub.
    private var registered: Set<Int64> = []

    private let timeouts: DCListener.Timeouts

    init(secret: MTProxySecret?, timeouts: DCListener.Timeouts, route: @escaping @Sendable (Int?) -> DCContext?) {
        self.timeouts = timeouts
        detector = ServerTransportDetector(mtproxySecret: secret, maxFrameSize: DCListener.maxFrameSize)
        self.route = route
        proxied = secret != nil
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimer(context, timeouts.opening)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idle?.cancel()
        closing = true
        connection?.context.hub?.unregister(owner: ObjectIdentifier(self), keys: Array(registered))
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        do {
            if codec == nil {
                guard let (found, leftover) = try detector!.feed(bytes) else {
                    write(context, detector!.takeReply())
                    return
                }
                write(context, detector!.takeReply())
                detector = nil
                codec = found
                guard let dc = route(proxied ? found.headerDCID.map { abs($0) % 10_000 } : nil) else { return close(context) }
                connection = DCConnection(context: dc)
                armTimer(context, timeouts.idle)
                if !leftover.isEmpty { try feed(context, leftover) }
            } else {
                try feed(context, bytes)
            }
        } catch {
            connection?.context.log("connection closed: \(error)")
            close(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        close(context)
    }

    private func feed(_ context: ChannelHandlerContext, _ bytes: [UInt8]) throws {
        for event in try codec!.feed(bytes) {
            guard case .packet(let packet) = event else { return close(context) }
            if delayed {
                guard backlog.count < 256 else { return close(context) }
                backlog.append(packet)
            } else {
                handle(context, packet)
            }
            if closing { return }
        }
    }

    private func handle(_ context: ChannelHandlerContext, _ packet: [UInt8]) {
        guard connection != nil, !closing else { return }
        armTimer(context, timeouts.idle)
        let actions = connection!.handle(packet)
        run(context, actions[...])
        if let hub = connection?.context.hub, !closing {
            for key in connection!.activeKeys where !registered.contains(key) {
                registered.insert(key)
                let loop = context.eventLoop
                let bound = NIOLoopBound(context, eventLoop: loop)
                hub.register(key: key, owner: ObjectIdentifier(self)) { [self] body in
                    loop.execute { self.pushOnLoop(bound.value, body, key: key) }
                }
            }
        }
    }

    private func pushOnLoop(_ context: ChannelHandlerContext, _ body: [UInt8], key: Int64) {
        guard !closing, !delayed, connection != nil else { return }
        run(context, connection!.push(body, keyID: key)[...])
    }

    /// Carries out the connection's actions in order; a delay resumes the rest later on this loop.
    private func run(_ context: ChannelHandlerContext, _ actions: ArraySlice<ConnectionAction>) {
        var rest = actions
        while let action = rest.popFirst() {
            switch action {
            case .send(let packet):
                write(context, codec!.encode(packet))
            case .transportError(let code):
                write(context, codec!.encodeTransportError(code))
                return close(context)
            case .delay(let ms):
                delayed = true
                let remaining = rest
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(ms))) { [self] in
                    delayed = false
                    run(context, remaining)
                    while !delayed, !closing, !backlog.isEmpty { handle(context, backlog.removeFirst()) }
                }
                return
            case .sendHalfAndClose(let packet):
                let frame = codec!.encode(packet)
                write(context, Array(frame.prefix(max(1, frame.count / 2))))
                return close(context)
            case .closeWhenSilent(let seconds):
                armTimer(context, .seconds(Int64(seconds)))
            case .close:
                return close(context)
            }
        }
    }

    private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        guard !bytes.isEmpty, !closing else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func close(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        idle?.cancel()
        context.close(promise: nil)
    }

    private func armTimer(_ context: ChannelHandlerContext, _ after: TimeAmount) {
        idle?.cancel()
        idle = context.eventLoop.scheduleTask(in: after) { [self] in close(context) }
    }
}
