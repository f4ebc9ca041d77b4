import Foundation

/// Runs a validated workflow step by step: resolves inputs and secrets, checkpoints each
/// step before it acts and after it ends, resumes an unfinished run of the same workflow
/// and inputs, and reports events. Telegram is reached through `WorkflowTelegram`.
public final class WorkflowRunner: @unchecked Sendable {
    public typealias TelegramFactory = @Sendable (ClientRequest) async throws -> WorkflowTelegram

    let workflow: Workflow
    let options: RunOptions
    let store: CheckpointStore
    let redactor: Redactor
    let sink: RunEventSink
    let factory: TelegramFactory
    private var client: WorkflowTelegram?
    var clientRequest: ClientRequest?
    var context = EvaluationContext()
    var runID = ""
    var records: [String: StepRecord] = [:]
    var personAnswers: [String: String] = [:]

    public init(workflow: Workflow, options: RunOptions, store: CheckpointStore, redactor: Redactor, sink: RunEventSink, telegram: @escaping TelegramFactory) {
        self.workflow = workflow
        self.options = options
        self.store = store
        self.redactor = redactor
        self.sink = sink
        self.factory = telegram
    }

    var baseDirectory: URL { URL(fileURLWithPath: workflow.file).deletingLastPathComponent() }
    /// Where files the run creates (sessions, password files) go when given relative paths.
    var outputDirectory: URL { options.outputDirectory ?? baseDirectory }

    func emit(_ event: RunEvent) {
        var e = event
        e.message = e.message.map(redactor.redact)
        e.fields = e.fields.mapValues(redactor.redact)
        sink.emit(e)
        try? store.appendEvent(runID: runID, type: e.kind.rawValue, step: e.step, body: e.json)
    }

    /// Runs the workflow to its end (or to the first failure, or to a wait for a person).
    public func run() async -> RunOutcome {
        // Inputs and secrets first: nothing is sent to Telegram if any is missing.
        let inputs: [String: Evaluated]
        let secrets: [String: Evaluated]
        do {
            inputs = try resolveInputs()
            secrets = try SecretResolver(environment: options.environment, redactor: redactor, baseDirectory: baseDirectory).resolveAll(workflow.secrets)
        } catch {
            return RunOutcome(runID: nil, exitCode: .usage, message: redactor.redact("\(error)"), outputs: [:])
        }
        context.inputs = inputs
        context.secrets = secrets
        context.env = options.environment.variables
        do {
            // The client block reads the workflow's inputs and secrets; evaluate it now, not
            // later inside a template whose inputs differ.
            _ = try makeClientRequest()
        } catch {
            return RunOutcome(runID: nil, exitCode: .usage, message: redactor.redact("client: \(error)"), outputs: [:])
        }
        let workflowPath = URL(fileURLWithPath: workflow.file).standardizedFileURL.path
        let digest = inputsDigest(inputs)
        do {
            if !options.fresh, let previous = try store.unfinishedRun(workflowPath: workflowPath, inputsDigest: digest) {
                runID = previous.id
                for r in try store.steps(ofRun: previous.id) { records[r.path] = r }
                try refuseChangedSteps()
                try store.reopenRun(previous.id, workflowDigest: workflow.digest)
                emit(RunEvent(.runResumed, runID: runID, message: "resuming run \(runID) of \(workflow.name ?? workflow.file) (\(records.values.filter { $0.status == .succeeded }.count) steps already done)"))
            } else {
                runID = try store.createRun(workflowPath: workflowPath, workflowDigest: workflow.digest, inputsDigest: digest).id
                emit(RunEvent(.runStarted, runID: runID, message: "run \(runID) of \(workflow.name ?? workflow.file)"))
            }
        } catch let refused as ResumeRefused {
            emit(RunEvent(.runFinished, runID: runID, message: refused.message, fields: ["status": .string("refused"), "exit_code": .int(Int64(RunExitCode.resumeRefused.rawValue))]))
            return RunOutcome(runID: runID, exitCode: .resumeRefused, message: refused.message, outputs: [:])
        } catch {
            return RunOutcome(runID: nil, exitCode: .internalError, message: "checkpoint database \(store.path): \(error)", outputs: [:])
        }
        context.run = ["id": .string(runID), "workflow": .string(workflow.name ?? workflow.file),
                       "attempt": .int(Int64(records.isEmpty ? 1 : 2)), "started_at": .string(Timestamp.iso8601(Date()))]

        let outcome: RunOutcome
        do {
            try await runSteps(workflow.steps, prefix: "")
            var outputs: [String: Value] = [:]
            let evaluator = Evaluator(context: context)
            for (name, template) in workflow.outputs {
                let v = try evaluator.evaluate(template)
                outputs[name] = v.secret ? .string(Redactor.mask) : v.value
            }
            try store.finishRun(runID, status: .succeeded, error: nil)
            outcome = RunOutcome(runID: runID, exitCode: .succeeded, message: nil, outputs: outputs)
        } catch let waiting as WaitingForPerson {
            try? store.finishRun(runID, status: .waiting, error: waiting.message)
            outcome = RunOutcome(runID: runID, exitCode: .waitingForPerson, message: redactor.redact(waiting.message), outputs: [:])
        } catch let refused as ResumeRefused {
            try? store.finishRun(runID, status: .failed, error: refused.message)
            outcome = RunOutcome(runID: runID, exitCode: .resumeRefused, message: redactor.redact(refused.message), outputs: [:])
        } catch {
            let message = redactor.redact("\(error)")
            try? store.finishRun(runID, status: .failed, error: message)
            outcome = RunOutcome(runID: runID, exitCode: .failed, message: message, outputs: [:])
        }
        emit(RunEvent(.runFinished, runID: runID, message: outcome.message, fields: ["status": .string(Self.statusName(outcome.exitCode)), "exit_code": .int(Int64(outcome.exitCode.rawValue)), "outputs": .object(outcome.outputs)]))
        await client?.disconnect()
        return outcome
    }

