import Foundation

extension WorkflowRunner {
    /// `call`: any TL method by name with its parameters from `with`.
    func runCall(_ run: StepRun) async throws -> [String: Evaluated] {
        guard let method = run.step.parameters.literalString else { throw StepFailure(message: "'call' needs a method name") }
        var params = try run.step.with.map { try run.evaluator.evaluate($0) } ?? Evaluated(.object([:]))
        // A method that takes a `random_id` (messages.sendMessage, …) gets one chosen here and
        // checkpointed before the call, so a resumed run repeats the same id and Telegram
        // drops the duplicate.
        if case .object(var fields) = params.value, fields["random_id"] == nil,
           TLMethodCatalog().parameters(ofMethod: method)?.contains(where: { $0.name == "random_id" && $0.type == "long" }) == true {
            let id = run.state["random_id"]?.intValue ?? Int64.random(in: 1...Int64.max)
            if run.state["random_id"] == nil { try run.save(["random_id": .int(id)]) }
            fields["random_id"] = .int(id)
            params = Evaluated(.object(fields), secret: params.secret)
        }
        do {
            let result = try await run.telegram().invoke(method: method, params: params.value)
            return ["result": Evaluated(result)]
        } catch let failure as TelegramFailure where failure.name == "RANDOM_ID_DUPLICATE" && run.state["random_id"] != nil {
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "\(method) already went through before the last run stopped; not repeating it"))
            return ["result": Evaluated(.null)]
        }
    }

    /// `send_message`: the random_id is checkpointed before sending, so a resumed run sends
    /// the same message id and Telegram drops a duplicate (RANDOM_ID_DUPLICATE).
    func runSendMessage(_ run: StepRun) async throws -> [String: Evaluated] {
        let randomID: Int64
        if let stored = run.state["random_id"]?.intValue {
            randomID = stored
        } else {
            randomID = Int64.random(in: 1...Int64.max)
            try run.save(["random_id": .int(randomID)])
        }
        guard let peer = try run.string("peer"), let text = try run.string("text") else { throw StepFailure(message: "'send_message' needs peer and text") }
        var params: [String: Value] = ["peer": .string(peer), "message": .string(text), "random_id": .int(randomID)]
        if try run.parameter("silent")?.value == .bool(true) { params["silent"] = .bool(true) }
        do {
            let result = try await run.telegram().invoke(method: "messages.sendMessage", params: .object(params))
            return ["message_id": Evaluated(Self.messageID(in: result) ?? .null), "random_id": Evaluated(.int(randomID))]
        } catch let failure as TelegramFailure where failure.name == "RANDOM_ID_DUPLICATE" {
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "the message was already sent before the last run stopped; not sending it again"))
            return ["message_id": Evaluated(.null), "random_id": Evaluated(.int(randomID))]
        }
    }

    /// The `id` of the first `updateMessageID` (or `message`) in a result.
    static func messageID(in value: Value) -> Value? {
        switch value {
        case .object(let o):
            if o["_"] == .string("updateMessageID") || o["_"] == .string("message") || o["_"] == .string("updateShortSentMessage"), let id = o["id"] { return id }
            for key in o.keys.sorted() { if let found = messageID(in: o[key]!) { return found } }
        case .array(let items):
            for item in items { if let found = messageID(in: item) { return found } }
        default: break
        }
        return nil
    }

    /// `export_session`: a Telethon string session to a 0600 file or a command, or a Telethon session file.
    func runExportSession(_ run: StepRun) async throws -> [String: Evaluated] {
        let format = try run.string("format") ?? "string"
        guard ["string", "telethon"].contains(format) else { throw StepFailure(message: "'export_session.format' must be string or telethon") }
        guard case .object(let dest, _, _, _)? = run.step.parameters["destination"] else { throw StepFailure(message: "'export_session.destination' is required") }
        let tg = try await run.telegram()
        if let fileTemplate = dest["file"] {
            let path = resolvePath(try run.evaluator.evaluate(fileTemplate).value.interpolated, against: outputDirectory).path
            if format == "telethon" {
                _ = try await tg.exportSession(format: "telethon", to: path)
                chmod(path, 0o600)
            } else {
                guard let s = try await tg.exportSession(format: "string", to: nil) else { throw StepFailure(message: "the client gave no string session") }
                try PasswordFile.write(register(s), to: URL(fileURLWithPath: path))
            }
        } else if case .array(let items, _)? = dest["command"] {
            guard let s = try await tg.exportSession(format: "string", to: nil) else { throw StepFailure(message: "the client gave no string session") }
            let argv = try items.map { try run.evaluator.evaluate($0).value.interpolated }
            _ = try CommandRunner.output(of: argv, timeout: 60, secretName: "export_session.destination", input: register(s) + "\n")
        }
        return ["format": Evaluated(.string(format))]
    }
}
