import Foundation

/// How `tgflow run` was asked to run.
public struct RunOptions: Sendable {
    /// `--input name=value`, as typed.
    public var inputs: [(name: String, value: String)] = []
    public var fresh = false
    public var retryUnsafe = false
    /// `--server INFO.json` or the embedded test server's info file.
    public var serverInfoPath: String?
    public var environment: SecretEnvironment
    /// Upper bound for sleeping through FLOOD_WAIT when a step's retry does not set max_delay.
    public var floodWaitLimit: Double = 60
    /// Relative paths of files the run creates (session, password and session exports)
    /// resolve here; the workflow's folder when nil. `--testdc` points it at a scratch folder.
    public var outputDirectory: URL?
    /// Shows a QR login URL to the person at the terminal (stderr by default). It logs in
    /// whoever opens it, so it never goes through events, logs or the checkpoint.
    public var showLoginURL: @Sendable (String) async -> Void = { url in
        FileHandle.standardError.write(Data("\nScan in Telegram (Settings > Devices > Link Desktop Device), or open on a logged-in phone:\n  \(url)\n".utf8))
    }

    public init(environment: SecretEnvironment) { self.environment = environment }
}

/// The exit status of `tgflow run`, documented in README.md.
public enum RunExitCode: Int32, Sendable {
    case succeeded = 0
    /// A step failed (and did not say continue_on_error).
    case failed = 1
    /// Bad usage: the workflow is invalid, an input or secret is missing or wrong. Nothing was sent.
    case usage = 2
    /// A bug in tgflow.
    case internalError = 3
    /// Waiting for a person: a login code or password is needed and nothing can give it
    /// without a terminal. Rerun with `--input code=…` (or `password=…`) to continue.
    case waitingForPerson = 4
    /// Resume refused: a finished step's definition changed, or a non-idempotent call was
    /// in flight when the last run stopped. `--fresh` or `--retry-unsafe` decide.
    case resumeRefused = 5
}

/// How a run ended.
public struct RunOutcome: Sendable {
    public var runID: String?
    public var exitCode: RunExitCode
    /// One line saying why, when not succeeded.
    public var message: String?
    public var outputs: [String: Value]
}

/// Inputs every workflow accepts without declaring them: the answer to a login that is
/// waiting for a person. Always secret, never part of the inputs digest.
let personInputs = ["code", "password"]

/// Thrown by a step that needs a person (a code, a password) that no provider can give now.
struct WaitingForPerson: Error {
    var message: String
}

/// Thrown when resuming would repeat something unsafe.
struct ResumeRefused: Error {
    var message: String
}

/// A step failure with a message already fit for people (no secrets in it).
struct StepFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
