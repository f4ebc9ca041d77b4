import Foundation
import NIOCore
import NIOPosix

/// The floor under any MTProto client's round trip on this machine: the same-size packet
/// bounced over loopback TCP through SwiftNIO with no protocol work at all, the echoing end
/// on core 0 (where the benchmark pins its server and clients). Handler to handler on one
/// event loop (no thread wake-up), on two threads sharing core 0, on two cores (what a
/// wake-up across cores costs here), and a task on the cooperative pool awaiting each
/// answer (what every `try await` from the pool pays).
enum LoopbackFloor {
    struct Figures {
        let sameLoopP50: Double
        let sameCoreP50: Double
        let crossCoreP50: Double
        let asyncCallerP50: Double
    }

    static func measure(rounds: Int, packetSize: Int = 300) async throws -> Figures {
        let twoCores = System.coreCount >= 2
        let serverGroup = twoCores ? MultiThreadedEventLoopGroup(pinnedCPUIDs: [0]) : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let sameCore = twoCores ? MultiThreadedEventLoopGroup(pinnedCPUIDs: [0]) : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let otherCore = twoCores ? MultiThreadedEventLoopGroup(pinnedCPUIDs: [1]) : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { for g in [serverGroup, sameCore, otherCore] { g.shutdownGracefully { _ in } } }
        let serverLoop = serverGroup.next()
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
        let sameCoreTimes = try await bounce(on: sameCore.next())
        let crossCore = try await bounce(on: otherCore.next())

        // A task on the cooperative pool awaiting each answer.
        let waiter = Waiter()
        let c2 = try await ClientBootstrap(group: sameCore.next())
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
        return Figures(sameLoopP50: median(sameLoop), sameCoreP50: median(sameCoreTimes),
                       crossCoreP50: median(crossCore), asyncCallerP50: median(asyncTimes))
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
