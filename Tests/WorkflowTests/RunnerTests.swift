import Foundation
import XCTest
@testable import Workflow

final class RunnerTests: XCTestCase {
    var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func environment(_ vars: [String: String] = [:]) -> SecretEnvironment {
        SecretEnvironment(variables: vars, isTerminal: false, readStandardInput: { nil }, prompt: { _ in nil })
    }

    func workflow(_ text: String) throws -> Workflow {
        let path = dir.appendingPathComponent("w.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let w = try WorkflowLoader.load(path: path)
        XCTAssertEqual(WorkflowValidator(catalog: TLMethodCatalog()).validate(w), [])
        return w
    }

    /// Starts a run; returns its task (which may never finish when the fake hangs).
    func start(_ w: Workflow, _ tg: ScriptedTelegram, options: RunOptions? = nil, recorder: EventRecorder = EventRecorder(), redactor: Redactor = Redactor()) throws -> Task<RunOutcome, Never> {
        let store = try CheckpointStore(path: dir.appendingPathComponent("state.db").path, redactor: redactor)
        var o = options ?? RunOptions(environment: environment())
        o.serverInfoPath = o.serverInfoPath ?? "testdc.json"
        let runner = WorkflowRunner(workflow: w, options: o, store: store, redactor: redactor, sink: recorder, telegram: { _ in tg })
        return Task { await runner.run() }
    }

    func run(_ w: Workflow, _ tg: ScriptedTelegram, options: RunOptions? = nil, recorder: EventRecorder = EventRecorder(), redactor: Redactor = Redactor()) async throws -> RunOutcome {
        await try start(w, tg, options: options, recorder: recorder, redactor: redactor).value
    }

    /// Waits until the fake has hung inside `method` (the "kill" point).
    func waitUntil(_ condition: @escaping () -> Bool) async {
        for _ in 0..<400 where !condition() { try? await Task.sleep(nanoseconds: 5_000_000) }
    }

    let loginFlow = """
    version: 1
    inputs:
      phone: { type: string, default: "+9996621234" }
    steps:
      - id: login
        login: { phone: "${{ inputs.phone }}" }
      - id: me
        get_me: {}
    outputs:
      user_id: ${{ steps.me.outputs.user.id }}
    """

    func testLoginAndOutputs() async throws {
        let tg = ScriptedTelegram()
        let outcome = try await run(try workflow(loginFlow), tg)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(outcome.outputs["user_id"], .int(777))
        XCTAssertEqual(tg.sendCodeCalls, 1)
    }

    func testKilledAfterSendCodeAnsweredResumesWithoutASecondSendCode() async throws {
        // A number outside the test range: its code can only come from the code source.
        let w = try workflow(loginFlow.replacingOccurrences(of: "login: { phone: \"${{ inputs.phone }}\" }", with: "login: { phone: \"${{ inputs.phone }}\", code: { env: CODE } }")
            .replacingOccurrences(of: "+9996621234", with: "+15550001234"))
        let tg = ScriptedTelegram()
        // First run: code sent, no code available headless → waits for a person.
        let first = try await run(w, tg)
        XCTAssertEqual(first.exitCode, .waitingForPerson)
        XCTAssertTrue(first.message?.contains("--input code=") == true, first.message ?? "")
        // The person answers: the same run resumes and signs in with the first hash.
        var options = RunOptions(environment: environment())
        options.inputs = [("code", "24680")]
        let recorder = EventRecorder()
        let second = try await run(w, tg, options: options, recorder: recorder)
        XCTAssertEqual(second.exitCode, .succeeded, second.message ?? "")
        XCTAssertEqual(second.runID, first.runID)
        XCTAssertEqual(tg.sendCodeCalls, 1)
        XCTAssertTrue(recorder.events.contains { $0.kind == .runResumed })
        XCTAssertFalse(recorder.lines.joined().contains("24680"), "the code must be masked")
    }

    func testKilledWhileTwoFactorChangeWasInFlightIsReconciledNotRepeated() async throws {
        let w = try workflow("""
        version: 1
        secrets:
          old: { env: OLD }
          new: { env: NEW }
        steps:
          - id: change
            change_2fa: { current_password: "${{ secrets.old }}", new_password: "${{ secrets.new }}" }
          - get_me: {}
        """)
        let tg = ScriptedTelegram()
        tg.password = "old-password"
        tg.authorized = true
        tg.hangAfterApplying = ["account.updatePasswordSettings"]
        let env = environment(["OLD": "old-password", "NEW": "new-password"])
        _ = try start(w, tg, options: RunOptions(environment: env))
        await waitUntil { tg.editPasswordCalls == 1 }
        XCTAssertEqual(tg.editPasswordCalls, 1)
        // "Killed": the first task stays suspended. A new process resumes from the database.
        tg.hangAfterApplying = []
        let recorder = EventRecorder()
        let outcome = try await run(w, tg, options: RunOptions(environment: env), recorder: recorder)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(tg.editPasswordCalls, 1, "the change must not be applied twice")
        XCTAssertEqual(tg.password, "new-password")
        XCTAssertTrue(recorder.events.contains { $0.message?.contains("not applying it again") == true })
    }

    func testRotatedPasswordReachesItsFileBeforeTheServerAndSurvivesAKill() async throws {
        let w = try workflow("""
        version: 1
        steps:
          - id: rotate
            rotate_2fa: { destination: { file: ./2fa.txt } }
        """)
        let tg = ScriptedTelegram()
        tg.authorized = true
        tg.password = "first-password"
        let file = dir.appendingPathComponent("2fa.txt")
        try PasswordFile.write("first-password", to: file)
        tg.hangAfterApplying = ["account.updatePasswordSettings"]
        _ = try start(w, tg)
        await waitUntil { tg.editPasswordCalls == 1 }
        // The server now holds a password that is on disk (pending), never only in memory.
        let pending = try PasswordFile.read(URL(fileURLWithPath: file.path + ".pending"))
        XCTAssertEqual(tg.password, pending)
        tg.hangAfterApplying = []
        let outcome = try await run(w, tg)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(tg.editPasswordCalls, 1)
        XCTAssertEqual(try PasswordFile.read(file), tg.password)
        XCTAssertEqual(tg.password?.count, 32)
        var st = stat()
        XCTAssertEqual(stat(file.path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    func testNonIdempotentCallInFlightStopsTheResumeUnlessRetryUnsafe() async throws {
        let w = try workflow("""
        version: 1
        steps:
          - id: bump
            call: account.updateProfile
            with: { about: "hello" }
        """)
        let tg = ScriptedTelegram()
        tg.authorized = true
        tg.hangAfterApplying = ["account.updateProfile"]
        _ = try start(w, tg)
        await waitUntil { tg.invoked.count == 1 }
        tg.hangAfterApplying = []
        let refused = try await run(w, tg)
        XCTAssertEqual(refused.exitCode, .resumeRefused)
        XCTAssertTrue(refused.message!.contains("--retry-unsafe"), refused.message!)
        XCTAssertEqual(tg.invoked.count, 1)
        var options = RunOptions(environment: environment())
        options.retryUnsafe = true
        let retried = try await run(w, tg, options: options)
        XCTAssertEqual(retried.exitCode, .succeeded, retried.message ?? "")
        XCTAssertEqual(tg.invoked.count, 2)
    }

    func testSendMessageResumeReusesItsRandomID() async throws {
        let w = try workflow("version: 1\nsteps:\n  - id: hi\n    send_message: { peer: me, text: hello }\n")
        let tg = ScriptedTelegram()
        tg.authorized = true
        tg.hangAfterApplying = ["messages.sendMessage"]
        _ = try start(w, tg)
        await waitUntil { tg.invoked.count == 1 }
        tg.hangAfterApplying = []
        let outcome = try await run(w, tg)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(tg.invoked.count, 2)
        XCTAssertEqual(tg.invoked[0].1["random_id"], tg.invoked[1].1["random_id"])
        XCTAssertEqual(tg.randomIDs.count, 1, "one message, not two")
    }

    func testChangedDefinitionOfAFinishedStepRefusesResume() async throws {
        let tg = ScriptedTelegram()
        tg.authorized = true
        let first = try await run(try workflow("version: 1\nsteps:\n  - id: me\n    get_me: {}\n  - assert: { that: false, message: stop here }\n"), tg)
        XCTAssertEqual(first.exitCode, .failed)
        XCTAssertEqual(first.message, "step 'assert#2' failed: stop here")
        let changed = try await run(try workflow("version: 1\nsteps:\n  - id: me\n    get_me: {}\n    timeout: 5\n  - assert: { that: true }\n"), tg)
        XCTAssertEqual(changed.exitCode, .resumeRefused)
        XCTAssertTrue(changed.message!.contains("step 'me'"), changed.message!)
        var options = RunOptions(environment: environment())
        options.fresh = true
        let fresh = try await run(try workflow("version: 1\nsteps:\n  - id: me\n    get_me: {}\n    timeout: 5\n  - assert: { that: true }\n"), tg, options: options)
        XCTAssertEqual(fresh.exitCode, .succeeded)
        XCTAssertNotEqual(fresh.runID, first.runID)
    }

    func testMissingSecretFailsBeforeTelegramIsReached() async throws {
        let w = try workflow("version: 1\nsecrets:\n  h: { env: NOPE }\nclient:\n  api_hash: ${{ secrets.h }}\nsteps:\n  - get_me: {}\n")
        let store = try CheckpointStore(path: dir.appendingPathComponent("s.db").path, redactor: Redactor())
        let runner = WorkflowRunner(workflow: w, options: RunOptions(environment: environment()), store: store, redactor: Redactor(), sink: EventRecorder(),
                                    telegram: { _ in XCTFail("no client may be created"); return ScriptedTelegram() })
        let outcome = await runner.run()
        XCTAssertEqual(outcome.exitCode, .usage)
        XCTAssertEqual(outcome.message, "secret 'h': environment variable NOPE is not set")
    }

    func testSecretsNeverReachTheCheckpointOrEvents() async throws {
        let secret = "s3cr3t-Pa55word!"
        let w = try workflow("""
        version: 1
        secrets:
          pw: { env: PW }
        steps:
          - id: set
            set_2fa: { password: "${{ secrets.pw }}", hint: "the usual" }
          - id: echo
            send_message: { peer: me, text: "${{ format('pw {0}', secrets.pw) }}" }
            reveal: true
        """)
        let tg = ScriptedTelegram()
        tg.authorized = true
        let recorder = EventRecorder()
        let outcome = try await run(w, tg, options: RunOptions(environment: environment(["PW": secret])), recorder: recorder)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(tg.password, secret)
        // The revealed message went to Telegram as asked, but nothing we print or store holds it.
        XCTAssertEqual(tg.invoked[0].1["message"], .string("pw \(secret)"))
        let db = try Data(contentsOf: dir.appendingPathComponent("state.db"))
        let wal = (try? Data(contentsOf: dir.appendingPathComponent("state.db-wal"))) ?? Data()
        let forms = [secret, Data(secret.utf8).base64EncodedString(), Data(secret.utf8).map { String(format: "%02x", $0) }.joined()]
        for form in forms {
            XCTAssertNil(db.range(of: Data(form.utf8)), "database holds \(form)")
            XCTAssertNil(wal.range(of: Data(form.utf8)), "WAL holds \(form)")
            XCTAssertFalse(recorder.lines.joined().contains(form))
        }
    }

    func testCheckpointDatabaseIsWALWithFullSync() throws {
        let store = try CheckpointStore(path: dir.appendingPathComponent("p.db").path, redactor: Redactor())
        let p = try store.pragmas()
        XCTAssertEqual(p.journalMode, "wal")
        XCTAssertEqual(p.synchronous, 2)
        var st = stat()
        XCTAssertEqual(stat(dir.appendingPathComponent("p.db").path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    func testTemplatesRunWithTheirOwnInputsAndOutputs() async throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try """
        version: 1
        inputs:
          greeting: { type: string, required: true }
        steps:
          - id: me
            get_me: {}
        outputs:
          line: "${{ inputs.greeting }}, ${{ steps.me.outputs.user.first_name }}"
        """.write(to: dir.appendingPathComponent("templates/hello.yaml"), atomically: true, encoding: .utf8)
        let tg = ScriptedTelegram()
        tg.authorized = true
        let outcome = try await run(try workflow("""
        version: 1
        steps:
          - id: hello
            uses: ./templates/hello.yaml
            with: { greeting: Hi }
        outputs:
          line: ${{ steps.hello.outputs.line }}
        """), tg)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(outcome.outputs["line"], .string("Hi, Test"))
    }

    func testConditionsAndContinueOnError() async throws {
        let tg = ScriptedTelegram()
        let recorder = EventRecorder()
        let outcome = try await run(try workflow("""
        version: 1
        inputs:
          skip: { type: boolean, default: true }
        steps:
          - if: ${{ !inputs.skip }}
            assert: { that: false }
          - id: broken
            get_me: {}
            continue_on_error: true
          - assert: { that: "${{ steps.broken.status == 'failed' }}" }
        """), tg, recorder: recorder)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(recorder.events.map(\.kind).filter { $0 != .notice }, [.runStarted, .stepSkipped, .stepStarted, .stepFailed, .stepStarted, .stepSucceeded, .runFinished])
    }

    func testExportSessionWritesA0600FileAndNeverPrintsTheSession() async throws {
        let tg = ScriptedTelegram()
        tg.authorized = true
        let recorder = EventRecorder()
        let outcome = try await run(try workflow("version: 1\nsteps:\n  - export_session: { format: string, destination: { file: out/session.txt } }\n"), tg, recorder: recorder)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        let file = dir.appendingPathComponent("out/session.txt")
        XCTAssertEqual(try PasswordFile.read(file), "1BVtsOKABu0secretsessionstring==")
        var st = stat()
        XCTAssertEqual(stat(file.path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertFalse(recorder.lines.joined().contains("secretsessionstring"))
    }

    func testRotateToACommandStoresThePasswordBeforeTheServerUsesIt() async throws {
        let target = dir.appendingPathComponent("from-command.txt").path
        let tg = ScriptedTelegram()
        tg.authorized = true
        tg.hangAfterApplying = ["account.updatePasswordSettings"]
        let w = try workflow("""
        version: 1
        steps:
          - rotate_2fa: { length: 20, destination: { command: [sh, -c, "umask 077; cat > \(target)"] } }
        """)
        _ = try start(w, tg)
        await waitUntil { tg.editPasswordCalls == 1 }
        XCTAssertEqual(try PasswordFile.read(URL(fileURLWithPath: target)), tg.password)
        XCTAssertEqual(tg.password?.count, 20)
    }

    func testWaitingForAPasswordStopsWithExitFourAndResumesWithIt() async throws {
        let tg = ScriptedTelegram()
        tg.password = "account-password"
        let w = try workflow("version: 1\nsteps:\n  - login: { phone: \"+9996621234\" }\n  - get_me: {}\n")
        let first = try await run(w, tg)
        XCTAssertEqual(first.exitCode, .waitingForPerson)
        XCTAssertTrue(first.message!.contains("--input password="), first.message!)
        var options = RunOptions(environment: environment())
        options.inputs = [("password", "account-password")]
        let second = try await run(w, tg, options: options)
        XCTAssertEqual(second.exitCode, .succeeded, second.message ?? "")
        XCTAssertEqual(tg.sendCodeCalls, 1)
    }

    func testQRLoginOnlyWithATerminalAndItsURLNeverReachesEvents() async throws {
        let w = try workflow("version: 1\nsteps:\n  - login: { qr: true }\n")
        let headless = try await run(w, ScriptedTelegram())
        XCTAssertEqual(headless.exitCode, .failed)
        XCTAssertTrue(headless.message?.contains("needs a person at a terminal") == true, headless.message ?? "")
        let tg = ScriptedTelegram()
        let terminal = SecretEnvironment(variables: [:], isTerminal: true, readStandardInput: { nil }, prompt: { _ in nil })
        let recorder = EventRecorder()
        let outcome = try await run(w, tg, options: RunOptions(environment: terminal), recorder: recorder)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(tg.qrURLs.count, 1)
        XCTAssertFalse(recorder.lines.joined().contains("c2NyaXB0ZWQ"))
    }

    func testACallWithARandomIDWeChoseIsSafeToResume() async throws {
        let w = try workflow("version: 1\nsteps:\n  - id: hi\n    call: messages.sendMessage\n    with: { peer: me, message: hello }\n")
        let tg = ScriptedTelegram()
        tg.authorized = true
        tg.hangAfterApplying = ["messages.sendMessage"]
        _ = try start(w, tg)
        await waitUntil { tg.invoked.count == 1 }
        tg.hangAfterApplying = []
        let recorder = EventRecorder()
        let outcome = try await run(w, tg, recorder: recorder)
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        XCTAssertEqual(tg.invoked.count, 2)
        XCTAssertNotNil(tg.invoked[0].1["random_id"]?.intValue)
        XCTAssertEqual(tg.invoked[0].1["random_id"], tg.invoked[1].1["random_id"])
        XCTAssertEqual(tg.randomIDs.count, 1, "one message, not two")
        XCTAssertTrue(recorder.events.contains { $0.message?.contains("not repeating it") == true })
    }
}
