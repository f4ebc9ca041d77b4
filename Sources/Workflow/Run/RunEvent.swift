import Foundation

/// What a run reports as it goes: printed for people, as JSON lines with `--json`, and
/// appended to the checkpoint's event log. Every field passes the redactor first.
public struct RunEvent: Sendable {
    public enum Kind: String, Sendable {
        case runStarted = "run_started", runResumed = "run_resumed", runFinished = "run_finished"
        case stepStarted = "step_started", stepSucceeded = "step_succeeded", stepFailed = "step_failed"
        case stepSkipped = "step_skipped", stepRestored = "step_restored", stepWaiting = "step_waiting", notice
    }
    public var kind: Kind
    public var runID: String
    public var step: String?
    public var message: String?
    public var duration: Double?
    public var fields: [String: Value]

    public init(_ kind: Kind, runID: String, step: String? = nil, message: String? = nil, duration: Double? = nil, fields: [String: Value] = [:]) {
        self.kind = kind
        self.runID = runID
        self.step = step
        self.message = message
        self.duration = duration
        self.fields = fields
    }

    /// One JSON object: `{"event": "step_succeeded", "run": …, "step": …, …}`.
    public var json: String {
        var object = fields
        object["event"] = .string(kind.rawValue)
        object["run"] = .string(runID)
        if let step { object["step"] = .string(step) }
        if let message { object["message"] = .string(message) }
        if let duration { object["duration"] = .double((duration * 1000).rounded() / 1000) }
        object["time"] = .string(Timestamp.iso8601(Date()))
        return Value.object(object).json
    }
}

/// Receives run events (the CLI's printer, a test's recorder).
public protocol RunEventSink: Sendable {
    func emit(_ event: RunEvent)
}
