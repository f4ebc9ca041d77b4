import Foundation
import MTProto
import NIOCore
import NIOPosix

/// A client's TCP connection to a data centre (directly or through a proxy), speaking one
/// MTProto transport. Send packets; read them from `packets`, which ends when the server closes.
public final class MTConnection: Sendable {
    public let dataCenter: DataCenter
    /// The transport in use (`dd` and `ee` MTProxy secrets use padded intermediate, whatever was asked).
    public let transport: TransportProtocol
    /// Incoming packets, decoded as they are pulled. Throws `ConnectionError.transport` on bytes
    /// that break the transport and `.serverTransportError` on the server's error frame.
    public let packets: AsyncThrowingStream<[UInt8], Error>
    private let channel: PacketChannel

    private init(dataCenter: DataCenter, transport: TransportProtocol, channel: PacketChannel) {
        self.dataCenter = dataCenter
        self.transport = transport
        self.channel = channel
        packets = channel.makePacketStream()
    }

    /// Connects, talks to the proxy if there is one, and writes the transport's opening.
    /// - Parameters:
    ///   - obfuscated: use obfuscated2 (always on through an MTProxy).
    ///   - timeout: for the whole opening; a timeout names the phase that was waiting.
    ///   - group: where the connection runs (NIO's shared group by default).
    public static func open(to dataCenter: DataCenter, transport: TransportProtocol, obfuscated: Bool,
                            proxy: Proxy?, timeout: Duration,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MTConnection {
        var transport = transport
        var obfuscation: Obfuscation? = obfuscated ? Obfuscation(dcID: dataCenter.headerDCID) : nil
        if case .mtproxy(_, _, let secret)? = proxy {
            obfuscation = Obfuscation(mtproxy: secret, dcID: dataCenter.headerDCID)
            // dd secrets allow only padded intermediate; Telegram's clients use it for ee (fake TLS) too.
            if secret.kind != .plain { transport = .paddedIntermediate }
        }
        if obfuscation != nil, transport.obfuscatedTag == nil {
            throw ConnectionError.unsupported("the full transport cannot be obfuscated or used through an MTProxy; use abridged, intermediate or padded intermediate")
        }
        let target = proxy.map { ($0.host, $0.port) } ?? (dataCenter.host, dataCenter.port)
        let phase = PhaseRecorder("connecting to \(proxy.map { "the \($0)" } ?? "\(dataCenter)")")
        let opening = Opening(dataCenter: dataCenter, transport: transport, obfuscation: obfuscation, proxy: proxy, phase: phase, group: group)
        let channel = try await withDeadline(timeout, phase: phase, onTimeout: { opening.abandon() }) {
            try await opening.run(host: target.0, port: target.1, connectTimeout: timeout)
        }
        return MTConnection(dataCenter: dataCenter, transport: transport, channel: channel)
    }

    /// Frames and writes one packet; throws `ConnectionError.closed` once the connection is down.
    public func send(_ packet: [UInt8]) async throws {
        try await channel.send(packet)
    }

    public func close() async {
        await channel.close()
    }
}

extension MTConnection: PushPacketConnection {
    func executeOnWriteThread(_ body: @escaping @Sendable () -> Void) {
        channel.bytes.channel.eventLoop.execute(body)
    }

    func deliverPackets(to deliver: @escaping ([[UInt8]]) -> Void, ended: @escaping (Error?) -> Void) {
        channel.deliverPackets(to: deliver, ended: ended)
    }

    func write(_ packets: [[UInt8]], completion: @escaping @Sendable (Error?) -> Void) {
        var last: EventLoopFuture<Void>?
        for packet in packets { last = channel.enqueue(packet) }
        guard let last else { return completion(nil) }
        last.whenComplete { result in
            if case .failure = result { completion(ConnectionError.closed) } else { completion(nil) }
        }
    }
}

/// The steps of opening one connection, kept together so a timeout can close the channel.
private final class Opening: @unchecked Sendable {
    let dataCenter: DataCenter
    let transport: TransportProtocol
    let obfuscation: Obfuscation?
    let proxy: Proxy?
    let phase: PhaseRecorder
    let group: any EventLoopGroup
    private let lock = NSLock()
    private var channel: Channel?
    private var abandoned = false

