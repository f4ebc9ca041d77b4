import Foundation
import MTProto
import NIOCore
import NIOPosix

/// A direct TCP connection (no proxy) for the sender: the socket is read
/// continuously and decoded packets are buffered in an async stream (bounded
/// by the transport's frame limit and TCP's own flow control per read).
///
/// It exists because `MTConnection`'s pull-based reader sometimes misses the
/// server's answer when several connections are open in one process (seen in
/// the integration tests); connections through a proxy still use `MTConnection`.
final class DirectConnection: PacketConnection, @unchecked Sendable {
    let packets: AsyncThrowingStream<[UInt8], Error>
    private let channel: Channel
    private let lock = NSLock()
    private var codec: TransportCodec

    private init(channel: Channel, codec: TransportCodec, packets: AsyncThrowingStream<[UInt8], Error>) {
        self.channel = channel
        self.codec = codec
        self.packets = packets
    }

    static func open(to dc: DataCenter, transport: TransportProtocol, obfuscated: Bool, timeout: Duration) async throws -> DirectConnection {
        let obfuscation: Obfuscation? = obfuscated ? Obfuscation(dcID: dc.headerDCID) : nil
        if obfuscation != nil, transport.obfuscatedTag == nil {
            throw ConnectionError.unsupported("the full transport cannot be obfuscated; use abridged, intermediate or padded intermediate")
        }
        var codec = TransportCodec(protocol: transport, role: .client, obfuscation: obfuscation)
        let (stream, continuation) = AsyncThrowingStream<[UInt8], Error>.makeStream()
        let reader = PacketReader(codec: codec, continuation: continuation)
        let milliseconds = max(1, Int64(timeout.components.seconds) * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(milliseconds))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { $0.pipeline.addHandler(reader) }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: dc.host, port: dc.port).get()
        } catch {
            throw ConnectionError.unreachable(host: dc.host, port: dc.port, reason: "\(error)")
        }
        let opening = codec.handshake()
        let connection = DirectConnection(channel: channel, codec: codec, packets: stream)
        if !opening.isEmpty {
            do { try await channel.writeAndFlush(ByteBuffer(bytes: opening)).get() } catch {
                channel.close(promise: nil)
                throw ConnectionError.closed
            }
        }
        return connection
    }

    func send(_ packet: [UInt8]) async throws {
        let write: EventLoopFuture<Void> = lock.withLock { channel.writeAndFlush(ByteBuffer(bytes: codec.encode(packet))) }
        do { try await write.get() } catch { throw ConnectionError.closed }
    }

    func close() async {
        try? await channel.close()
    }
}

/// Decodes what the socket delivers into packets (on the channel's event loop).
private final class PacketReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var codec: TransportCodec
    private let continuation: AsyncThrowingStream<[UInt8], Error>.Continuation

    init(codec: TransportCodec, continuation: AsyncThrowingStream<[UInt8], Error>.Continuation) {
        self.codec = codec
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        do {
            for event in try codec.feed(bytes) {
                switch event {
                case .packet(let packet):
                    continuation.yield(packet)
                case .transportError(let code):
                    continuation.finish(throwing: ConnectionError.serverTransportError(code: code))
                    context.close(promise: nil)
                    return
                }
            }
        } catch let error as TransportError {
            continuation.finish(throwing: ConnectionError.transport(error))
            context.close(promise: nil)
        } catch {
            continuation.finish(throwing: ConnectionError.closed)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        continuation.finish(throwing: ConnectionError.closed)
        context.close(promise: nil)
    }
}
