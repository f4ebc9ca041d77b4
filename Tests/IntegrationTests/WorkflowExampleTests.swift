import Foundation
import XCTest
import Workflow

/// Every file in workflows/ runs to success against the test server with no inputs and
/// no environment (needs the in-process test server; proxy-login also needs pproxy from .venv).
final class WorkflowExampleTests: XCTestCase {
    func runExample(_ name: String, file: StaticString = #filePath, line: UInt = #line) async throws -> (RunOutcome, WorkflowTestServer, RecordingSink) {
        let server = try await WorkflowTestServer(test: self)
        let sink = RecordingSink()
        let outcome = try await server.run(RepoPaths.workflow(name), recorder: sink)
        XCTAssertEqual(outcome.exitCode, .succeeded, "\(name): \(outcome.message ?? "")\n\(sink.text)", file: file, line: line)
        return (outcome, server, sink)
    }

    func testLogin() async throws {
        let (outcome, server, _) = try await runExample("login.yaml")
        XCTAssertNotNil(outcome.outputs["user_id"]?.intValue)
        XCTAssertEqual(server.loggedCodes().count, 1)
    }

    func testLoginWith2FA() async throws {
        let (outcome, _, sink) = try await runExample("login-2fa.yaml")
        XCTAssertNotNil(outcome.outputs["user_id"]?.intValue)
        XCTAssertFalse(sink.text.contains("correct horse battery staple"))
    }

    func testBotLogin() async throws {
        let (outcome, _, _) = try await runExample("bot-login.yaml")
        XCTAssertEqual(outcome.outputs["bot_id"], .int(100200300))
    }

    func testRotate2FA() async throws {
        let (outcome, server, _) = try await runExample("rotate-2fa.yaml")
        XCTAssertEqual(outcome.outputs["rotated"], .bool(true))
        let password = try String(contentsOfFile: server.directory.appendingPathComponent("secrets/2fa.txt").path, encoding: .utf8)
        XCTAssertEqual(password.trimmingCharacters(in: .newlines).count, 32)
    }

    func testPostLoginRequests() async throws {
        let (outcome, _, _) = try await runExample("post-login-requests.yaml")
        XCTAssertNotNil(outcome.outputs["message_id"]?.intValue)
    }

    func testCIRotation() async throws {
        _ = try await runExample("ci-rotate-2fa.yaml")
    }

    func testProxyLogin() async throws {
        let port = try startPProxy("socks5://127.0.0.1:{port}#me:secret")
        let server = try await WorkflowTestServer(test: self)
        let sink = RecordingSink()
        let outcome = try await server.run(RepoPaths.workflow("proxy-login.yaml"), inputs: [("proxy_port", "\(port)")], recorder: sink)
        XCTAssertEqual(outcome.exitCode, .succeeded, "\(outcome.message ?? "")\n\(sink.text)")
    }
}
