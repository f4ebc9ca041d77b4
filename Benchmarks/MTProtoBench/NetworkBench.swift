import Foundation
import MTNetwork
import MTProto
import NIOCore
import NIOPosix
import TestDC

/// Network figures: our `MTSender` and Telethon, each against the same in-process
/// loopback test server (TCP full transport), one after the other in the same run.
struct NetworkFigures: Decodable {
    let connect_ms: Double
    let p50_us: Double
    let p99_us: Double
    let rps: Double
}

/// Ours also from callers on the connection's event loop (`MTSender.taskExecutor`).
struct OnLoopFigures {
    let p50_us: Double
    let p99_us: Double
    let rps: Double
    let packets: Int
    let poolPackets: Int
}

enum BenchError: Error { case noConnection }

enum NetworkBench {
    static let connectAttempts = 5

    static func run(rounds: Int, inFlight: Int, total: Int, peer: Bool) async throws -> (ours: NetworkFigures, onLoop: OnLoopFigures, telethon: NetworkFigures?) {
        var options = TestDCOptions()
        options.dcCount = 1
        // The server gets a thread of its own, as a remote server would be; see `Placement`.
        let pinned = Placement.pinned
        if !Placement.pinProcess() { print("  (could not pin the process to core 0)") }
        let serverGroup = pinned ? MultiThreadedEventLoopGroup(pinnedCPUIDs: [0]) : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup: any EventLoopGroup = pinned ? MultiThreadedEventLoopGroup(pinnedCPUIDs: [0]) : MultiThreadedEventLoopGroup.singleton
        defer {
            serverGroup.shutdownGracefully { _ in }
            if pinned { (clientGroup as? MultiThreadedEventLoopGroup)?.shutdownGracefully { _ in } }
        }
        print("  (placement: \(Placement.description))")
        options.eventLoopGroup = serverGroup
        let server = try await TestDCServer.start(options)
        let address = server.dcs[0]

        let params = InitConnectionParams(apiID: 12345, deviceModel: "mtproto-bench", systemVersion: "Linux", appVersion: "1.0")
        let getConfig: [UInt8] = [0x6b, 0x18, 0xf9, 0xc4]
        var config = SenderConfiguration(dataCenter: DataCenter(id: address.id, host: address.host, port: address.port),
                                         serverKeys: [server.publicKey], transport: .full, keyExchangeTimeout: .seconds(3),
                                         initRequest: InitConnection.wrap(getConfig, params: params))
        config.eventLoopGroup = clientGroup
        let clock = ContinuousClock()
        // Best of a few fresh connections: a connection the server never starts reading
        // (see the report) is abandoned after 3 s and not counted.
        var connectTimes: [Duration] = []
        var sender: MTSender?
        for _ in 0..<connectAttempts {
            let candidate = MTSender(configuration: config, authKey: nil)
            do {
                connectTimes.append(try await clock.measure { try await candidate.connect() })
                if let old = sender { await old.shutdown() }
                sender = candidate
            } catch {
                await candidate.shutdown()
            }
        }
        guard let sender, let connectTime = connectTimes.min() else { throw BenchError.noConnection }

        var latencies: [Double] = []
        for _ in 0..<rounds {
            let t = try await clock.measure { _ = try await sender.invoke(getConfig) }
            latencies.append(microseconds(t))
        }
        latencies.sort()
        // The same from a task that prefers the connection's event loop.
        let onLoop: [Double] = try await withTaskExecutorPreference(sender.taskExecutor) {
            var times: [Double] = []
            for _ in 0..<rounds {
                let t = try await clock.measure { _ = try await sender.invoke(getConfig) }
                times.append(microseconds(t))
            }
            return times.sorted()
        }

        let perWorker = total / inFlight
        let packetsBefore = await sender.packetsSent
        let batchTime = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<inFlight {
                    group.addTask { for _ in 0..<perWorker { _ = try await sender.invoke(getConfig) } }
                }
                try await group.waitForAll()
            }
        }
        let packets = await sender.packetsSent - packetsBefore
        // The same with the 100 callers preferring the connection's event loop.
        let onLoopTime = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<inFlight {
                    group.addTask(executorPreference: sender.taskExecutor) {
                        for _ in 0..<perWorker { _ = try await sender.invoke(getConfig) }
                    }
                }
                try await group.waitForAll()
            }
        }
        let onLoopPackets = await sender.packetsSent - packetsBefore - packets
        await sender.shutdown()
        let ours = NetworkFigures(connect_ms: microseconds(connectTime) / 1000,
                                  p50_us: latencies[latencies.count / 2],
                                  p99_us: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                                  rps: Double(perWorker * inFlight) / (microseconds(batchTime) / 1e6))
        let telethon = !peer ? nil : runPython("telethon_network_bench.py",
                                 [server.infoJSON, String(rounds), String(inFlight), String(total)], as: NetworkFigures.self,
                                                                                  environment: pinned ? ["BENCH_PEER_CPU": "0"] : [:])
        await server.close()  // before the groups shut down (the defer above)
        let loop = OnLoopFigures(p50_us: onLoop[onLoop.count / 2], p99_us: onLoop[min(onLoop.count - 1, onLoop.count * 99 / 100)],
                                 rps: Double(perWorker * inFlight) / (microseconds(onLoopTime) / 1e6),
                                 packets: onLoopPackets, poolPackets: packets)
        return (ours, loop, telethon)
    }

    static func microseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
    }
}

/// Runs a peer script from this folder with ${PY:-.venv/bin/python} and decodes its JSON line.
func runPython<T: Decodable>(_ script: String, _ arguments: [String], as: T.Type, environment: [String: String] = [:]) -> T? {
    let python = ProcessInfo.processInfo.environment["PY"] ?? ".venv/bin/python"
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(script).path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [path] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch {
        print("Telethon peer not run (\(python): \(error)); set PY or create .venv")
        return nil
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        print("Telethon peer \(script) failed (exit \(process.terminationStatus))")
        return nil
    }
    return try? JSONDecoder().decode(T.self, from: data)
}
