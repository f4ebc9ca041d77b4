import Foundation
import Workflow
import XCTest

/// Login code sources against the test server: a `command`, and `from_session` (the code
/// Telegram, user 777000, sends to the account's other logged-in session).
final class WorkflowLoginSourceTests: XCTestCase {
    func testCodeFromACommandThenFromAnotherSession() async throws {
        let server = try await WorkflowTestServer(test: self)
        let dir = server.directory
        let first = dir.appendingPathComponent("a.yaml").path
        try """
        version: 1
        client:
          session: a
        steps:
          - login:
              phone: "+15550001111"
              code: { command: [sh, -c, "tail -n 1 \(server.codeLogPath) | sed 's/.*\\"code\\":\\"\\\\([0-9]*\\\\)\\".*/\\\\1/'"] }
              first_name: Alice
              accept_terms: true
        """.write(toFile: first, atomically: true, encoding: .utf8)
        let sink = RecordingSink()
        let a = try await server.run(first, recorder: sink)
        XCTAssertEqual(a.exitCode, .succeeded, "\(a.message ?? "")\n\(sink.text)")

        let second = dir.appendingPathComponent("b.yaml").path
        try """
        version: 1
        client:
          session: b
        steps:
          - login:
              phone: "+15550001111"
              code: { from_session: a.session }
          - id: me
            get_me: {}
        outputs:
          name: ${{ steps.me.outputs.user.first_name }}
        """.write(toFile: second, atomically: true, encoding: .utf8)
        let b = try await server.run(second, state: dir.appendingPathComponent("b.db").path, recorder: sink)
        XCTAssertEqual(b.exitCode, .succeeded, "\(b.message ?? "")\n\(sink.text)")
        XCTAssertEqual(b.outputs["name"], .string("Alice"))
        // The code never appears in what the run printed.
        let codes = server.loggedCodes(phone: "+15550001111").compactMap { line in
            line.range(of: #""code":"(\d+)""#, options: .regularExpression).map { String(line[$0].dropFirst(8).dropLast()) }
        }
        XCTAssertEqual(codes.count, 2)
        for code in codes { XCTAssertFalse(sink.text.contains(code), "code \(code) printed") }
    }
}
