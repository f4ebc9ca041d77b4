// tl-bench: TL encode/decode throughput beside Telethon's, measured in the same run.
//   swift run -c release tl-bench [seconds-per-measurement [label-filter]]
// The objects are the committed Telethon fixtures (a messages.messages with 100
// messages and 20 users, and an auth.sentCode), so both sides work on identical bytes.
import Foundation
import TL

let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 1.0
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = root.appendingPathComponent("Tests/TLTests/Fixtures/tl_telethon/objects.jsonl")
let allLabels = ["messages.messages, 100 messages and 20 users", "auth.sentCode"]
// An optional second argument keeps only the objects whose label contains it (for profiling).
let labels = CommandLine.arguments.count > 2 ? allLabels.filter { $0.contains(CommandLine.arguments[2]) } : allLabels

var sink = 0

/// Nanoseconds per call of `body`: the best of 10 rounds of about `seconds`/10 each
/// (the minimum is the figure least disturbed by other load on a shared machine).
func perOp(_ body: () throws -> Int) rethrows -> Double {
    sink &+= try body()
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<10 {
        let start = clock.now
        var n = 0
        while true {
            for _ in 0..<5 { sink &+= try body() }
            n += 5
            let elapsed = clock.now - start
            if elapsed >= .seconds(seconds / 10) {
                let (s, atto) = elapsed.components
                best = min(best, (Double(s) * 1e9 + Double(atto) / 1e9) / Double(n))
                break
            }
        }
    }
    return best
}

func format(_ ns: Double) -> String {
    ns >= 1e6 ? String(format: "%8.2f ms", ns / 1e6) : ns >= 1e3 ? String(format: "%8.2f µs", ns / 1e3) : String(format: "%8.0f ns", ns)
}

// Schema parsing happens at every process start.
let parseStart = ContinuousClock.now
let fresh = try TLSchema.parseEmbedded()
let parseTime = ContinuousClock.now - parseStart
print("schema: \(fresh.combinators.count) combinators, layer \(fresh.layer), parsed in \(parseTime) (first parse)")
let parseNs = CommandLine.arguments.count > 2 ? 0 : try perOp { try TLSchema.parseEmbedded().combinators.count }
print("schema: parse \(format(parseNs)) per parse (steady state)\n")

let schema = TLSchema.shared

/// Objects made by hand, as requests are (`TLObject(name:fields:)`), the same as Telethon's
/// in tl_bench.py `built`.
let builtObjects: [(label: String, object: TLObject)] = [
    ("auth.sentCode (built)", TLObject(name: "auth.sentCode", fields: [
        "type": .object(TLObject(name: "auth.sentCodeTypeApp", fields: ["length": .int(5)])),
        "phone_code_hash": .string("a1b2c3d4e5f60718"),
        "next_type": .object(TLObject(name: "auth.codeTypeSms")),
        "timeout": .int(120),
    ])),
    ("messages.sendMessage (built)", TLObject(name: "messages.sendMessage", fields: [
        "peer": .object(TLObject(name: "inputPeerUser", fields: ["user_id": .long(123456789), "access_hash": .long(-5555555555555)])),
        "message": .string("Hello from tgflow"),
        "random_id": .long(0x123456789ABCDEF),
        "no_webpage": .bool(true),
        "reply_to": .object(TLObject(name: "inputReplyToMessage", fields: ["reply_to_msg_id": .int(42)])),
    ])),
]

