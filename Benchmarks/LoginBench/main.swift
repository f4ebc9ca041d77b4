// LoginBench: logins per second (fresh auth key + auth.sendCode + auth.signIn) that one
// in-process `TestDCServer` sustains from concurrent clients built on our own protocol core,
// then the same measured with Telethon 1.45 clients against `tgflow testdc` (the Python
// peer, Tests/Interop/bench_testdc.py) when a virtualenv is present. Run in release:
//   swift run -c release login-bench [logins] [concurrency]
import Foundation
import MTCrypto
import MTNetwork
import MTProto
import TestDC
import TL

struct BenchFailure: Error { let what: String }

/// One client: its own connection, key exchange and session.
func login(number: Int, port: Int, key: RSAPublicKey) async throws {
    let connection = try await MTConnection.open(to: DataCenter(id: 1, host: "127.0.0.1", port: port), transport: .intermediate,
                                                 obfuscated: false, proxy: nil, timeout: .seconds(30))
    defer { Task { await connection.close() } }
    var packets = connection.packets.makeAsyncIterator()
    func next() async throws -> [UInt8] {
        guard let p = try await packets.next() else { throw BenchFailure(what: "connection closed") }
        return p
    }
    var exchange = ClientAuthKeyExchange(dcID: 1, serverKeys: [key])
    try await connection.send(exchange.start(now: Date()))
    var session: ClientSession!
    while session == nil {
        switch try exchange.handle(try await next(), now: Date()) {
        case .send(let p): try await connection.send(p)
        case .done(let created): session = ClientSession(authKey: created.authKey, serverSalt: created.serverSalt, timeOffset: created.timeOffset)
        }
    }
    var first = true
    func call(_ request: TLObject) async throws -> TLValue {
        var body = try TLSchema.shared.encode(request)
        if first {
            body = InitConnection.wrap(body, params: InitConnectionParams(apiID: 1, deviceModel: "login-bench", systemVersion: "linux", appVersion: "1", systemLangCode: "en", langPack: "", langCode: "en"))
            first = false
        }
        let id = session.enqueue(body)
        let type = TLSchema.shared.method(named: request.name)!.resultType
        for _ in 0..<8 {
            if let out = session.nextPacket(now: Date()) { try await connection.send(out) }
            for event in session.handle(try await next(), now: Date()) {
                switch event {
                case .result(id, let bytes): return try TLSchema.shared.decode(bytes, type: type)
                case .rpcError(id, let e): throw BenchFailure(what: "\(request.name): \(e)")
                case .failed(id, let e): throw BenchFailure(what: "\(request.name): \(e)")
                default: break
                }
            }
        }
        throw BenchFailure(what: "no answer to \(request.name)")
    }
    let phone = String(format: "99966%d%04d", 1, number % 10_000)
    let sent = try await call(TLObject("auth.sendCode", ["phone_number": .string(phone), "api_id": .int(1), "api_hash": .string("bench"),
                                                         "settings": .object(TLObject(name: "codeSettings"))]))
    let hash = sent["phone_code_hash"]?.stringValue ?? ""
    let signed = try await call(TLObject("auth.signIn", ["phone_number": .string(phone), "phone_code_hash": .string(hash), "phone_code": .string("11111")]))
    if signed.object?.name == "auth.authorizationSignUpRequired" {
        _ = try await call(TLObject("auth.signUp", ["phone_number": .string(phone), "phone_code_hash": .string(hash), "first_name": .string("Bench"), "last_name": .string("")]))
    }
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let total = arguments.first ?? 1000
let concurrency = arguments.dropFirst().first ?? 32

var options = TestDCOptions()
options.dcCount = 1
options.config.limits.sendCodePerWindow = .max
let server = try await TestDCServer.start(options)
let port = server.dcs[0].port
let key = server.publicKey

// Warm up (first key exchange pays for lazy set-up), then measure.
try await login(number: 9999, port: port, key: key)
let started = Date()
let failures = await withTaskGroup(of: Int.self) { group in
    var launched = 0, failed = 0
    func launch() {
        let n = launched
        group.addTask { (try? await login(number: n, port: port, key: key)) == nil ? 1 : 0 }
        launched += 1
    }
    while launched < min(concurrency, total) { launch() }
    while let f = await group.next() {
        failed += f
        if launched < total { launch() }
    }
    return failed
}
let seconds = Date().timeIntervalSince(started)
let ours = Double(total - failures) / seconds
print(String(format: "tgflow client core -> TestDCServer: %d logins (%d failed) in %.2f s = %.0f logins/s (%d concurrent)", total, failures, seconds, ours, concurrency))
await server.close()

// The Python peer, in the same run.
let python = ProcessInfo.processInfo.environment["PY"] ?? ".venv/bin/python"
if FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: "Tests/Interop/bench_testdc.py") {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["Tests/Interop/bench_testdc.py", "--logins", "100", "--idle", "1000"]
    var environment = ProcessInfo.processInfo.environment
    if environment["TGFLOW_BIN"] == nil, FileManager.default.isExecutableFile(atPath: ".build/release/tgflow") {
        environment["TGFLOW_BIN"] = ".build/release/tgflow"
    }
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    print(output, terminator: "")
    if let line = output.split(separator: "\n").first(where: { $0.contains("logins/s wall-clock") }),
       let rate = line.split(separator: "=").dropFirst().first?.split(separator: " ").first.flatMap({ Double($0) }), rate > 0 {
        print(String(format: "ratio: our client core logs in %.1fx as fast as Telethon against the same server code", ours / rate))
    }
} else {
    print("(no \(python): skipped the Telethon peer)")
}
