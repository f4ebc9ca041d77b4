import Foundation
import NIOCore
import NIOPosix

/// The floor under any MTProto client's round trip on this machine: the same-size packet
/// bounced over loopback TCP through SwiftNIO with no protocol work at all. `handlers` is
/// event-loop code on both ends (two socket wake-ups per round trip); `asyncCaller` adds what
/// every `try await invoke(...)` pays: a task that writes, suspends and is resumed from the
/// event loop.
enum LoopbackFloor {
    struct Figures {
        /// Handler to handler, both ends on one event loop thread (no thread wake-ups).
        let sameLoopP50: Double
        /// Handler to handler, each end on its own event loop thread (two wake-ups per round trip).
        let crossLoopP50: Double
        /// A task on the cooperative pool awaiting each answer, ends on different loops.
        let asyncCallerP50: Double
    }

    static func measure(rounds: Int, packetSize: Int = 300) async throws -> Figures {
        let group = MultiThreadedEventLoopGroup.singleton
        let serverLoop = group.next()
        let otherLoop = group.next()
        let server = try await ServerBootstrap(group: serverLoop, childGroup: serverLoop)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { $0.pipeline.addHandler(Echo()) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = server.localAddress!.port!

        func bounce(on loop: EventLoop) async throws -> [Double] {
            let bouncer = Bouncer(rounds: rounds, size: packetSize, loop: loop)
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { $0.pipeline.addHandler(bouncer) }
                .connect(host: "127.0.0.1", port: port).get()
            let times = try await bouncer.done.futureResult.get()
            try await channel.close()
            return times
        }
        let sameLoop = try await bounce(on: serverLoop)
        let crossLoop = try await bounce(on: otherLoop)

        // A task on the cooperative pool awaiting each answer.
        let waiter = Waiter()
        let c2 = try await ClientBootstrap(group: otherLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { $0.pipeline.addHandler(waiter) }
            .connect(host: "127.0.0.1", port: port).get()
        let payload = ByteBuffer(repeating: 7, count: packetSize)
        var asyncTimes: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                waiter.expect(packetSize, c)
                c2.writeAndFlush(payload, promise: nil)
            }
            asyncTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        try await c2.close()
        return Figures(sameLoopP50: median(sameLoop), crossLoopP50: median(crossLoop), asyncCallerP50: median(asyncTimes))
    }

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    final class Echo: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    final class Bouncer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let rounds: Int, size: Int
        var received = 0, started: UInt64 = 0
        var times: [Double] = []
        let done: EventLoopPromise<[Double]>
        init(rounds: Int, size: Int, loop: EventLoop) {
            self.rounds = rounds; self.size = size
            done = loop.makePromise()
        }
        func channelActive(context: ChannelHandlerContext) { send(context) }
        func send(_ context: ChannelHandlerContext) {
            received = 0
            started = DispatchTime.now().uptimeNanoseconds
            context.writeAndFlush(NIOAny(ByteBuffer(repeating: 7, count: size)), promise: nil)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytes
            guard received >= size else { return }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1000)
            if times.count == rounds { done.succeed(times) } else { send(context) }
        }
    }

    final class Waiter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let lock = NSLock()
        private var remaining = 0
        private var continuation: CheckedContinuation<Void, Never>?
        func expect(_ count: Int, _ c: CheckedContinuation<Void, Never>) {
            lock.withLock { remaining = count; continuation = c }
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let n = unwrapInboundIn(data).readableBytes
            let c: CheckedContinuation<Void, Never>? = lock.withLock {
                remaining -= n
                guard remaining <= 0 else { return nil }
                defer { continuation = nil }
                return continuation
            }
            c?.resume()
        }
    }
}