// TL_BENCH_PROFILE=encode|decode:N runs just that N times on the first object and exits,
// so `perf stat -e instructions` can compare builds on a loaded machine;
// built-sentCode|built-sendMessage:N encodes that hand-built object N times.
if let profile = ProcessInfo.processInfo.environment["TL_BENCH_PROFILE"] {
    let parts = profile.split(separator: ":")
    if parts[0].hasPrefix("built-") {
        let object = builtObjects.first { $0.label.contains(parts[0].dropFirst(6)) }!.object
        for _ in 0..<(Int(parts[1]) ?? 1000) { sink &+= try schema.encode(object).count }
        exit(sink == 42 ? 1 : 0)
    }
    let line = try String(contentsOf: fixtures, encoding: .utf8).split(separator: "\n").first { $0.contains(labels[0]) }!
    guard case let .string(hex)? = try JSONValue(parsing: String(line))["hex"], let bytes = Hex.decode(hex) else { fatalError() }
    let object = try schema.decode(bytes)
    let encoding = parts[0] == "encode"
    for _ in 0..<(Int(parts[1]) ?? 1000) {
        sink &+= encoding ? try schema.encode(object).count : try schema.decode(bytes).fieldCount
    }
    exit(sink == 42 ? 1 : 0)
}
var records: [String: [UInt8]] = [:]
for line in try String(contentsOf: fixtures, encoding: .utf8).split(separator: "\n") {
    let record = try JSONValue(parsing: String(line))
    if case let .string(label)? = record["label"], labels.contains(label), case let .string(hex)? = record["hex"] {
        records[label] = Hex.decode(hex)
    }
}

// Telethon, same objects, same run.
var telethon: [String: (encode: Double, decode: Double)] = [:]
var telethonBuilt: [String: (hex: String, encode: Double)] = [:]
let python = ProcessInfo.processInfo.environment["PY"] ?? root.appendingPathComponent(".venv/bin/python").path
if FileManager.default.isExecutableFile(atPath: python) {
    /// Runs Benchmarks/python/tl_bench.py with `arguments` and returns its JSON lines.
    func peerResults(_ arguments: [String]) throws -> [JSONValue] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("Benchmarks/python/tl_bench.py").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try String(decoding: output, as: UTF8.self).split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }
    for result in try peerResults(["--built", String(seconds)]) {
        if case let .string(label)? = result["label"], case let .string(hex)? = result["hex"], case let .double(e)? = result["encode_ns"] {
            telethonBuilt[label] = (hex, e)
        }
    }
    for result in try peerResults(labels + [String(seconds)]) {
        if case let .string(label)? = result["label"], case let .double(e)? = result["encode_ns"], case let .double(d)? = result["decode_ns"] {
            telethon[label] = (e, d)
        }
    }
} else {
    print("(no Python at \(python): Telethon's figures are skipped; set PY or create .venv)\n")
}

print("object                                          bytes   op       tgflow        Telethon      ratio")
for label in labels {
    guard let bytes = records[label] else { fatalError("fixture '\(label)' not found; run scripts/fixtures/tl_telethon.py") }
    let object = try schema.decode(bytes)
    let again = try schema.encode(object)
    precondition(again == bytes, "round trip differs for \(label)")
    let encode = try perOp { try schema.encode(object).count }
    let decode = try perOp { try schema.decode(bytes).fieldCount }
    for (op, ns, theirs) in [("encode", encode, telethon[label]?.encode), ("decode", decode, telethon[label]?.decode)] {
        let name = label.count > 46 ? String(label.prefix(45)) + "…" : label
        let ratio = theirs.map { String(format: "%7.1fx", $0 / ns) } ?? "      -"
        let theirsText = theirs.map(format) ?? "          -"
        print("\(name.padding(toLength: 46, withPad: " ", startingAt: 0))  \(String(format: "%6d", bytes.count))   \(op)  \(format(ns))   \(theirsText)   \(ratio)")
    }
}
if sink == 42 { print("") }

print("\nhand-built object (TLObject(name:fields:))     bytes   op       tgflow        Telethon      ratio")
for (label, object) in builtObjects {
    let bytes = try schema.encode(object)
    if let theirs = telethonBuilt[label] {
        precondition(Hex.decode(theirs.hex) == bytes, "Telethon's bytes differ for \(label)")
    }
    let encode = try perOp { try schema.encode(object).count }
    let theirs = telethonBuilt[label]?.encode
    let ratio = theirs.map { String(format: "%7.1fx", $0 / encode) } ?? "      -"
    let theirsText = theirs.map(format) ?? "          -"
    print("\(label.padding(toLength: 46, withPad: " ", startingAt: 0))  \(String(format: "%6d", bytes.count))   encode  \(format(encode))   \(theirsText)   \(ratio)")
}
