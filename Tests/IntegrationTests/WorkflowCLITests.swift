import Foundation
import XCTest

/// The `tgflow validate`, `plan`, `run` and `runs` commands as a user runs them (the
/// built executable), for everything that does not need Telegram.
final class WorkflowCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: RepoPaths.tgflow) else { throw XCTSkip("tgflow is not built at \(RepoPaths.tgflow)") }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    @discardableResult
    func tgflow(_ arguments: [String], env: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: RepoPaths.tgflow)
        p.arguments = arguments
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": dir.path].merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testValidateExitCodesAndFormats() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: RepoPaths.root.appendingPathComponent("workflows").path)
            .filter { $0.hasSuffix(".yaml") }.map { RepoPaths.workflow($0) }
        XCTAssertEqual(try tgflow(["validate"] + examples).status, 0)
        let broken = RepoPaths.root.appendingPathComponent("Tests/WorkflowTests/Broken/29-unknown-method.yaml").path
        let human = try tgflow(["validate", broken])
        XCTAssertEqual(human.status, 1)
        XCTAssertTrue(human.stdout.hasPrefix("\(broken):4:11: unknown Telegram method 'messages.sendMesage'; did you mean 'messages.sendMessage'? [tl]\n4 |   - call: messages.sendMesage\n  |           ^"), human.stdout)
        let json = try tgflow(["validate", "--format", "json", broken])
        XCTAssertEqual(json.status, 1)
        XCTAssertTrue(json.stdout.contains(#""line":4,"column":11"#), json.stdout)
        XCTAssertEqual(try tgflow(["validate", dir.appendingPathComponent("missing.yaml").path]).status, 2)
        XCTAssertEqual(try tgflow(["validate"]).status, 2)
    }

    func testPlanNamesMethodsUnsafeStepsAndSecrets() throws {
        let plan = try tgflow(["plan", RepoPaths.workflow("login-2fa.yaml")])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("not idempotent: auth.sendCode"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("secrets: password"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("first/login [login]"), plan.stdout)
    }

    func testRunUsageErrorsExitTwo() throws {
        let path = try write("w.yaml", "version: 1\ninputs:\n  n: { type: number, required: true }\nsteps:\n  - assert: { that: \"${{ inputs.n > 1 }}\" }\n")
        let missing = try tgflow(["run", path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("input 'n' is required; give it with --input n=VALUE"), missing.stderr)
        XCTAssertEqual(try tgflow(["run", path, "--input", "m=3"]).status, 2)
        XCTAssertEqual(try tgflow(["run", path, "--input", "n=three"]).status, 2)
        let ok = try tgflow(["run", path, "--input", "n=3", "--json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("{") && $0.contains("\"event\"") }, ok.stdout)
        let failed = try tgflow(["run", path, "--input", "n=1"])
        XCTAssertEqual(failed.status, 1)
        let broken = try write("b.yaml", "version: 1\nsteps:\n  - sleep: { seconds: x }\n")
        XCTAssertEqual(try tgflow(["run", broken]).status, 2)
    }

    func testKilledRunResumesAndRunsShowsIt() throws {
        let path = try write("slow.yaml", """
        version: 1
        steps:
          - id: first
            assert: { that: true }
          - id: nap
            sleep: { seconds: 30 }
          - id: last
            assert: { that: true }
        """)
        let state = dir.appendingPathComponent("state.db").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: RepoPaths.tgflow)
        p.arguments = ["run", path, "--state", state, "--json"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while !seen.contains("\"step\":\"nap\"") && Date() < deadline {
            seen += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertTrue(seen.contains("\"step\":\"nap\""))

        let list = try tgflow(["runs", "list", "--state", state])
        XCTAssertTrue(list.stdout.contains("running"), list.stdout)
        let runID = String(list.stdout.prefix { $0 != " " })
        let show = try tgflow(["runs", "show", runID, "--state", state])
        XCTAssertTrue(show.stdout.contains("succeeded first"), show.stdout)
        XCTAssertTrue(show.stdout.contains("running   nap"), show.stdout)

        // The rerun resumes the same run: 'first' is restored, 'nap' (in flight, safe to repeat) runs
        // again (its definition may change: it never finished).
        try write("slow.yaml", (try String(contentsOfFile: path, encoding: .utf8)).replacingOccurrences(of: "seconds: 30", with: "seconds: 0"))
        let rerun = try tgflow(["run", path, "--state", state, "--json"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains(#""event":"run_resumed""#), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains(#""event":"step_restored""#) && rerun.stdout.contains(runID), rerun.stdout)
        XCTAssertEqual(rerun.stdout.components(separatedBy: #""event":"step_started""#).count - 1, 2, rerun.stdout)
    }

    func testChangedStepRefusesResumeWithExitFive() throws {
        let state = dir.appendingPathComponent("state.db").path
        let path = try write("w.yaml", "version: 1\nsteps:\n  - id: a\n    assert: { that: true }\n  - id: b\n    assert: { that: false }\n")
        XCTAssertEqual(try tgflow(["run", path, "--state", state]).status, 1)
        try write("w.yaml", "version: 1\nsteps:\n  - id: a\n    assert: { that: true, message: changed }\n  - id: b\n    assert: { that: true }\n")
        let refused = try tgflow(["run", path, "--state", state])
        XCTAssertEqual(refused.status, 5, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("step 'a' finished"), refused.stderr)
        XCTAssertEqual(try tgflow(["run", path, "--state", state, "--fresh"]).status, 0)
    }
}
