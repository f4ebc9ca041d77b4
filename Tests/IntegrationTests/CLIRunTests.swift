import Foundation
import XCTest

/// `tgflow run --testdc` as README.md's first command runs it (the built executable with its
/// embedded test server), and the internal-error exit status.
final class CLIRunTests: CLITestCase {
    func testExamplesRunWithEmbeddedTestServerAndNoInputs() throws {
        for name in ["login.yaml", "bot-login.yaml", "login-2fa.yaml"] {
            let r = try tgflow(["run", RepoPaths.workflow(name), "--testdc", "--json", "--state", dir.appendingPathComponent("\(name).db").path])
            XCTAssertEqual(r.status, 0, "\(name): \(r.all)")
            let events = try r.stdout.split(separator: "\n").map { try jsonObject(String($0)) }
            XCTAssertEqual(events.first?["event"] as? String, "run_started", r.stdout)
            let finished = try XCTUnwrap(events.last, r.stdout)
            XCTAssertEqual(finished["event"] as? String, "run_finished", r.stdout)
            XCTAssertEqual(finished["status"] as? String, "succeeded", r.stdout)
            XCTAssertFalse(events.contains { $0["event"] as? String == "step_failed" }, r.stdout)
            XCTAssertFalse(r.stdout.contains("correct horse battery staple"), "login-2fa's password leaked")
        }
    }

    func testHumanOutputIsOneLinePerStepAndOutputsOnStdout() throws {
        let r = try tgflow(["run", RepoPaths.workflow("login.yaml"), "--testdc", "--state", dir.appendingPathComponent("h.db").path])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stderr.contains("✓ login"), r.stderr)
        XCTAssertTrue(r.stderr.contains("✓ me"), r.stderr)
        let outputs = try jsonObject(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertNotNil(outputs["user_id"] as? Int, r.stdout)
        XCTAssertEqual(outputs["name"] as? String, "tgflow")
    }

    func testUnreadableCheckpointDatabaseIsAnInternalError() throws {
        let garbage = try write("state.db", String(repeating: "not a database ", count: 400))
        let r = try tgflow(["runs", "list", "--state", garbage])
        XCTAssertEqual(r.status, 3, r.all)
        XCTAssertTrue(r.stderr.hasPrefix("tgflow runs list: internal error:"), r.stderr)
        let ok = try write("ok.yaml", "version: 1\nsteps:\n  - assert: { that: true }\n")
        let run = try tgflow(["run", ok, "--state", garbage])
        XCTAssertEqual(run.status, 3, run.all)
        XCTAssertTrue(run.stderr.contains("cannot open the checkpoint database"), run.stderr)
    }
}
