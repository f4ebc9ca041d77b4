// login-bench: a whole login (process start, key exchange, auth.sendCode,
// auth.signIn, SRP password check) against one local test server, by this
// Swift client and by Telethon 1.45 (Benchmarks/python/login_telethon.py),
// side by side in one run. Each login is a fresh process, timed from spawn to exit.
//
//   swift build -c release --product login-bench && .build/release/login-bench [ROUNDS]
//   (PY overrides the Python, default .venv/bin/python from the repository root)
import Foundation
import TGClient
import TestDC

let arguments = CommandLine.arguments

// Child mode: one login, then exit.
if arguments.count == 6, arguments[1] == "--login" {
    let (info, phone, code, password) = (arguments[2], arguments[3], arguments[4], arguments[5])
    let client = TelegramClient(session: MemorySession(), apiID: 12345, apiHash: "0123456789abcdef0123456789abcdef",
                                configuration: ClientConfiguration(server: .testdcInfo(path: info)))
    let trace = ProcessInfo.processInfo.environment["LOGIN_BENCH_TRACE"] != nil
    let clock = ContinuousClock(), t0 = clock.now
    func mark(_ what: String) { if trace { FileHandle.standardError.write(Data("\(what): \(clock.now - t0)\n".utf8)) } }
    do {
        if trace { _ = TLSchema.shared.layer; mark("schema loaded") }
        try await client.connect()
        mark("connected (key exchange, initConnection)")
        _ = try await client.sendCodeRequest(phone: phone)
        mark("code sent")
        do {
            try await client.signIn(code: code)
        } catch TelegramError.sessionPasswordNeeded {
            mark("password needed")
            try await client.signIn(password: password)
        }
        mark("signed in")
        guard try await client.isUserAuthorized() else { throw ClientError.notAuthorized }
        await client.disconnect()
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("login failed: \(error)\n".utf8))
        exit(1)
    }
}

let rounds = arguments.count > 1 ? max(1, Int(arguments[1]) ?? 5) : 5
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let python: String = {
    let py = ProcessInfo.processInfo.environment["PY"] ?? ".venv/bin/python"
    return py.hasPrefix("/") ? py : repository.appendingPathComponent(py).path
}()
let script = repository.appendingPathComponent("Benchmarks/python/login_telethon.py").path

// One account per login (sendCode is rate-limited per phone), all with 2FA.
let phones = (0..<(2 * rounds + 2)).map { String(format: "99966%05d", 20000 + $0) }
let accounts = phones.map { #"{"phone":"\#($0)","first_name":"Bench","password":"bench password"}"# }.joined(separator: ",")
var options = TestDCOptions()
options.config = try JSONDecoder().decode(TestDCConfig.self, from: Data(#"{"accounts":[\#(accounts)]}"#.utf8))
let server = try await TestDCServer.start(options)
let infoPath = FileManager.default.temporaryDirectory.appendingPathComponent("login-bench-\(getpid()).json").path
try server.writeInfo(to: infoPath)

/// Wall time of one child process, or nil if it failed.
func timed(_ executable: String, _ args: [String]) -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    process.standardOutput = FileHandle.nullDevice
    let start = DispatchTime.now()
    do { try process.run() } catch { return nil }
    process.waitUntilExit()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    return process.terminationStatus == 0 ? seconds : nil
}

let me = URL(fileURLWithPath: arguments[0]).path
var ours: [Double] = [], theirs: [Double] = []
var phoneIndex = 0
for _ in 0..<rounds {
    if let t = timed(me, ["--login", infoPath, phones[phoneIndex], "22222", "bench password"]) { ours.append(t) }
    phoneIndex += 1
    if FileManager.default.isExecutableFile(atPath: python),
       let t = timed(python, [script, infoPath, phones[phoneIndex], "22222", "bench password"]) { theirs.append(t) }
    phoneIndex += 1
}
await server.close()
try? FileManager.default.removeItem(atPath: infoPath)

func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}
func ms(_ v: Double?) -> String { v.map { String(format: "%.1f ms", $0 * 1000) } ?? "n/a" }

print("whole login (process start → key exchange → sendCode → signIn → SRP), \(rounds) rounds, median wall time:")
print("  tgflow (Swift):  \(ms(median(ours)))  [\(ours.count) ok]")
print("  Telethon 1.45:   \(ms(median(theirs)))  [\(theirs.count) ok]\(FileManager.default.isExecutableFile(atPath: python) ? "" : " (no Python at \(python))")")
if let a = median(ours), let b = median(theirs) {
    print(String(format: "  ratio: Telethon / tgflow = %.1f×", b / a))
}
