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
        write.whenComplete { [self] _ in countLock.withLock { unwritten -= count } }
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
