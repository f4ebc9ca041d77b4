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

    /// How long a new connection may take to show its transport before it is closed (the default).
    public static let detectionTimeout: Duration = .seconds(30)

    /// What a hostile or silent client may cost the server; connections past a limit are closed.
    public struct Limits: Sendable {
        /// The largest frame a client may announce; a longer one closes the connection unread.
        public var maxFrameSize = 16 << 20
        /// How long a new connection may take to show its transport.
        public var openingTimeout: Duration = MTListener.detectionTimeout
        /// How long an open connection may go without a packet (nil: forever). Each packet
        /// pulled from `packets` restarts the clock; `closeWhenSilent(after:)` sets it anew.
        public var idleTimeout: Duration?
        /// Counts the connections open at once and refuses those past its limit; share one
        /// between listeners to cap them together (nil: no cap).
        public var connections: MTConnectionCounter?

        public init(maxFrameSize: Int = 16 << 20, openingTimeout: Duration = MTListener.detectionTimeout,
                    idleTimeout: Duration? = nil, connections: MTConnectionCounter? = nil) {
            self.maxFrameSize = maxFrameSize
            self.openingTimeout = openingTimeout
            self.idleTimeout = idleTimeout
            self.connections = connections
        }
    }

    /// Listens on `host:port`. `handler` runs once per connection whose transport was detected,
    /// on that connection's event loop: it may await freely but must not block the thread.
    /// `group`: where the listener and its connections run (NIO's shared group by default).
    public static func bind(host: String, port: Int, mtproxySecret: MTProxySecret?, limits: Limits = Limits(),
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            handler: @escaping @Sendable (MTServerConnection) async -> Void) async throws -> MTListener {
        let replayGuard = mtproxySecret.map { _ in MTProxyReplayGuard() }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                if let counter = limits.connections {
                    guard counter.tryOpen() else { return channel.close() }
                    channel.closeFuture.whenComplete { _ in counter.closed() }
                }
                let (rawHandler, makeBytes) = ChannelBytes.makeHandler()
                let bytes = makeBytes(channel)
                // The handler runs on the connection's own event loop, as a channel handler would:
                // packets reach it and its writes reach the socket without crossing threads.
                let executor = EventLoopTaskExecutor(loop: channel.eventLoop)
                rawHandler.onActive = {
                    Task(executorPreference: executor) {
                        await accept(bytes, secret: mtproxySecret, replayGuard: replayGuard, limits: limits, handler: handler)
                    }
                }
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

    private static func accept(_ bytes: ChannelBytes, secret: MTProxySecret?, replayGuard: MTProxyReplayGuard?, limits: Limits,
                               handler: @Sendable (MTServerConnection) async -> Void) async {
        let phase = PhaseRecorder("waiting for the client's transport opening")
        let detected = try? await withDeadline(limits.openingTimeout, phase: phase, onTimeout: { bytes.channel.close(promise: nil) }) {
            try await detect(bytes, secret: secret, replayGuard: replayGuard, maxFrameSize: limits.maxFrameSize)
        }
        guard let detected else {
            try? await bytes.channel.close()
            return
        }
        await handler(MTServerConnection(channel: detected, remoteAddress: bytes.channel.remoteAddress?.description,
                                          idleTimeout: limits.idleTimeout))
    }

    private static func detect(_ bytes: ChannelBytes, secret: MTProxySecret?, replayGuard: MTProxyReplayGuard?,
                               maxFrameSize: Int) async throws -> PacketChannel {
        var detector = ServerTransportDetector(mtproxySecret: secret, maxFrameSize: maxFrameSize, replayGuard: replayGuard)
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

/// Counts open connections against a limit, for `MTListener.Limits.connections`.
public final class MTConnectionCounter: @unchecked Sendable {
    /// The most connections open at once; more are closed as they are accepted.
    public let limit: Int
    private var count = 0
    private let lock = NSLock()

    public init(limit: Int) { self.limit = limit }

    /// Connections open right now.
    public var current: Int { lock.withLock { count } }

    func tryOpen() -> Bool { lock.withLock { guard count < limit else { return false }; count += 1; return true } }
    func closed() { lock.withLock { count -= 1 } }
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
    private let silence: SilenceTimer

    init(channel: PacketChannel, remoteAddress: String?, idleTimeout: Duration? = nil) {
        self.channel = channel
        self.transport = channel.transport
        self.headerDCID = channel.headerDCID
        self.remoteAddress = remoteAddress
        let silence = SilenceTimer(channel: channel.bytes.channel, idle: idleTimeout)
        self.silence = silence
        packets = AsyncThrowingStream(unfolding: { [channel] in
            let packet = try await channel.nextPacket()
            if packet != nil { silence.restart() }
            return packet
        })
    }

    /// Hands the client's packets to `deliver` on the connection's event loop as they are
    /// read, instead of through `packets` (which must then not be used); `ended` runs once,
    /// with nil when the client closed cleanly. Reading pauses while more than `pauseAbove`
    /// bytes wait to be written, so a client that does not read stalls only itself.
    public func deliverPackets(pauseAbove: Int, to deliver: @escaping ([[UInt8]]) -> Void,
                               ended: @escaping (Error?) -> Void) {
        channel.deliverPackets(pauseAbove: pauseAbove, to: { [silence] packets in
            silence.restart()
            deliver(packets)
        }, ended: ended)
    }

    /// Sends one packet and waits until the socket has taken it.
    public func send(_ packet: [UInt8]) async throws {
        try await channel.send(packet)
    }

    /// Queues one packet behind those already queued without waiting for the socket, so a
    /// caller can fix the order of its packets under its own lock; `flush()` waits for them.
    /// Bytes queued and not yet written are in `unwrittenBytes`.
    public func enqueue(_ packet: [UInt8]) {
        channel.enqueue(packet)
    }

    /// Waits until everything queued so far is written; throws `ConnectionError.closed` if it never will be.
    public func flush() async throws {
        try await channel.flush()
    }

    /// Bytes queued with `enqueue` or `send` that the socket has not taken yet (a client that
    /// does not read makes this grow; callers bound it).
    public var unwrittenBytes: Int { channel.unwrittenBytes }

    /// Sends a transport error (e.g. -404 for an unknown auth key) and closes the connection.
    public func sendTransportError(_ code: Int32) async {
        try? await channel.sendTransportError(code)
        await channel.close()
    }

    /// Fault injection only: frames `packet`, writes the first half of the frame and closes,
    /// as a connection lost mid-frame would look to the client.
    public func sendHalfFrameAndClose(_ packet: [UInt8]) async {
        try? await channel.sendHalfFrame(packet)
        await channel.close()
    }

    /// Closes the connection if no packet arrives within `limit` (the client's
    /// `ping_delay_disconnect`); the next packet restores the listener's idle timeout (or none).
    public func closeWhenSilent(after limit: Duration) {
        silence.restart(after: limit)
    }

    public func close() async {
        await channel.close()
    }
}

/// Closes a channel that stays silent too long. A packet only records when it came; the one
/// timer, when it fires, closes the channel or sleeps again for what is left (no timer is
/// rescheduled per packet).
final class SilenceTimer: @unchecked Sendable {
    private let channel: Channel
    private let idle: TimeAmount?
    private let lock = NSLock()
    private var scheduled: Scheduled<Void>?
    /// The silence allowed now (the idle timeout, or what the client asked for).
    private var limit: TimeAmount?
    private var lastPacket = NIODeadline.now()

    /// `idle`: how long the channel may be silent (nil: as long as it likes, unless `restart(after:)` says otherwise).
    init(channel: Channel, idle: Duration?) {
        self.channel = channel
        self.idle = idle.map(SilenceTimer.amount)
        channel.closeFuture.whenComplete { [self] _ in lock.withLock { scheduled?.cancel(); scheduled = nil } }
        restart()
    }

    /// A packet came: the silence starts again, with `limit` when given (else the idle
    /// timeout, or none).
    func restart(after newLimit: Duration? = nil) {
        let now = NIODeadline.now()
        let wanted = newLimit.map(SilenceTimer.amount) ?? idle
        lock.withLock {
            lastPacket = now
            // The running timer looks at `lastPacket` when it fires: nothing else to do.
            if wanted == limit, scheduled != nil { return }
            limit = wanted
            scheduled?.cancel()
            scheduled = nil
            if let wanted, channel.isActive { schedule(at: now + wanted) }
        }
    }

    /// Under the lock.
    private func schedule(at deadline: NIODeadline) {
        scheduled = channel.eventLoop.scheduleTask(deadline: deadline) { [self] in fired() }
    }

    private func fired() {
        let close: Bool = lock.withLock {
            scheduled = nil
            guard let limit else { return false }
            let due = lastPacket + limit
            if due <= NIODeadline.now() { return true }
            schedule(at: due)
            return false
        }
        if close { channel.close(promise: nil) }
    }

    private static func amount(_ d: Duration) -> TimeAmount {
        let (seconds, attoseconds) = d.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Runs a task's nonisolated code on one event loop.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let loop: EventLoop

    init(loop: EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
