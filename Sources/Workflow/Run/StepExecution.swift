import Foundation

/// One step's execution: its parameters, its durable resume state, and what the previous
/// attempt left behind.
final class StepRun: @unchecked Sendable {
    let runner: WorkflowRunner
    let step: Step
    let path: String
    /// What the checkpoint held for this step before this run touched it.
    let previous: StepRecord?
    let evaluator: Evaluator
    private(set) var state: [String: Value]

    init(runner: WorkflowRunner, step: Step, path: String, previous: StepRecord?, evaluator: Evaluator) {
        self.runner = runner
        self.step = step
        self.path = path
        self.previous = previous
        self.evaluator = evaluator
        if case .object(let o)? = previous?.state { state = o } else { state = [:] }
    }

    /// The previous run died inside this step: its outcome is unknown.
    var wasInFlight: Bool { previous?.status == .running }

    /// Merges `changes` into the step's resume state and makes it durable before returning.
    func save(_ changes: [String: Value]) throws {
        for (k, v) in changes { state[k] = v }
        try runner.store.updateStepState(runID: runner.runID, path: path, state: .object(state))
    }

    /// A parameter of the step's kind, evaluated (nil when absent or null).
    func parameter(_ name: String) throws -> Evaluated? {
        guard let t = step.parameters[name] else { return nil }
        let v = try evaluator.evaluate(t)
        return v.value == .null ? nil : v
    }

    func string(_ name: String) throws -> String? {
        guard let v = try parameter(name) else { return nil }
        guard case .string(let s) = v.value else { throw StepFailure(message: "'\(step.kind.rawValue).\(name)' must be a string, found a \(v.value.typeName)") }
        return s
    }

    func telegram() async throws -> WorkflowTelegram { try await runner.telegram() }
}

extension WorkflowRunner {
    /// Runs `steps` in order; `prefix` is the path of the enclosing template step.
    func runSteps(_ steps: [Step], prefix: String) async throws {
        for (index, step) in steps.enumerated() {
            try await runStep(step, index: index, prefix: prefix)
        }
    }

    private func restore(_ record: StepRecord, id: String?) {
        guard let id else { return }
        var outputs: [String: Evaluated] = [:]
        if case .object(let o) = record.outputs {
            for (k, v) in o { outputs[k] = v == .object(["$secret": .bool(true)]) ? Evaluated(.null, secret: true) : Evaluated(v) }
        }
        context.steps[id] = (record.status.rawValue, outputs)
    }

    private func runStep(_ step: Step, index: Int, prefix: String) async throws {
        let path = prefix + step.displayName(index: index)
        let record = records[path]
        if let record, record.status == .succeeded || record.status == .skipped {
            restore(record, id: step.id)
            emit(RunEvent(.stepRestored, runID: runID, step: path, message: "already \(record.status.rawValue) in this run; not repeated"))
            return
        }
        if let condition = step.condition {
            let v = try Evaluator(context: context).evaluate(condition)
            guard case .bool(let yes) = v.value else { throw StepFailure(message: "step '\(path)': 'if' gave a \(v.value.typeName), not a boolean") }
            if !yes {
                try store.stepSkipped(runID: runID, path: path, position: index, kind: step.kind.rawValue, definitionDigest: step.definitionDigest)
                if let id = step.id { context.steps[id] = ("skipped", [:]) }
                emit(RunEvent(.stepSkipped, runID: runID, step: path, message: "condition is false"))
                return
            }
        }
        // A call whose random_id we chose and checkpointed is deduplicated by Telegram, so it is
        // safe to send again.
        let deduplicated = record?.state["random_id"] != nil
        if record?.status == .running, step.kind == .call, !isIdempotentCall(step), !deduplicated, !options.retryUnsafe {
            throw ResumeRefused(message: "step '\(path)' (call \(step.parameters.literalString ?? "")) was in flight when the last run stopped and is not idempotent; it may or may not have happened. Check, then rerun with --retry-unsafe to send it again, or --fresh")
        }
        let attempt = (record?.attempt ?? 0) + 1
        try store.stepStarted(runID: runID, path: path, position: index, kind: step.kind.rawValue, definitionDigest: step.definitionDigest, attempt: attempt, state: record?.state ?? .object([:]))
        let started = Date()
        emit(RunEvent(.stepStarted, runID: runID, step: path, message: step.name, fields: ["kind": .string(step.kind.rawValue), "attempt": .int(Int64(attempt))]))
        let run = StepRun(runner: self, step: step, path: path, previous: record, evaluator: Evaluator(context: context))
        do {
            var outputs = try await withRetries(step, path: path) { try await self.execute(run) }
            if let id = step.id { context.steps[id] = ("succeeded", outputs) }
            let evaluator = Evaluator(context: context)
            for (name, template) in step.outputs { outputs[name] = try evaluator.evaluate(template) }
            if let id = step.id { context.steps[id] = ("succeeded", outputs) }
            try store.stepFinished(runID: runID, path: path, status: .succeeded, outputs: outputs, error: nil)
            emit(RunEvent(.stepSucceeded, runID: runID, step: path, duration: Date().timeIntervalSince(started), fields: ["outputs": .object(outputs.mapValues { $0.secret ? .string(Redactor.mask) : $0.value })]))
        } catch let waiting as WaitingForPerson {
            try store.stepFinished(runID: runID, path: path, status: .waiting, outputs: [:], error: waiting.message)
            emit(RunEvent(.stepWaiting, runID: runID, step: path, message: waiting.message))
            throw waiting
        } catch let refused as ResumeRefused {
            throw refused
        } catch {
            let message = redactor.redact("step '\(path)' failed: \(error)")
            try store.stepFinished(runID: runID, path: path, status: .failed, outputs: [:], error: message)
            emit(RunEvent(.stepFailed, runID: runID, step: path, message: message, duration: Date().timeIntervalSince(started)))
            if step.continueOnError {
                if let id = step.id { context.steps[id] = ("failed", [:]) }
                return
            }
            throw StepFailure(message: message)
        }
    }

