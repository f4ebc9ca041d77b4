import Foundation
import XCTest
import Workflow

/// The `client:` block's proxies and the 2FA recovery-email path, end to end against the
/// real test server: through pproxy's HTTP CONNECT proxy (needs .venv with pproxy), through
/// `tgflow testdc --mtproxy-secret` (needs the built tgflow), and set_2fa with an email whose
/// confirmation code a command reads from the server's code log.
final class WorkflowClientBlockTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-client-block-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let d = dir!
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A workflow that logs in and reads its own user, with the given `client:` block lines.
    func loginWorkflow(client: String, phone: String = "+9996621240") throws -> String {
        try write("login-\(UUID().uuidString.prefix(8)).yaml", """
        version: 1
        client:
          session: accounts/proxied
        \(client)
        steps:
          - id: login
            login: { phone: "\(phone)", first_name: Proxied, accept_terms: true }
          - id: me
            get_me: {}
        outputs:
          user_id: ${{ steps.me.outputs.user.id }}
          name: ${{ steps.me.outputs.user.first_name }}
        """)
    }

    // MARK: HTTP CONNECT proxy

    func testLoginThroughHTTPConnectProxyWithCredentials() async throws {
        let port = try startPProxy("http://127.0.0.1:{port}#me:secret")
        let server = try await WorkflowTestServer(test: self)
        let client = """
          proxy: { type: http, host: 127.0.0.1, port: \(port), username: me, password: "${{ secrets.proxy_password }}" }
        secrets:
          proxy_password: { env: PROXY_PASSWORD }
        """
        let path = try loginWorkflow(client: client)

        // The wrong proxy password never reaches the server: the proxy is really on the path,
        // and its refusal fails the run with the proxy's answer but not the password.
        let refusedSink = RecordingSink()
        let refused = try await server.run(path, env: ["PROXY_PASSWORD": "wrong-proxy-pw"], state: dir.appendingPathComponent("refused.db").path, recorder: refusedSink)
        XCTAssertEqual(refused.exitCode, .failed, refusedSink.text)
        XCTAssertTrue(refusedSink.text.contains("407"), refusedSink.text)
        XCTAssertFalse(refusedSink.text.contains("wrong-proxy-pw"), refusedSink.text)
        XCTAssertFalse((refused.message ?? "").contains("wrong-proxy-pw"))
        XCTAssertEqual(server.loggedCodes(), [])

        let sink = RecordingSink()
        let ok = try await server.run(path, env: ["PROXY_PASSWORD": "secret"], recorder: sink)
        XCTAssertEqual(ok.exitCode, .succeeded, "\(ok.message ?? "")\n\(sink.text)")
        XCTAssertEqual(ok.outputs["name"], .string("Proxied"))
        XCTAssertEqual(server.loggedCodes(phone: "+9996621240").count, 1)
        XCTAssertFalse(sink.text.contains("\"secret\""), sink.text)
    }

    // MARK: MTProxy (tgflow testdc --mtproxy-secret)

    static let proxyKey = "0123456789abcdef0123456789abcdef"

    func testLoginThroughMTProxyWithDDSecret() async throws {
        let testdc = try startTestDC(secret: "dd" + Self.proxyKey)
        let path = try loginWorkflow(client: "  proxy: { type: mtproxy, host: 127.0.0.1, port: \(testdc.port), secret: dd\(Self.proxyKey) }")
        let sink = RecordingSink()
        let outcome = try await WorkflowTestServer.run(path, infoPath: testdc.info, directory: dir, recorder: sink)
        XCTAssertEqual(outcome.exitCode, .succeeded, "\(outcome.message ?? "")\n\(sink.text)\n\(testdc.stderr())")
        XCTAssertNotNil(outcome.outputs["user_id"]?.intValue)
        XCTAssertTrue(testdc.codes().contains { $0.contains("\"code\":\"22222\"") }, testdc.codes().joined(separator: "\n"))
    }

    func testLoginThroughMTProxyLinkWithFakeTLSSecret() async throws {
        let domain = Array("example.com".utf8).map { String(format: "%02x", $0) }.joined()
        let secret = "ee" + Self.proxyKey + domain
        let testdc = try startTestDC(secret: secret)
        let link = "tg://proxy?server=127.0.0.1&port=\(testdc.port)&secret=\(secret)"
        let path = try loginWorkflow(client: "  proxy: { type: mtproxy, link: \"\(link)\" }", phone: "+9996631240")
        let sink = RecordingSink()
        let outcome = try await WorkflowTestServer.run(path, infoPath: testdc.info, directory: dir, recorder: sink)
        XCTAssertEqual(outcome.exitCode, .succeeded, "\(outcome.message ?? "")\n\(sink.text)\n\(testdc.stderr())")
        // +9996631240 lives on DC 3: the proxy forwarded the client to the DC its header named.
        XCTAssertTrue(testdc.codes().contains { $0.contains("\"code\":\"33333\"") }, testdc.codes().joined(separator: "\n"))
    }

    func testMTProxyWithWrongSecretFails() async throws {
        let testdc = try startTestDC(secret: "dd" + Self.proxyKey)
        let path = try loginWorkflow(client: "  proxy: { type: mtproxy, host: 127.0.0.1, port: \(testdc.port), secret: dd\(String(Self.proxyKey.reversed())) }")
        let sink = RecordingSink()
        let started = Date()
        let outcome = try await WorkflowTestServer.run(path, infoPath: testdc.info, directory: dir, recorder: sink)
        XCTAssertNotEqual(outcome.exitCode, .succeeded, sink.text)
        XCTAssertTrue(testdc.codes().isEmpty, "a client with the wrong secret got as far as sending a code")
        XCTAssertLessThan(Date().timeIntervalSince(started), 120)
    }

    // MARK: 2FA recovery email

    /// A workflow that logs in and sets a 2FA password with a recovery email through `kind`
    /// (set_2fa or ensure_2fa); the email's confirmation code comes from a command that reads
    /// the newest email code in the server's code log.
    func emailWorkflow(kind: String, phone: String, server: WorkflowTestServer) throws -> String {
        let readCode = #"/usr/bin/grep '"method":"email"' "$0" | /usr/bin/tail -n 1 | /usr/bin/sed -E 's/.*"code":"([0-9]+)".*/\1/'"#
        return try write("email-\(kind).yaml", """
        version: 1
        secrets:
          password: { env: TWO_FA }
          email: { env: RECOVERY_EMAIL }
        client:
          session: accounts/email
        steps:
          - id: login
            login: { phone: "\(phone)", first_name: Mail, accept_terms: true }
          - id: set
            \(kind):
              password: ${{ secrets.password }}
              hint: mail hint
              email: ${{ secrets.email }}
              email_code: { command: ["/bin/sh", "-c", \(jsonString(readCode)), \(jsonString(server.codeLogPath))] }
          - id: pw
            call: account.getPassword
        outputs:
          has_password: ${{ default(steps.pw.outputs.result.has_password, false) }}
          has_recovery: ${{ default(steps.pw.outputs.result.has_recovery, false) }}
          hint: ${{ steps.pw.outputs.result.hint }}
          changed: ${{ steps.set.outputs.changed }}
        """)
    }

    func emailCodesSent(_ server: WorkflowTestServer) -> Int {
        let log = (try? String(contentsOfFile: server.codeLogPath, encoding: .utf8)) ?? ""
        return log.components(separatedBy: #""method":"email""#).count - 1
    }

    func testEnsure2FAWithRecoveryEmailSetsOnceThenLeavesItAlone() async throws {
        let server = try await WorkflowTestServer(test: self)
        let path = try emailWorkflow(kind: "ensure_2fa", phone: "+9996621242", server: server)
        let env = ["TWO_FA": "ensure-mail-pw-31", "RECOVERY_EMAIL": "keeper@example.org"]
        let first = try await server.run(path, env: env)
        XCTAssertEqual(first.exitCode, .succeeded, first.message ?? "")
        XCTAssertEqual(first.outputs["changed"], .bool(true))
        XCTAssertEqual(first.outputs["has_recovery"], .bool(true))
        XCTAssertEqual(emailCodesSent(server), 1)

        // A fresh run finds the password in place: nothing changes, no second email code.
        let second = try await server.run(path, env: env, state: dir.appendingPathComponent("again.db").path)
        XCTAssertEqual(second.exitCode, .succeeded, second.message ?? "")
        XCTAssertEqual(second.outputs["changed"], .bool(false))
        XCTAssertEqual(second.outputs["has_recovery"], .bool(true))
        XCTAssertEqual(emailCodesSent(server), 1)
    }

    func testSet2FAWithRecoveryEmailConfirmedFromCodeLog() async throws {
        let server = try await WorkflowTestServer(test: self)
        let path = try emailWorkflow(kind: "set_2fa", phone: "+9996621241", server: server)
        let sink = RecordingSink()
        let outcome = try await server.run(path, env: ["TWO_FA": "mail-2fa-password-77", "RECOVERY_EMAIL": "owner@example.org"], recorder: sink)
        XCTAssertEqual(outcome.exitCode, .succeeded, "\(outcome.message ?? "")\n\(sink.text)")
        XCTAssertEqual(outcome.outputs["has_password"], .bool(true))
        XCTAssertEqual(outcome.outputs["has_recovery"], .bool(true), "the recovery email was not confirmed")
        XCTAssertEqual(outcome.outputs["hint"], .string("mail hint"))
        XCTAssertEqual(emailCodesSent(server), 1)
        XCTAssertFalse(sink.text.contains("mail-2fa-password-77"))
        XCTAssertFalse(sink.text.contains("owner@example.org"), sink.text)

        // The password set through the email path opens the account from a new session.
        let again = try write("again.yaml", """
        version: 1
        secrets:
          password: { env: TWO_FA }
        client:
          session: accounts/second
        steps:
          - id: login
            login: { phone: "+9996621241", password: "${{ secrets.password }}" }
          - id: me
            get_me: {}
        outputs:
          name: ${{ steps.me.outputs.user.first_name }}
        """)
        let second = try await server.run(again, env: ["TWO_FA": "mail-2fa-password-77"], state: dir.appendingPathComponent("second.db").path)
        XCTAssertEqual(second.exitCode, .succeeded, second.message ?? "")
        XCTAssertEqual(second.outputs["name"], .string("Mail"))
    }

    // MARK: helpers

    func jsonString(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }

    struct TestDCProcess {
        let info: String
        let port: Int
        let codeLog: String
        let errorLog: String
        func codes() -> [String] {
            ((try? String(contentsOfFile: codeLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func stderr() -> String { (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "" }
    }

    /// Starts `tgflow testdc --mtproxy-secret SECRET` as a user would; stopped at teardown.
    func startTestDC(secret: String) throws -> TestDCProcess {
        guard FileManager.default.isExecutableFile(atPath: RepoPaths.tgflow) else { throw XCTSkip("tgflow is not built at \(RepoPaths.tgflow)") }
        let info = dir.appendingPathComponent("testdc.json").path
        let codeLog = dir.appendingPathComponent("codes.jsonl").path
        let errorLog = dir.appendingPathComponent("testdc.err")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: RepoPaths.tgflow)
        p.arguments = ["testdc", "--listen", "127.0.0.1:0", "--dcs", "3", "--info", info, "--code-log", codeLog,
                       "--key", FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-wf-tests-\(getpid()).pem").path,
                       "--mtproxy-secret", secret]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: errorLog)
        try p.run()
        addTeardownBlock {
            p.terminate()
            let deadline = Date().addingTimeInterval(5)
            while p.isRunning, Date() < deadline { usleep(50_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        while port == nil, Date() < deadline, p.isRunning {
            if let data = FileManager.default.contents(atPath: info),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let dcs = object["dcs"] as? [[String: Any]], let first = dcs.first?["port"] as? Int {
                port = first
            } else {
                usleep(100_000)
            }
        }
        guard let port else {
            XCTFail("tgflow testdc did not start: \((try? String(contentsOfFile: errorLog.path, encoding: .utf8)) ?? "")")
            throw XCTSkip("no test server")
        }
        return TestDCProcess(info: info, port: port, codeLog: codeLog, errorLog: errorLog.path)
    }
}
