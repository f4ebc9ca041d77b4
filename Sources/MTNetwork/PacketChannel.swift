import Foundation
import MTProto
import NIOCore

/// A byte stream and a transport codec together: packets out are framed and written in the
/// order `send` was called; packets in are decoded on demand, as the consumer pulls them.
final class PacketChannel: @unchecked Sendable {
    let bytes: ChannelBytes
    private let lock = NSLock()
    private var codec: TransportCodec
    private var decoded: [TransportEvent] = []
    private let countLock = NSLock()
    private var lastWrite: EventLoopFuture<Void>?
    private var unwritten = 0
    /// Set by `deliverPackets`; used on the event loop only.
    private var pushState: PushState?

    init(bytes: ChannelBytes, codec: TransportCodec) {
        self.bytes = bytes
        self.codec = codec
    }

    var transport: TransportProtocol { lock.withLock { codec.transportProtocol } }
    var headerDCID: Int? { lock.withLock { codec.headerDCID } }

    /// Writes raw bytes (the transport handshake) before any packet.
    func writeRaw(_ data: [UInt8]) async throws {
        guard !data.isEmpty else { return }
        try await wrap(bytes.write(data))
    }

    func send(_ packet: [UInt8]) async throws {
        try await wrap(enqueue(packet))
    }

    /// Frames and queues `packet` without waiting. Encoding and queueing under one lock keeps
    /// the cipher stream and the full transport's sequence numbers in the order the bytes
    /// reach the socket.
    @discardableResult
    func enqueue(_ packet: [UInt8]) -> EventLoopFuture<Void> {
        lock.withLock { queue(codec.encode(packet)) }
    }

    func sendTransportError(_ code: Int32) async throws {
        try await wrap(lock.withLock { queue(codec.encodeTransportError(code)) })
    }

    /// Fault injection: frames `packet` but writes only the first half of the frame.
    func sendHalfFrame(_ packet: [UInt8]) async throws {
        try await wrap(lock.withLock {
            let frame = codec.encode(packet)
            return queue(Array(frame.prefix(max(1, frame.count / 2))))
        })
    }

    /// Waits until every write queued so far has reached the socket (writes complete in order).
    func flush() async throws {
        guard let last = lock.withLock({ lastWrite }) else { return }
        try await wrap(last)
    }

    /// Bytes queued and not yet written.
    var unwrittenBytes: Int { countLock.withLock { unwritten } }

    /// Queues `data`; called under `lock`. The count has its own lock because a write can
    /// complete at once, on this thread.
    private func queue(_ data: [UInt8]) -> EventLoopFuture<Void> {
        let count = data.count
        countLock.withLock { unwritten += count }
        let write = bytes.write(data)
        lastWrite = write
        write.whenComplete { [self] _ in
            let left = countLock.withLock { unwritten -= count; return unwritten }
            writesCaughtUp(left: left)   // completions run on the event loop
        }
        return write
    }

    /// The next packet, `nil` when the peer closed cleanly. A transport error or a server's
    /// error frame throws and closes the channel.
    func nextPacket() async throws -> [UInt8]? {
        while true {
            if let event = lock.withLock({ decoded.isEmpty ? nil : decoded.removeFirst() }) {
                switch event {
                case .packet(let packet): return packet
                case .transportError(let code):
                    bytes.channel.close(promise: nil)
                    throw ConnectionError.serverTransportError(code: code)
                }
            }
            let chunk: [UInt8]?
            do {
                chunk = try await bytes.next()
            } catch let error as ConnectionError {
                throw error
            } catch {
                throw ConnectionError.closed
            }
            guard let chunk else { return nil }
            do {
                let events = try lock.withLock { try codec.feed(chunk) }
                lock.withLock { decoded += events }
            } catch let error as TransportError {
                bytes.channel.close(promise: nil)
                throw ConnectionError.transport(error)
            }
        }
    }

    /// Decodes every later read on the channel's event loop and hands its packets to `deliver`
    /// there, in order (one call per read); `ended` runs once: nil when the peer closed
    /// cleanly, else the `ConnectionError`. Replaces `nextPacket`, which must not be used after.
    /// With `pauseAbove`, packets are handed over one at a time and, while more than that many
    /// bytes wait to be written, the rest are held and nothing more is read.
    func deliverPackets(pauseAbove: Int? = nil, to deliver: @escaping ([[UInt8]]) -> Void, ended: @escaping (Error?) -> Void) {
        let state = PushState(deliver: deliver, ended: ended, pauseAbove: pauseAbove)
        bytes.channel.eventLoop.execute { [self] in pushState = state }   // before the push starts, in order
        bytes.push(to: { [self] chunk in
            guard !state.done else { return }
            var packets: [[UInt8]] = []
            var failure: ConnectionError?
            lock.withLock {
                do {
                    for event in try codec.feed(chunk) {
                        switch event {
                        case .packet(let packet): packets.append(packet)
                        case .transportError(let code): failure = .serverTransportError(code: code)
                        }
                        if failure != nil { break }
                    }
                } catch let error as TransportError {
                    failure = .transport(error)
                } catch {
                    failure = .closed
                }
            }
            if state.pauseAbove == nil {
                if !packets.isEmpty { deliver(packets) }
            } else {
                state.held += packets
                deliverHeld(state)
            }
            if let failure {
                bytes.channel.close(promise: nil)
                state.finish(failure)
            }
        }, readMore: { [self] in
            guard let limit = state.pauseAbove else { return true }
            return state.held.isEmpty && unwrittenBytes <= limit
        }, ended: { error in state.finish(error == nil ? nil : ConnectionError.closed) })
    }

    /// Hands held packets over while the unwritten bytes allow; on the event loop.
    private func deliverHeld(_ state: PushState) {
        // A write that completes inside `deliver` lands in `writesCaughtUp`: this loop goes on.
        guard let limit = state.pauseAbove, !state.delivering else { return }
        state.delivering = true
        defer { state.delivering = false }
        while !state.held.isEmpty, !state.done, unwrittenBytes <= limit {
            state.deliver([state.held.removeFirst()])
        }
    }

    /// When writes have caught up (`left` bytes still unwritten), hands over what was held,
    /// then reads on; on the event loop.
    private func writesCaughtUp(left: Int) {
        guard let state = pushState, let limit = state.pauseAbove, left <= limit, !state.done, !state.delivering else { return }
        deliverHeld(state)
        if state.held.isEmpty { bytes.resumePushing() }
    }

    func makePacketStream() -> AsyncThrowingStream<[UInt8], Error> {
        AsyncThrowingStream(unfolding: { [self] in try await nextPacket() })
    }

    func close() async {
        try? await bytes.channel.close()
    }

    private func wrap(_ future: EventLoopFuture<Void>) async throws {
        do {
            try await future.get()
        } catch {
            throw ConnectionError.closed
        }
    }
}

/// Where pushed packets go, and those held back while writes catch up. Event loop only.
private final class PushState {
    let deliver: ([[UInt8]]) -> Void
    private let ended: (Error?) -> Void
    let pauseAbove: Int?
    var held: [[UInt8]] = []
    /// `deliverHeld` is running (further down the stack).
    var delivering = false
    private(set) var done = false

    init(deliver: @escaping ([[UInt8]]) -> Void, ended: @escaping (Error?) -> Void, pauseAbove: Int?) {
        self.deliver = deliver
        self.ended = ended
        self.pauseAbove = pauseAbove
    }

    func finish(_ error: Error?) {
        guard !done else { return }
        done = true
        held = []
        ended(error)
    }
}
