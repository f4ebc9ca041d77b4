import Foundation
import NIOCore

/// A TCP channel as a pull-based byte stream: the socket is read only when a reader asks for
/// more (autoRead is off), so a slow consumer makes the peer wait instead of filling memory.
final class ChannelBytes: @unchecked Sendable {
    let channel: Channel
    private let handler: RawBytesHandler
    private var pending: [UInt8] = []

    /// Makes the handler to install in the channel's pipeline and the byte stream fed by it.
    static func makeHandler() -> (RawBytesHandler, (Channel) -> ChannelBytes) {
        let handler = RawBytesHandler()
        return (handler, { ChannelBytes(channel: $0, handler: handler) })
    }

    private init(channel: Channel, handler: RawBytesHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// The next bytes from the peer, or `nil` once it has closed cleanly (or the reading task
    /// was cancelled); `ConnectionError.closed` when the socket failed (e.g. reset). One reader
    /// at a time.
    func next() async throws -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        return try await handler.next(channel)
    }

    /// Hands every later read to `sink` on the channel's event loop instead of to `next()`,
    /// starting with what was read but not taken; `ended` runs once when the channel closes
    /// (nil) or fails. Reading goes on as fast as `sink` returns: it is the back-pressure.
    /// `readMore` is asked after each read: false pauses reading until `resumePushing()`.
    func push(to sink: @escaping ([UInt8]) -> Void, readMore: @escaping () -> Bool = { true }, ended: @escaping (Error?) -> Void) {
        let leftover = pending
        pending = []
        channel.eventLoop.execute { [handler, channel] in
            handler.push(leftover: leftover, to: sink, readMore: readMore, ended: ended, channel: channel)
        }
    }

    /// Reads on after `readMore` paused pushing; on the event loop.
    func resumePushing() {
        handler.resume(channel)
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

/// Keeps what the socket reads until `ChannelBytes.next()` takes it (reading only when
/// asked: autoRead is off), or hands each read straight to a sink once `push` is called.
final class RawBytesHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let lock = NSLock()
    private var chunks: [[UInt8]] = []
    private var taken = 0
    /// Set once the channel has closed (`.success`) or failed.
    private var end: Result<Void, Error>?
    private var waiter: CheckedContinuation<[UInt8]?, Error>?
    /// Push mode (touched on the event loop only).
    private var sink: (([UInt8]) -> Void)?
    private var ended: ((Error?) -> Void)?
    private var readMore: () -> Bool = { true }
    private var paused = false

    /// Runs once the channel is active: reads requested before then would be dropped.
    var onActive: (@Sendable () -> Void)?

    func next(_ channel: Channel) async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, Error>) in
                enum Outcome { case chunk([UInt8], readAhead: Bool), end(Result<Void, Error>), wait }
                let outcome: Outcome = lock.withLock {
                    if taken < chunks.count {
                        let chunk = chunks[taken]
                        taken += 1
                        if taken == chunks.count { chunks.removeAll(keepingCapacity: true); taken = 0 }
                        return .chunk(chunk, readAhead: chunks.isEmpty && end == nil)
                    }
                    if let end { return .end(end) }
                    waiter = c
                    return .wait
                }
                switch outcome {
                case let .chunk(chunk, readAhead):
                    // Ask for the next bytes while the caller handles these (reads already
                    // asked for coalesce): at most one read's worth waits beyond what was taken.
                    if readAhead { channel.read() }
                    c.resume(returning: chunk)
                case .end(.success): c.resume(returning: nil)
                case .end(.failure): c.resume(throwing: ConnectionError.closed)
                case .wait: channel.read()
                }
            }
        } onCancel: {
            // As a cancelled stream would: this reader sees the end, and so does any later one.
            let c: CheckedContinuation<[UInt8]?, Error>? = lock.withLock {
                if end == nil { end = .success(()) }
                defer { waiter = nil }
                return waiter
            }
            c?.resume(returning: nil)
        }
    }

    /// Switches to push mode; on the event loop.
    func push(leftover: [UInt8], to sink: @escaping ([UInt8]) -> Void, readMore: @escaping () -> Bool,
              ended: @escaping (Error?) -> Void, channel: Channel) {
        let (queued, end): ([[UInt8]], Result<Void, Error>?) = lock.withLock {
            defer { chunks = []; taken = 0 }
            return (Array(chunks[taken...]), self.end)
        }
        if !leftover.isEmpty { sink(leftover) }
        for chunk in queued { sink(chunk) }
        switch end {
        case .none:
            self.sink = sink
            self.ended = ended
            self.readMore = readMore
            channel.read()
        case .success?: ended(nil)
        case .failure(let error)?: ended(error)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        if let sink { return sink(bytes) }
        let c: CheckedContinuation<[UInt8]?, Error>? = lock.withLock {
            guard let waiter else { chunks.append(bytes); return nil }
            self.waiter = nil
            return waiter
        }
        c?.resume(returning: bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if sink != nil, context.channel.isActive {
            if readMore() { context.read() } else { paused = true }
        }
        context.fireChannelReadComplete()
    }

    /// On the event loop.
    func resume(_ channel: Channel) {
        guard paused, sink != nil else { return }
        paused = false
        channel.read()
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        onActive?()
        onActive = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.success(()))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<Void, Error>) {
        if let ended {
            self.ended = nil
            sink = nil
            if case .failure(let error) = result { ended(error) } else { ended(nil) }
            return
        }
        let c: CheckedContinuation<[UInt8]?, Error>? = lock.withLock {
            if end == nil { end = result }
            defer { waiter = nil }
            return waiter
        }
        switch result {
        case .success: c?.resume(returning: nil)
        case .failure: c?.resume(throwing: ConnectionError.closed)
        }
    }
}
