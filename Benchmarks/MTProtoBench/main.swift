// mtproto-bench: the sans-IO protocol core measured beside Telethon 1.45 in the same run.
//
//   swift run -c release mtproto-bench [--quick]
//
// Figures (both sides do the same work: client packs and encrypts, server decrypts,
// unpacks and answers with a 256-byte rpc_result, client decrypts and routes):
//   - auth key creation, client and server state machines in memory (Swift only:
//     Telethon's exchange cannot run without a server);
//   - one request per packet: round-trip cost in µs;
//   - 100 requests in flight: requests per second, packed in containers.
// The Python peer is Benchmarks/MTProtoBench/telethon_session_bench.py, run with
// ${PY:-.venv/bin/python} from the repository root.
import Foundation
import MTCrypto
import MTProto

let quick = CommandLine.arguments.contains("--quick")
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
let singleTime = seconds { for _ in 0..<singleRounds { precondition(roundTrip(requests: 1) == 1) } }
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

func runPeer() -> PeerFigures? {
    let python = ProcessInfo.processInfo.environment["PY"] ?? ".venv/bin/python"
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("telethon_session_bench.py").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, String(singleRounds / 4), String(batches / 4), String(batchSize)]
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch {
        print("Telethon peer not run (\(python): \(error)); set PY or create .venv")
        return nil
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { print("Telethon peer failed (exit \(process.terminationStatus))"); return nil }
    return try? JSONDecoder().decode(PeerFigures.self, from: data)
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

print("mtproto-bench (sans-IO core, one process, no sockets)\(quick ? " --quick" : "")")
print("auth key creation, client+server in memory: p50 \(fmt(exchangeTimes[exchanges / 2] * 1000)) ms, " +
      "max \(fmt(exchangeTimes.last! * 1000)) ms (\(exchanges) runs; Swift only)")
if let peer = runPeer() {
    print("                         tgflow        Telethon 1.45 (\(peer.aes_backend))   ratio")
    print("round trip, 1 per packet \(fmt(swiftSingleUS, 2)) µs      \(fmt(peer.single_round_trip_us, 2)) µs" +
          "                 \(fmt(peer.single_round_trip_us / swiftSingleUS))× faster")
    print("100 in flight            \(fmt(swiftRPS, 0)) req/s  \(fmt(peer.requests_per_second_batched, 0)) req/s" +
          "           \(fmt(swiftRPS / peer.requests_per_second_batched))× more")
} else {
    print("round trip, 1 per packet \(fmt(swiftSingleUS, 2)) µs; 100 in flight \(fmt(swiftRPS, 0)) req/s")
}
