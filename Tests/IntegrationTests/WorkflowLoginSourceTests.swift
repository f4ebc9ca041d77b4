import Foundation
import SessionStore
import TGClient
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

/// QR login against the test server: the URL the run shows is accepted by a second,
/// logged-in client, as a phone scanning the code would.
final class WorkflowQRLoginTests: XCTestCase {
    func testQRLoginAcceptedFromAnotherSession() async throws {
        let server = try await WorkflowTestServer(test: self)
        let dir = server.directory
        let phoneLogin = dir.appendingPathComponent("phone.yaml").path
        try "version: 1\nclient:\n  session: phone\nsteps:\n  - login: { phone: \"+9996621600\", first_name: Quinn, accept_terms: true }\n"
            .write(toFile: phoneLogin, atomically: true, encoding: .utf8)
        let first = try await server.run(phoneLogin)
        XCTAssertEqual(first.exitCode, .succeeded, first.message ?? "")

        let qr = dir.appendingPathComponent("qr.yaml").path
        try "version: 1\nclient:\n  session: desktop\nsteps:\n  - login: { qr: true }\n  - id: me\n    get_me: {}\noutputs:\n  name: ${{ steps.me.outputs.user.first_name }}\n"
            .write(toFile: qr, atomically: true, encoding: .utf8)
        let phoneSession = dir.appendingPathComponent("phone.session").path
        let info = server.infoPath
        var options = RunOptions(environment: SecretEnvironment(variables: [:], isTerminal: true, readStandardInput: { nil }, prompt: { _ in nil }))
        options.serverInfoPath = info
        options.outputDirectory = dir
        options.showLoginURL = { url in
            // The "phone": the already logged-in session accepts the token from the URL.
            do {
                let session = try SQLiteSession(path: phoneSession)
                let phone = TelegramClient(session: session, apiID: TelegramClientAdapter.testAPIID, apiHash: TelegramClientAdapter.testAPIHash,
                                           configuration: ClientConfiguration(server: .testdcInfo(path: info)))
                guard let token = TelegramClient.loginToken(fromURL: url) else { XCTFail("not a login URL: \(url)"); return }
                try await phone.acceptLoginToken(token)
                await phone.disconnect()
                session.close()
            } catch {
                XCTFail("accepting the token failed: \(error)")
            }
        }
        let redactor = Redactor()
        let store = try CheckpointStore(path: dir.appendingPathComponent("qr.db").path, redactor: redactor)
        let workflow = try WorkflowLoader.load(path: qr)
        let sink = RecordingSink()
        let outcome = await WorkflowRunner(workflow: workflow, options: options, store: store, redactor: redactor, sink: sink,
                                           telegram: TelegramClientAdapter.factory).run()
        XCTAssertEqual(outcome.exitCode, .succeeded, "\(outcome.message ?? "")\n\(sink.text)")
        XCTAssertEqual(outcome.outputs["name"], .string("Quinn"))
        XCTAssertFalse(sink.text.contains("tg://login"))
    }
}