    func isIdempotentCall(_ step: Step) -> Bool {
        if let declared = step.idempotent { return declared }
        return ReadOnlyMethods.isReadOnly(step.parameters.literalString ?? "")
    }

    /// Runs `body` under the step's retry policy and timeout. FLOOD_WAIT_X waits X seconds
    /// when X is within the limit, else fails with the wait it was given.
    private func withRetries(_ step: Step, path: String, _ body: @escaping @Sendable () async throws -> [String: Evaluated]) async throws -> [String: Evaluated] {
        var attempt = 1
        while true {
            do {
                if let timeout = step.timeout { return try await withTimeout(timeout, path: path, body) }
                return try await body()
            } catch let failure as TelegramFailure {
                let neverRetried = RetryPolicy.neverRetried.contains { failure.name.hasPrefix($0) } || failure.name == "SESSION_PASSWORD_NEEDED"
                let listed = step.retry.on.isEmpty ? failure.isTransient : step.retry.on.contains(failure.name)
                guard attempt < step.retry.attempts, listed, !neverRetried else { throw failure }
                var delay = step.retry.delay(beforeAttempt: attempt + 1)
                if failure.name == "FLOOD_WAIT", let seconds = failure.value {
                    let limit = step.retry == .none ? options.floodWaitLimit : step.retry.maxDelay
                    guard Double(seconds) <= limit else {
                        throw StepFailure(message: "Telegram asks to wait \(seconds) s (FLOOD_WAIT), more than the \(Int(limit)) s this step allows; try again later")
                    }
                    delay = Double(seconds)
                }
                emit(RunEvent(.notice, runID: runID, step: path, message: "\(failure.name); retrying in \(delay) s (attempt \(attempt + 1) of \(step.retry.attempts))"))
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                attempt += 1
            }
        }
    }

    private func withTimeout(_ seconds: Double, path: String, _ body: @escaping @Sendable () async throws -> [String: Evaluated]) async throws -> [String: Evaluated] {
        try await withThrowingTaskGroup(of: [String: Evaluated].self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                throw StepFailure(message: "timed out after \(seconds) s")
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
    }

    /// Dispatches to the step's kind.
    func execute(_ run: StepRun) async throws -> [String: Evaluated] {
        switch run.step.kind {
        case .connect:
            let dc = try await run.telegram().connect()
            return ["dc": Evaluated(.int(Int64(dc)))]
        case .login: return try await runLogin(run)
        case .logout:
            try await run.telegram().logOut()
            return [:]
        case .getMe:
            return ["user": Evaluated(try await run.telegram().getMe())]
        case .ensure2FA, .set2FA, .change2FA, .remove2FA: return try await runPasswordChange(run)
        case .rotate2FA: return try await runRotatePassword(run)
        case .call: return try await runCall(run)
        case .sendMessage: return try await runSendMessage(run)
        case .assert:
            guard let that = try run.parameter("that"), case .bool(let ok) = that.value else { throw StepFailure(message: "'assert.that' must be a boolean") }
            if !ok { throw StepFailure(message: try run.string("message") ?? "assertion failed") }
            return [:]
        case .sleep:
            guard let seconds = try run.parameter("seconds")?.value.doubleValue, seconds >= 0 else { throw StepFailure(message: "'sleep.seconds' must be a number ≥ 0") }
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            return [:]
        case .exportSession: return try await runExportSession(run)
        case .uses: return try await runTemplate(run)
        }
    }

    /// Runs a template's steps with its own inputs (from `with`), then evaluates its outputs.
    private func runTemplate(_ run: StepRun) async throws -> [String: Evaluated] {
        guard let template = run.step.template else { throw StepFailure(message: "template was not loaded") }
        var inputs: [String: Evaluated] = [:]
        let given = try run.step.with.map { try run.evaluator.evaluate($0) }
        for d in template.inputs {
            if let v = given?.value[d.name], v != .null {
                inputs[d.name] = Evaluated(v, secret: d.secret || (given?.secret ?? false))
            } else if let v = d.defaultValue {
                inputs[d.name] = Evaluated(v, secret: d.secret)
            } else if d.required {
                throw StepFailure(message: "template input '\(d.name)' is required")
            } else {
                inputs[d.name] = Evaluated(.null, secret: d.secret)
            }
        }
        let outer = context
        context.inputs = inputs
        context.steps = [:]
        defer {
            context.inputs = outer.inputs
            let inner = context.steps
            context.steps = outer.steps
            _ = inner
        }
        try await runSteps(template.steps, prefix: run.path + "/")
        var outputs: [String: Evaluated] = [:]
        let evaluator = Evaluator(context: context)
        for (name, t) in template.outputs { outputs[name] = try evaluator.evaluate(t) }
        return outputs
    }
}