    init(dataCenter: DataCenter, transport: TransportProtocol, obfuscation: Obfuscation?, proxy: Proxy?, phase: PhaseRecorder,
         group: any EventLoopGroup) {
        self.group = group
        self.dataCenter = dataCenter
        self.transport = transport
        self.obfuscation = obfuscation
        self.proxy = proxy
        self.phase = phase
    }

    func abandon() {
        let channel: Channel? = lock.withLock { abandoned = true; return self.channel }
        channel?.close(promise: nil)
    }

    func run(host: String, port: Int, connectTimeout: Duration) async throws -> PacketChannel {
        let (handler, makeBytes) = ChannelBytes.makeHandler()
        let milliseconds = max(1, connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(milliseconds))
            .channelOption(ChannelOptions.autoRead, value: false)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.pipeline.addHandler(handler) }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            let reason = Self.describe(error)
            if let proxy { throw ConnectionError.proxyUnreachable(proxy: proxy.description, reason: reason) }
            throw ConnectionError.unreachable(host: host, port: port, reason: reason)
        }
        let isAbandoned: Bool = lock.withLock { self.channel = channel; return abandoned }
        if isAbandoned { channel.close(promise: nil); throw ConnectionError.closed }
        let bytes = makeBytes(channel)
        do {
            if let proxy {
                try await ProxyHandshake(proxy: proxy, bytes: bytes, phase: phase).tunnel(to: dataCenter.host, port: dataCenter.port)
            }
            if case .mtproxy(_, _, let secret)? = proxy, secret.isFakeTLS {
                try await fakeTLSGreeting(secret: secret, bytes: bytes)
            }
            var codec = TransportCodec(protocol: transport, role: .client, obfuscation: obfuscation)
            let opening = codec.handshake()
            let packetChannel = PacketChannel(bytes: bytes, codec: codec)
            phase.set("writing the \(transport.rawValue) transport opening to \(dataCenter)")
            try await packetChannel.writeRaw(opening)
            return packetChannel
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private func fakeTLSGreeting(secret: MTProxySecret, bytes: ChannelBytes) async throws {
        let name = proxy?.description ?? "MTProxy"
        phase.set("the fake-TLS greeting with the \(name)")
        var handshake = FakeTLSClientHandshake(secret: secret, now: Date())
        do { try await bytes.write(handshake.clientHello).get() } catch { throw ConnectionError.proxyClosed(proxy: name, phase: "the fake-TLS ClientHello") }
        while true {
            let closed = ConnectionError.proxyClosed(proxy: name, phase: "the fake-TLS greeting (wrong secret or clock?)")
            guard let chunk = try? await bytes.next() else { throw closed }
            do {
                if let leftover = try handshake.feed(chunk) {
                    if !leftover.isEmpty { bytes.unread(leftover) }
                    return
                }
            } catch let error as TransportError {
                throw ConnectionError.transport(error)
            }
        }
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? IOError { return error.description }
        if case ChannelError.connectTimeout = error { return "no answer to the TCP connection attempt" }
        if let error = error as? NIOConnectionError {
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve the host name (\(dns))" }
            if let first = error.connectionErrors.first { return "\(first.error)" }
            return "connection failed"
        }
        return "\(error)"
    }
}

/// Runs `body`, or throws `ConnectionError.timeout` naming the phase when `limit` passes first
/// (`CancellationError` when the calling task is cancelled).
func withDeadline<T: Sendable>(_ limit: Duration, phase: PhaseRecorder, onTimeout: @escaping @Sendable () -> Void,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)   // throws CancellationError if the caller is cancelled: not a timeout
            return nil
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let value = result { return value }
            let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
            let what = phase.current
            onTimeout()
            throw ConnectionError.timeout(phase: what, seconds: seconds)
        }
        throw ConnectionError.closed
    }
}
