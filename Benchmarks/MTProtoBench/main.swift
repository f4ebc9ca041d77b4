// mtproto-bench: the sans-IO protocol core measured beside Telethon 1.45 in the same run.
//
//   swift run -c release mtproto-bench [--quick] [--core-only | --network-only]
//   mtproto-bench --profile-latency | --profile-throughput   (one network phase, no peer: for perf)
//
// Figures (both sides do the same work: client packs and encrypts, server decrypts,
// unpacks and answers with a 256-byte rpc_result, client decrypts and routes):
//   - auth key creation, client and server state machines in memory (Swift only:
//     Telethon's exchange cannot run without a server);
//   - one request per packet: round-trip cost in µs;
//   - 100 requests in flight: requests per second, packed in containers;
// and over loopback TCP against the in-process test server (NetworkBench.swift):
//   - connect (key exchange + initConnection(help.getConfig)), help.getConfig latency
//     p50/p99, requests per second with 100 in flight — MTSender beside Telethon, from pool
//     tasks and from tasks on the connection's event loop — and the SwiftNIO loopback floor.
// The Python peer is Benchmarks/MTProtoBench/telethon_session_bench.py, run with
// ${PY:-.venv/bin/python} from the repository root.
import Foundation
import MTCrypto
import MTProto

let quick = CommandLine.arguments.contains("--quick")
let networkOnly = CommandLine.arguments.contains("--network-only")
let exchanges = quick ? 5 : 30
let singleRounds = quick ? 2_000 : 20_000
let batches = quick ? 50 : 500
let batchSize = 100
let getConfig: [UInt8] = [0x6b, 0x18, 0xf9, 0xc4]
let result = SecureRandom.bytes(256)

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

// MARK: Key exchange

if networkOnly { try await networkFigures(); exit(0) }
if CommandLine.arguments.contains("--profile-latency") {
    // For a profiler: only sequential round trips, no peer.
    let figures = try await NetworkBench.run(rounds: 10_000, inFlight: 100, total: 100, peer: false)
    print("p50 \(figures.ours.p50_us) µs from the pool, \(figures.onLoop.p50_us) µs on the loop")
    exit(0)
}
if CommandLine.arguments.contains("--profile-throughput") {
    // For a profiler: mostly the 100-in-flight phases (500k requests each), no peer.
    let figures = try await NetworkBench.run(rounds: 1, inFlight: 100, total: 500_000, peer: false)
    print("\(Int(figures.ours.rps)) req/s from the pool, \(Int(figures.onLoop.rps)) req/s on the loop")
    exit(0)
}

let privateKey = try RSAPrivateKey.generate(bits: 2048)
var exchangeTimes: [Double] = []
for _ in 0..<exchanges {
    exchangeTimes.append(try seconds {
        var client = ClientAuthKeyExchange(dcID: 2, serverKeys: [privateKey.publicKey])
        var server = ServerAuthKeyExchange(privateKey: privateKey)
        var packet = client.start(now: Date())
        loop: while true {
            switch try server.handle(packet, now: Date()) {
            case let .send(reply):
                guard case let .send(next) = try client.handle(reply, now: Date()) else { fatalError("early key") }
                packet = next
            case let .done(_, reply):
                guard case .done = try client.handle(reply, now: Date()) else { fatalError("no key") }
                break loop
            }
        }
    })
}
exchangeTimes.sort()

// MARK: Session round trips

let key = try AuthKey(SecureRandom.bytes(256))
var client = ClientSession(authKey: key, serverSalt: 7, timeOffset: 0)
var server = ServerSession(authKey: key, serverSalt: 7)

func roundTrip(requests: Int) -> Int {
    for _ in 0..<requests { client.enqueue(getConfig) }
    var answered = 0
    while let packet = client.nextPacket(now: Date()) {
        for case let .request(msgID, _) in server.handle(packet, now: Date()) { server.reply(to: msgID, result: result) }
    }
    while let packet = server.nextPacket(now: Date()) {
        for event in client.handle(packet, now: Date()) {
            if case .result = event { answered += 1 }
        }
    }
    return answered
}
_ = roundTrip(requests: 1)  // new_session_created
let singleTime = seconds {
    for round in 0..<singleRounds {
        let n = roundTrip(requests: 1)
        if n != 1 { print("round \(round): \(n) answers, rejected \(client.rejectedPackets)/\(server.rejectedPackets)"); exit(1) }
    }
}
let batchTime = seconds { for _ in 0..<batches { precondition(roundTrip(requests: batchSize) == batchSize) } }
precondition(client.rejectedPackets == 0 && server.rejectedPackets == 0)

