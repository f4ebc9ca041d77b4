import XCTest
@testable import Workflow

final class LoaderTests: XCTestCase {
    func testIssueExampleShapeLoadsAndValidates() throws {
        let source = """
        version: 1
        name: login and rotate 2FA
        inputs:
          phone: { type: string, default: "+9996621234" }
        secrets:
          api_hash: { env: TG_API_HASH }
          password: { file: ./secrets/2fa.txt, optional: true }
          proxy: { env: PROXY_PASSWORD, optional: true }
        client:
          api_id: 12345
          api_hash: ${{ secrets.api_hash }}
          session: accounts/main
          proxy: { type: socks5, host: 127.0.0.1, port: 1080, username: me, password: ${{ secrets.proxy }} }
        steps:
          - id: login
            login:
              phone: ${{ inputs.phone }}
              code: { prompt: "Code from Telegram" }
              password: ${{ secrets.password }}
          - id: me
            get_me: {}
          - id: hello
            call: messages.sendMessage
            with: { peer: me, message: "logged in as ${{ steps.me.outputs.user.first_name }}", random_id: 42 }
            retry: { attempts: 3, backoff: exponential }
        outputs:
          user_id: ${{ steps.me.outputs.user.id }}
        """
        XCTAssertEqual(diagnostics(source: source), [])
        let w = try WorkflowLoader.load(source: source, file: "x.yaml")
        XCTAssertEqual(w.steps.map(\.kind), [.login, .getMe, .call])
        XCTAssertEqual(w.steps[2].retry.attempts, 3)
        XCTAssertEqual(w.secrets[1].source, .file(path: "./secrets/2fa.txt", allowWorldReadable: false))
        XCTAssertEqual(w.inputs[0].defaultValue, .string("+9996621234"))
    }

    func testNorwayIsAString() throws {
        let w = try WorkflowLoader.load(source: "version: 1\ninputs:\n  country: { type: string, default: no }\nsteps:\n  - get_me: {}\n", file: "x")
        XCTAssertEqual(w.inputs[0].defaultValue, .string("no"))
    }

    func testStepDigestIgnoresFormattingButNotMeaning() throws {
        let a = try WorkflowLoader.load(source: "version: 1\nsteps:\n  - sleep: {seconds: 1}\n", file: "x")
        let b = try WorkflowLoader.load(source: "version: 1\n\nsteps:\n  - sleep:\n      seconds: 1\n", file: "x")
        let c = try WorkflowLoader.load(source: "version: 1\nsteps:\n  - sleep: {seconds: 2}\n", file: "x")
        XCTAssertEqual(a.steps[0].definitionDigest, b.steps[0].definitionDigest)
        XCTAssertNotEqual(a.steps[0].definitionDigest, c.steps[0].definitionDigest)
    }

    func testTemplatesLoadRelativeToTheIncludingFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try """
        version: 1
        inputs:
          who: { type: string, required: true }
        steps:
          - id: me
            get_me: {}
        outputs:
          name: ${{ steps.me.outputs.user.first_name }}
        """.write(to: dir.appendingPathComponent("templates/t.yaml"), atomically: true, encoding: .utf8)
        let main = dir.appendingPathComponent("main.yaml")
        try "version: 1\nsteps:\n  - id: t\n    uses: ./templates/t.yaml\n    with: { who: x, whom: y }\n".write(to: main, atomically: true, encoding: .utf8)
        let w = try WorkflowLoader.load(path: main.path)
        XCTAssertNotNil(w.steps[0].template)
        let problems = WorkflowValidator(catalog: nil).validate(w)
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems[0].message.contains("has no input 'whom'; did you mean 'who'?"), problems[0].message)
    }

    func testRevealAllowsASecretInPlainText() {
        let source = """
        version: 1
        secrets:
          pw: { env: PW }
        steps:
          - send_message: { peer: me, text: "${{ secrets.pw }}" }
            reveal: true
        """
        XCTAssertEqual(diagnostics(source: source), [])
    }

    func testHostileFilesGiveDiagnosticsNotCrashes() {
        for source in ["", "[1, 2", "version: 1\nsteps: 3\n", "- a\n- b\n", String(repeating: "[", count: 5000), "version: 1\nsteps:\n  - \(String(repeating: "{a: ", count: 200))1\(String(repeating: "}", count: 200))\n", "\u{0}\u{1}"] {
            XCTAssertFalse(diagnostics(source: source).isEmpty, source.prefix(20).description)
        }
    }
}
