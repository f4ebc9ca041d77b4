import Foundation

extension WorkflowRunner {
    /// `login`: phone + code (+ 2FA password, + sign-up), or a bot token. A code is asked
    /// for once per run: the phone_code_hash is checkpointed as soon as Telegram answers,
    /// and a resumed run reuses it instead of calling `auth.sendCode` again.
    func runLogin(_ run: StepRun) async throws -> [String: Evaluated] {
        let tg = try await run.telegram()
        if try await tg.isUserAuthorized() {
            return ["user": Evaluated(try await tg.getMe()), "authorized_before": Evaluated(.bool(true))]
        }
        if let token = try run.parameter("bot_token") {
            guard case .string(let t) = token.value else { throw StepFailure(message: "'login.bot_token' must be a string") }
            redactor.register(t)
            return ["user": Evaluated(try await tg.signIn(botToken: t)), "authorized_before": Evaluated(.bool(false))]
        }
        if try run.parameter("qr")?.value == .bool(true) {
            // The login URL logs in whoever opens it, so it goes to the terminal only: never to
            // events, logs or the checkpoint. Without a terminal nobody can scan it.
            guard options.environment.isTerminal else {
                throw StepFailure(message: "QR login needs a person at a terminal to scan the code; use phone or bot_token without one")
            }
            let user: Value
            do {
                user = try await tg.qrLogin(timeout: 120, show: options.showLoginURL)
            } catch let failure as TelegramFailure where failure.name == "SESSION_PASSWORD_NEEDED" {
                guard let p = try run.parameter("password"), case .string(let password) = p.value else {
                    throw StepFailure(message: "the account has a 2FA password; give login.password (from a secret) for QR login")
                }
                redactor.register(password)
                user = try await tg.checkPassword(password)
            }
            return ["user": Evaluated(user), "authorized_before": Evaluated(.bool(false))]
        }
        guard let phone = try run.string("phone") else { throw StepFailure(message: "'login' needs 'phone', 'bot_token' or 'qr'") }

        var sent: SentLoginCode
        if let hash = run.state["phone_code_hash"]?.stringValue {
            sent = SentLoginCode(phoneCodeHash: hash, type: run.state["code_type"]?.stringValue ?? "app", length: run.state["code_length"]?.intValue.map { Int($0) })
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "reusing the login code requested earlier in this run; no new code is requested"))
        } else if let pending = try await tg.pendingCode(phone: phone) {
            sent = pending
            try run.save(codeState(pending))
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "the session holds a login code requested earlier; reusing it"))
        } else {
            if run.state["phase"]?.stringValue == "sending_code" {
                emit(RunEvent(.notice, runID: runID, step: run.path, message: "the last run stopped before Telegram answered the code request; asking once more"))
            }
            try run.save(["phase": .string("sending_code")])
            sent = try await tg.sendCode(phone: phone)
            try run.save(codeState(sent))
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "login code sent (\(sent.type)); a rerun reuses it"))
        }

        var user: Value
        do {
            var code = try await loginCode(run, phone: phone, sent: sent)
            do {
                user = try await tg.signIn(phone: phone, phoneCodeHash: sent.phoneCodeHash, code: code)
            } catch let failure as TelegramFailure where failure.name == "PHONE_CODE_EXPIRED" {
                sent = try await tg.resendCode(phone: phone, phoneCodeHash: sent.phoneCodeHash)
                try run.save(codeState(sent))
                personAnswers["code"] = nil
                code = try await loginCode(run, phone: phone, sent: sent)
                user = try await tg.signIn(phone: phone, phoneCodeHash: sent.phoneCodeHash, code: code)
            }
        } catch let failure as TelegramFailure where failure.name == "SESSION_PASSWORD_NEEDED" {
            try run.save(["phase": .string("password_needed")])
            let password: String
            if let p = try run.parameter("password"), case .string(let s) = p.value {
                password = s
            } else if let p = personAnswers["password"] {
                password = p
            } else {
                throw WaitingForPerson(message: "the account has a 2FA password and none was given; rerun with --input password=… (or set login.password from a secret)")
            }
            redactor.register(password)
            user = try await tg.checkPassword(password)
        } catch let failure as TelegramFailure where failure.name == "PHONE_NUMBER_UNOCCUPIED" {
            guard let first = try run.string("first_name") else {
                throw StepFailure(message: "\(phone) has no Telegram account; give login.first_name (and accept_terms: true) to sign up")
            }
            guard try run.parameter("accept_terms")?.value == .bool(true) else {
                throw StepFailure(message: "signing up \(phone) needs accept_terms: true (Telegram's terms of service)")
            }
            user = try await tg.signUp(phone: phone, phoneCodeHash: sent.phoneCodeHash, firstName: first, lastName: try run.string("last_name") ?? "")
        }
        return ["user": Evaluated(user), "authorized_before": Evaluated(.bool(false))]
    }

    private func codeState(_ sent: SentLoginCode) -> [String: Value] {
        var state: [String: Value] = ["phase": .string("code_sent"), "phone_code_hash": .string(sent.phoneCodeHash),
                                      "code_type": .string(sent.type), "sent_at": .double(Date().timeIntervalSince1970)]
        if let length = sent.length { state["code_length"] = .int(Int64(length)) }
        return state
    }

    /// The login code, from `--input code=`, the step's code source, or a test number's rule.
    /// Throws `WaitingForPerson` when only a person could give it and there is no terminal.
    private func loginCode(_ run: StepRun, phone: String, sent: SentLoginCode) async throws -> String {
        if let answer = personAnswers["code"] { return answer }
        let waiting = WaitingForPerson(message: "a login code was sent to \(phone); rerun with --input code=CODE to continue (no new code will be requested)")
        if makeClientRequestIfPossible()?.isTestServer == true, let code = Self.testCode(phone: phone, length: sent.length) {
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "test server: using the test number's code"))
            return code
        }
        guard let source = run.step.parameters["code"] else {
            if options.environment.isTerminal, let code = options.environment.prompt("Login code for \(phone)") { return register(code) }
            throw waiting
        }
        return try await resolveCode(source, run: run, question: "Login code for \(phone)", waiting: waiting)
    }

    private func makeClientRequestIfPossible() -> ClientRequest? { try? makeClientRequest() }

    @discardableResult
    func register(_ value: String) -> String {
        redactor.register(value)
        return value
    }

    /// Reads a code from a code source (`prompt`, `env`, `file`, `command`, `from_session`,
    /// `input`) or from an expression.
    func resolveCode(_ source: ValueTemplate, run: StepRun, question: String, waiting: WaitingForPerson) async throws -> String {
        guard case .object(let fields, _, _, _) = source else {
            let v = try run.evaluator.evaluate(source)
            guard case .string(let s) = v.value, !s.isEmpty else { throw waiting }
            return register(s)
        }
        let evaluator = run.evaluator
        func text(_ key: String) throws -> String? { try fields[key].map { try evaluator.evaluate($0).value.interpolated } }
        if let prompt = try text("prompt") {
            guard options.environment.isTerminal, let code = options.environment.prompt(prompt.isEmpty ? question : prompt) else { throw waiting }
            return register(code)
        }
        if let variable = try text("env") {
            guard let v = options.environment.variables[variable], !v.isEmpty else {
                throw WaitingForPerson(message: waiting.message + ", or set \(variable)")
            }
            return register(v)
        }
        if let path = try text("file") {
            let url = resolvePath(path, against: baseDirectory)
            guard let data = FileManager.default.contents(atPath: url.path), let s = String(data: data, encoding: .utf8),
                  !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw WaitingForPerson(message: waiting.message + ", or write it to \(path)")
            }
            return register(s.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if case .array(let items, _)? = fields["command"] {
            let argv = try items.map { try evaluator.evaluate($0).value.interpolated }
            return register(SecretResolver.trimNewline(try CommandRunner.output(of: argv, timeout: 60, secretName: "code")))
        }
        if let input = try text("input") {
            guard let v = context.inputs[input]?.value.stringValue ?? personAnswers[input] else { throw waiting }
            return register(v)
        }
        if let session = try text("from_session") {
            let path = resolvePath(session, against: outputDirectory).path
            let tg = try await run.telegram()
            for _ in 0..<20 {
                if let code = try await tg.loginCode(fromSession: path) { return register(code) }
                try await Task.sleep(nanoseconds: 500_000_000)
            }
            throw StepFailure(message: "no login code from Telegram (user 777000) arrived in the session \(session) within 10 s")
        }
        throw waiting
    }

    /// Telegram's test numbers 99966XYYYY get the code X repeated (five times by default).
    static func testCode(phone: String, length: Int?) -> String? {
        let digits = phone.filter(\.isNumber)
        guard digits.count == 10, digits.hasPrefix("99966"), let dc = digits.dropFirst(5).first, dc != "0" else { return nil }
        return String(repeating: dc, count: length ?? 5)
    }
}
