import Foundation
import NIOCore

/// A TCP channel as a pull-based byte stream: the socket is read only when a reader asks for
/// more (autoRead is off), so a slow consumer makes the peer wait instead of filling memory.
final class ChannelBytes: @unchecked Sendable {
    let channel: Channel
    private let lock = NSLock()
    private var iterator: AsyncThrowingStream<[UInt8], Error>.AsyncIterator
    private var buffered = 0
    private var pending: [UInt8] = []

    /// Makes the handler to install in the channel's pipeline and the byte stream fed by it.
    static func makeHandler() -> (RawBytesHandler, (Channel) -> ChannelBytes) {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], Error>.makeStream()
        let handler = RawBytesHandler(continuation: continuation)
        return (handler, { ChannelBytes(channel: $0, stream: stream, handler: handler) })
    }

    private let handler: RawBytesHandler

    private init(channel: Channel, stream: AsyncThrowingStream<[UInt8], Error>, handler: RawBytesHandler) {
        self.channel = channel
        self.iterator = stream.makeAsyncIterator()
        self.handler = handler
    }

    /// The next bytes from the peer, or `nil` once it has closed cleanly; `ConnectionError.closed`
    /// when the socket failed (e.g. reset). One reader at a time.
    func next() async throws -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        if handler.bufferedChunks == 0 { channel.read() }
        var iterator = self.iterator
        defer { self.iterator = iterator }
        let chunk: [UInt8]?
        do {
            chunk = try await iterator.next()
        } catch {
            // A reset or any socket error: to every reader it means the peer is gone.
            throw ConnectionError.closed
        }
        if chunk != nil {
            handler.consumed()
            // Ask for the next bytes while the caller handles these (reads already asked for
            // coalesce): at most one read's worth waits beyond what was taken.
            if handler.bufferedChunks == 0 { channel.read() }
        }
        return chunk
    }

    /// Exactly `count` bytes; throws `ConnectionError.closed` if the peer closes first.
    func read(exactly count: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            guard let chunk = try await next() else { throw ConnectionError.closed }
            let needed = count - out.count
            out += chunk.prefix(needed)
            if chunk.count > needed { pending = Array(chunk[needed...]) }
        }
        return out
    }

    /// Bytes up to and including `delimiter`, refusing more than `limit` bytes.
    func read(through delimiter: [UInt8], limit: Int) async throws -> [UInt8]? {
        var out: [UInt8] = []
        while true {
            guard let chunk = try await next() else { throw ConnectionError.closed }
            let start = max(0, out.count - delimiter.count + 1)
            out += chunk
            if let end = Self.find(delimiter, in: out, from: start) {
                if end < out.count { pending = Array(out[end...]) }
                return Array(out[..<end])
            }
            if out.count > limit { return nil }
        }
    }

    /// Hands back bytes read too far (they are returned by the next `next()`).
    func unread(_ bytes: [UInt8]) {
        pending = bytes + pending
    }

    func write(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            i += 1
        }
        return nil
    }
}

/// Forwards what the socket reads into an async stream and counts chunks not yet consumed.
final class RawBytesHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncThrowingStream<[UInt8], Error>.Continuation
    private let lock = NSLock()
    private var count = 0

    init(continuation: AsyncThrowingStream<[UInt8], Error>.Continuation) {
        self.continuation = continuation
    }

    var bufferedChunks: Int { lock.withLock { count } }

    func consumed() { lock.withLock { count -= 1 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        lock.withLock { count += 1 }
        continuation.yield(bytes)
    }

    /// Runs once the channel is active: reads requested before then would be dropped.
    var onActive: (@Sendable () -> Void)?

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        onActive?()
        onActive = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