    static func statusName(_ code: RunExitCode) -> String {
        switch code {
        case .succeeded: return "succeeded"
        case .waitingForPerson: return "waiting"
        case .resumeRefused: return "refused"
        default: return "failed"
        }
    }

    // MARK: inputs

    func resolveInputs() throws -> [String: Evaluated] {
        var given: [String: String] = [:]
        for (name, value) in options.inputs {
            if workflow.input(named: name) == nil, !personInputs.contains(name) {
                throw InputError.unknown(name: name, suggestion: closestName(to: name, in: workflow.inputs.map(\.name) + personInputs))
            }
            given[name] = value
        }
        var values: [String: Evaluated] = [:]
        for d in workflow.inputs {
            if let text = given[d.name] {
                values[d.name] = Evaluated(try InputValues.parse(text, for: d), secret: d.secret)
                if d.secret { redactor.register(text) }
            } else if let v = d.defaultValue {
                values[d.name] = Evaluated(v, secret: d.secret)
            } else if d.required {
                throw InputError.missing(name: d.name)
            } else {
                values[d.name] = Evaluated(.null, secret: d.secret)
            }
        }
        for name in personInputs where workflow.input(named: name) == nil {
            if let text = given[name] {
                redactor.register(text)
                personAnswers[name] = text
            }
        }
        return values
    }

    /// Digest of the non-secret inputs: the same workflow with the same inputs resumes.
    func inputsDigest(_ inputs: [String: Evaluated]) -> String {
        let plain = inputs.filter { !$0.value.secret }.mapValues(\.value)
        return SHA256Digest.hex(Value.object(plain).json)
    }

    private func refuseChangedSteps() throws {
        var current: [String: String] = [:]
        func collect(_ steps: [Step], _ prefix: String) {
            for (i, s) in steps.enumerated() {
                let path = prefix + s.displayName(index: i)
                current[path] = s.definitionDigest
                if let t = s.template { collect(t.steps, path + "/") }
            }
        }
        collect(workflow.steps, "")
        for record in records.values.sorted(by: { $0.position < $1.position }) where record.status == .succeeded {
            if let digest = current[record.path], digest != record.definitionDigest {
                throw ResumeRefused(message: "step '\(record.path)' finished in run \(runID) but its definition has changed since; run with --fresh to start over")
            }
        }
    }

    // MARK: Telegram

    /// The connected client, created from the `client:` block on first use.
    func telegram() async throws -> WorkflowTelegram {
        if let client { return client }
        let request = try makeClientRequest()
        let created = try await factory(request)
        _ = try await created.connect()
        client = created
        return created
    }

    func makeClientRequest() throws -> ClientRequest {
        if let clientRequest { return clientRequest }
        var fields: [String: Evaluated] = [:]
        let evaluator = Evaluator(context: context)
        for (key, template) in workflow.client?.fields ?? [:] {
            fields[key] = try evaluator.evaluate(template)
        }
        let request = ClientRequest(fields: fields, serverInfoPath: options.serverInfoPath, baseDirectory: outputDirectory.path)
        clientRequest = request
        return request
    }
}
