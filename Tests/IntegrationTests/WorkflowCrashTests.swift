import Foundation
import TGClient
import Workflow
import XCTest

/// Runs the real `tgflow` executable against an in-process test server, kills it with
/// SIGKILL at step boundaries and inside the non-idempotent steps, and checks that the
/// rerun completes with one `auth.sendCode`, and that the generated 2FA password on disk
/// opens the account. Also scans every byte the runs left for secrets.
final class WorkflowCrashTests: XCTestCase {
    /// A running `tgflow` whose stdout JSON events are read line by line.
    final class Child: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var lines: [String] = []
        private(set) var stderr = Data()
        private let errPipe = Pipe()
        private let done = DispatchSemaphore(value: 0)

        init(arguments: [String], environment: [String: String]) throws {
            process.executableURL = URL(fileURLWithPath: RepoPaths.tgflow)
            process.arguments = arguments
            process.environment = environment
            let out = Pipe()
            process.standardOutput = out
            process.standardError = errPipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let handle = out.fileHandleForReading
            Thread {
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    while let nl = buffer.firstIndex(of: 0x0A) {
                        let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                        buffer.removeSubrange(buffer.startIndex...nl)
                        self.lock.lock(); self.lines.append(line); self.lock.unlock()
                    }
                }
                self.done.signal()
            }.start()
        }

        var output: [String] { lock.lock(); defer { lock.unlock() }; return lines }

        /// Waits until an event line contains `fragment`; false on timeout or exit.
        func waitFor(_ fragment: String, timeout: Double = 60) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if output.contains(where: { $0.contains(fragment) }) { return true }
                if !process.isRunning { return output.contains(where: { $0.contains(fragment) }) }
                usleep(2_000)
            }
            return false
        }

        func kill() { Foundation.kill(process.processIdentifier, SIGKILL) }

        func finish() -> Int32 {
            process.waitUntilExit()
            _ = done.wait(timeout: .now() + 5)
            stderr = errPipe.fileHandleForReading.readDataToEndOfFile()
            return process.terminationStatus
        }
    }

    func testKilledAtEveryStepAndInsideUnsafeStepsResumesWithoutRepeating() async throws {
        guard FileManager.default.isExecutableFile(atPath: RepoPaths.tgflow) else { throw XCTSkip("tgflow is not built at \(RepoPaths.tgflow)") }
        // Every answer is held back 400 ms, so a kill 150 ms after a step starts lands while its request is in flight.
        let server = try await WorkflowTestServer(test: self, config: #"{"faults":{"delay_ms":400}}"#)
        let dir = server.directory
        let workflow = dir.appendingPathComponent("crash.yaml").path
        try """
        version: 1
        client:
          session: account
        steps:
          - id: login
            login: { phone: "+9996621240", first_name: Crash, accept_terms: true }
          - id: rotate
            rotate_2fa: { destination: { file: pw.txt } }
          - id: hello
            send_message: { peer: me, text: survived }
          - id: me
            get_me: {}
        """.write(toFile: workflow, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state.db").path
        let arguments = ["run", workflow, "--server", server.infoPath, "--state", state, "--json"]
        let env = ["PATH": "/usr/bin:/bin", "HOME": dir.path]

        // Kill points: every step boundary, and inside the unsafe steps once their intent is
        // durable: during auth.signIn after the code was sent (its hash is checkpointed), and
        // during account.getPassword / account.updatePasswordSettings after the new password
        // reached its file. (A kill while auth.sendCode itself is unanswered cannot be settled
        // without a second request, since Telegram returns the phone_code_hash only in that
        // answer; README.md says so.)
        let points: [(String, Double)] = [
            ("\"step_started\"", 0), ("login code sent", 0.1), ("login code sent", 0.3),
            ("\"step_started\"", 0), ("new password stored", 0.1), ("new password stored", 0.5), ("new password stored", 0.9),
            ("\"step_started\"", 0), ("\"step_started\"", 0.1), ("\"step_started\"", 0),
        ]
        var kills = 0
        var transcript: [String] = []
        for (fragment, delay) in points {
            let child = try Child(arguments: arguments, environment: env)
            if child.waitFor(fragment, timeout: 60) {
                if delay > 0 { usleep(UInt32(delay * 1_000_000)) }
                child.kill()
                kills += 1
            }
            _ = child.finish()
            transcript += child.output
        }
        XCTAssertGreaterThanOrEqual(kills, 8)
        let last = try Child(arguments: arguments, environment: env)
        let status = last.finish()
        XCTAssertEqual(status, 0, "final run: \(last.output.joined(separator: "\n"))\n\(String(decoding: last.stderr, as: UTF8.self))")
        transcript += last.output
        // The runs really were cut inside the unsafe steps and settled on resume.
        let notices = transcript.filter { $0.contains("\"notice\"") }
        XCTAssertTrue(notices.contains { $0.contains("reusing the login code") }, notices.joined(separator: "\n"))
        XCTAssertTrue(notices.contains { $0.contains("the rotation was applied before the last run stopped") }, notices.joined(separator: "\n"))
        XCTAssertTrue(transcript.contains { $0.contains("\"run_resumed\"") })
        XCTAssertEqual(server.loggedCodes(phone: "+9996621240").count, 1, "auth.sendCode must be called once across all runs")

        // The password on disk is the one the account now has.
        let password = try String(contentsOfFile: dir.appendingPathComponent("pw.txt").path, encoding: .utf8).trimmingCharacters(in: .newlines)
        XCTAssertEqual(password.count, 32)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("pw.txt.pending").path))
        let client = TelegramClient(session: MemorySession(), apiID: TelegramClientAdapter.testAPIID, apiHash: TelegramClientAdapter.testAPIHash,
                                    configuration: ClientConfiguration(server: .testdcInfo(path: server.infoPath)))
        _ = try await client.sendCodeRequest(phone: "+9996621240")
        do {
            _ = try await client.signIn(code: "22222")
            XCTFail("the account should have a 2FA password")
        } catch TelegramError.sessionPasswordNeeded {
            let user = try await client.signIn(password: password)
            XCTAssertEqual(user.firstName, "Crash")
        }
        await client.disconnect()
    }

    func testNoSecretInAnyByteARunLeaves() async throws {
        guard FileManager.default.isExecutableFile(atPath: RepoPaths.tgflow) else { throw XCTSkip("tgflow is not built at \(RepoPaths.tgflow)") }
        let server = try await WorkflowTestServer(test: self)
        let dir = server.directory
        let secret = "Leak-Canary-2FA-Password-31337"
        let state = dir.appendingPathComponent("state.db").path
        // A copy of the example, so its session file is created in the scratch folder.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("templates"), withIntermediateDirectories: true)
        for name in ["login-2fa.yaml", "templates/login.yaml", "templates/ensure-2fa.yaml"] {
            try FileManager.default.copyItem(atPath: RepoPaths.workflow(name), toPath: dir.appendingPathComponent(name).path)
        }
        let child = try Child(arguments: ["run", dir.appendingPathComponent("login-2fa.yaml").path, "--server", server.infoPath, "--state", state, "--json"],
                              environment: ["PATH": "/usr/bin:/bin", "HOME": dir.path, "TG_2FA_PASSWORD": secret])
        let status = child.finish()
        let stdout = child.output.joined(separator: "\n")
        XCTAssertEqual(status, 0, stdout + String(decoding: child.stderr, as: UTF8.self))
        var haystacks: [(String, Data)] = [("stdout", Data(stdout.utf8)), ("stderr", child.stderr)]
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: state + suffix) { haystacks.append(("state.db" + suffix, data)) }
            let session = dir.appendingPathComponent("accounts/login-2fa.session").path + suffix
            if let data = FileManager.default.contents(atPath: session) { haystacks.append(("login-2fa.session" + suffix, data)) }
        }
        XCTAssertTrue(haystacks.contains { $0.0 == "login-2fa.session" }, "the session file is where the workflow asked")
        let bytes = Data(secret.utf8)
        let forms = [secret, bytes.base64EncodedString(), bytes.map { String(format: "%02x", $0) }.joined(),
                     bytes.map { String(format: "%02X", $0) }.joined()]
        for (name, data) in haystacks {
            for form in forms { XCTAssertNil(data.range(of: Data(form.utf8)), "\(name) holds the secret (\(form.prefix(8))…)") }
        }
        XCTAssertTrue(stdout.contains("\"run_finished\""))
    }
}
