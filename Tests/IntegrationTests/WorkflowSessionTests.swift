import Foundation
import Workflow
import XCTest

/// export_session and string sessions against the test server: a session exported by one
/// workflow logs in another, as a secret, without a new login code.
final class WorkflowSessionTests: XCTestCase {
    func testExportedStringAndTelethonSessionsLogInAgain() async throws {
        let server = try await WorkflowTestServer(test: self)
        let dir = server.directory
        let export = dir.appendingPathComponent("export.yaml").path
        try """
        version: 1
        client:
          session: main
        steps:
          - login: { phone: "+9996621500", first_name: Sam, accept_terms: true }
          - export_session: { format: string, destination: { file: exported.txt } }
          - export_session: { format: telethon, destination: { file: copy.session } }
        """.write(toFile: export, atomically: true, encoding: .utf8)
        let first = try await server.run(export)
        XCTAssertEqual(first.exitCode, .succeeded, first.message ?? "")
        for name in ["exported.txt", "copy.session"] {
            var st = stat()
            XCTAssertEqual(stat(dir.appendingPathComponent(name).path, &st), 0, name)
            XCTAssertEqual(st.st_mode & 0o777, 0o600, name)
        }
        let codesBefore = server.loggedCodes().count

        let useString = dir.appendingPathComponent("use-string.yaml").path
        try """
        version: 1
        secrets:
          session: { file: exported.txt }
        client:
          session: ${{ secrets.session }}
        steps:
          - id: me
            get_me: {}
        outputs:
          name: ${{ steps.me.outputs.user.first_name }}
        """.write(toFile: useString, atomically: true, encoding: .utf8)
        let sink = RecordingSink()
        let second = try await server.run(useString, state: dir.appendingPathComponent("s2.db").path, recorder: sink)
        XCTAssertEqual(second.exitCode, .succeeded, "\(second.message ?? "")\n\(sink.text)")
        XCTAssertEqual(second.outputs["name"], .string("Sam"))
        let exported = try String(contentsOfFile: dir.appendingPathComponent("exported.txt").path, encoding: .utf8).trimmingCharacters(in: .newlines)
        XCTAssertFalse(sink.text.contains(exported))

        let useFile = dir.appendingPathComponent("use-file.yaml").path
        try "version: 1\nclient:\n  session: copy\nsteps:\n  - id: me\n    get_me: {}\n".write(toFile: useFile, atomically: true, encoding: .utf8)
        let third = try await server.run(useFile, state: dir.appendingPathComponent("s3.db").path)
        XCTAssertEqual(third.exitCode, .succeeded, third.message ?? "")
        XCTAssertEqual(server.loggedCodes().count, codesBefore, "no new login code")
    }
}