let swiftSingleUS = singleTime / Double(singleRounds) * 1e6
let swiftRPS = Double(batches * batchSize) / batchTime

// MARK: Telethon, same run

struct PeerFigures: Decodable {
    let aes_backend: String
    let single_round_trip_us: Double
    let requests_per_second_batched: Double
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

print("mtproto-bench (sans-IO core, one process, no sockets)\(quick ? " --quick" : "")")
print("auth key creation, client+server in memory: p50 \(fmt(exchangeTimes[exchanges / 2] * 1000)) ms, " +
      "max \(fmt(exchangeTimes.last! * 1000)) ms (\(exchanges) runs; Swift only)")
if let peer = runPython("telethon_session_bench.py", [String(singleRounds / 4), String(batches / 4), String(batchSize)],
                        as: PeerFigures.self) {
    print("                         tgflow        Telethon 1.45 (\(peer.aes_backend))   ratio")
    print("round trip, 1 per packet \(fmt(swiftSingleUS, 2)) µs      \(fmt(peer.single_round_trip_us, 2)) µs" +
          "                 \(fmt(peer.single_round_trip_us / swiftSingleUS))× faster")
    print("100 in flight            \(fmt(swiftRPS, 0)) req/s  \(fmt(peer.requests_per_second_batched, 0)) req/s" +
          "           \(fmt(swiftRPS / peer.requests_per_second_batched))× more")
} else {
    print("round trip, 1 per packet \(fmt(swiftSingleUS, 2)) µs; 100 in flight \(fmt(swiftRPS, 0)) req/s")
}

if CommandLine.arguments.contains("--core-only") { exit(0) }
try await networkFigures()

func networkFigures() async throws {
    print("")
    print("loopback TCP (full transport) against the in-process test server")
    let network: (ours: NetworkFigures, onLoop: OnLoopFigures, telethon: NetworkFigures?)
    do {
        network = try await NetworkBench.run(rounds: quick ? 200 : 2_000, inFlight: 100, total: quick ? 10_000 : 100_000, peer: true)
    } catch {
        print("network figures not measured: \(error)")
        exit(1)
    }
    let (ours, loop) = (network.ours, network.onLoop)
    let floor = try await LoopbackFloor.measure(rounds: quick ? 200 : 2_000)
    print("  (floor: a 300-byte packet bounced over loopback by SwiftNIO with no protocol work, p50: " +
          "\(fmt(floor.sameLoopP50)) µs on one event loop, \(fmt(floor.sameCoreP50)) µs between two threads on one core, " +
          "\(fmt(floor.crossCoreP50)) µs between two cores, \(fmt(floor.asyncCallerP50)) µs for a pool task awaiting each answer)")
    print("  (100 in flight, 100k requests: \(loop.poolPackets) packets from pool callers, \(loop.packets) from callers on the loop)")
    // "pool": callers are ordinary tasks (the default); "loop": tasks that prefer the
    // connection's event loop (`withTaskExecutorPreference(sender.taskExecutor)`).
    func row(_ name: String, _ ours: Double, _ peer: Double?, _ unit: String, higherIsBetter: Bool = false) {
        let digits = unit == "req/s" ? 0 : 1
        let left = "\(name.padding(toLength: 36, withPad: " ", startingAt: 0))\(fmt(ours, digits)) \(unit)"
        guard let peer else { return print(left) }
        let ratio = higherIsBetter ? ours / peer : peer / ours
        print("\(left.padding(toLength: 56, withPad: " ", startingAt: 0))\(fmt(peer, digits)) \(unit)".padding(toLength: 78, withPad: " ", startingAt: 0)
              + "\(fmt(ratio))× \(higherIsBetter ? "more" : "faster")")
    }
    let peer = network.telethon
    print("\("".padding(toLength: 36, withPad: " ", startingAt: 0))tgflow              Telethon 1.45         ratio")
    row("connect + key exchange", ours.connect_ms, peer?.connect_ms, "ms")
    row("getConfig p50, caller on the pool", ours.p50_us, peer?.p50_us, "µs")
    row("getConfig p99, caller on the pool", ours.p99_us, peer?.p99_us, "µs")
    row("getConfig p50, caller on the loop", loop.p50_us, peer?.p50_us, "µs")
    row("getConfig p99, caller on the loop", loop.p99_us, peer?.p99_us, "µs")
    row("100 in flight, callers on the pool", ours.rps, peer?.rps, "req/s", higherIsBetter: true)
    row("100 in flight, callers on the loop", loop.rps, peer?.rps, "req/s", higherIsBetter: true)
}
