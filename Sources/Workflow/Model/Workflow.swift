import Foundation

/// A loaded workflow file: what `tgflow run` executes. Built by `WorkflowLoader`, which
/// checks the shape; `WorkflowValidator` checks meaning (references, types, secrecy, TL).
public struct Workflow: Sendable {
    public var file: String
    public var source: String
    public var version: Int
    public var name: String?
    public var description: String?
    public var inputs: [InputDeclaration]
    public var secrets: [SecretDeclaration]
    public var client: ClientSettings?
    public var steps: [Step]
    public var outputs: [(name: String, value: ValueTemplate)]
    /// SHA-256 of the file's bytes, hex; recorded with each run.
    public var digest: String

    public func input(named name: String) -> InputDeclaration? { inputs.first { $0.name == name } }
    public func secret(named name: String) -> SecretDeclaration? { secrets.first { $0.name == name } }
}

/// A declared input, given on the command line with `--input name=value`.
public struct InputDeclaration: Sendable {
    public enum Kind: Sendable, Equatable {
        case string, number, boolean
        case choice([String])
        public var typeName: String {
            switch self {
            case .string, .choice: return "string"
            case .number: return "number"
            case .boolean: return "boolean"
            }
        }
    }
    public var name: String
    public var kind: Kind
    public var required: Bool
    public var defaultValue: Value?
    public var description: String?
    /// A secret input is masked everywhere and may only reach secret sinks.
    public var secret: Bool
    public var location: SourceLocation
}

/// Where a named secret's value comes from.
public enum SecretSource: Sendable, Equatable {
    case env(String)
    /// A file, its trailing newline trimmed; refused when world-readable unless allowed.
    case file(path: String, allowWorldReadable: Bool)
    case stdin
    /// Asked for on a terminal; never in CI.
    case prompt(String)
    /// A program's standard output (e.g. `pass show tg/api_hash`), trimmed.
    case command([String], timeout: Double)
}

public struct SecretDeclaration: Sendable {
    public var name: String
    public var source: SecretSource
    /// An optional secret that cannot be resolved is null instead of an error.
    public var optional: Bool
    public var location: SourceLocation
}

/// The `client:` block. Each field keeps its template; the runner evaluates them.
public struct ClientSettings: Sendable {
    public var fields: [String: ValueTemplate]
    public var location: SourceLocation
    public subscript(key: String) -> ValueTemplate? { fields[key] }
}

/// How a step is retried: on which Telegram errors, how often, with what delay.
public struct RetryPolicy: Sendable, Equatable {
    public enum Backoff: String, Sendable { case constant, linear, exponential }
    public var attempts: Int
    public var backoff: Backoff
    public var delay: Double
    public var maxDelay: Double
    /// Telegram error names (`FLOOD_WAIT`, `RPC_CALL_FAIL`, …); empty means transient errors.
    public var on: [String]

    public static let none = RetryPolicy(attempts: 1, backoff: .constant, delay: 1, maxDelay: 60, on: [])

    public func delay(beforeAttempt attempt: Int) -> Double {
        let n = Double(max(1, attempt - 1))
        let raw: Double
        switch backoff {
        case .constant: raw = delay
        case .linear: raw = delay * n
        case .exponential: raw = delay * pow(2, n - 1)
        }
        return min(raw, maxDelay)
    }
}

/// One step of a workflow.
public struct Step: Sendable {
    public var id: String?
    public var name: String?
    /// `if:`; must type-check as boolean.
    public var condition: Expression?
    public var kind: StepKind
    /// The kind key's value: that kind's parameters (for `call`, the method name).
    public var parameters: ValueTemplate
    /// `with:` — a `call`'s TL parameters or a template's inputs.
    public var with: ValueTemplate?
    public var retry: RetryPolicy
    public var timeout: Double?
    public var continueOnError: Bool
    /// For `call`: safe to repeat after a crash. Defaults to true for read-only methods.
    public var idempotent: Bool?
    /// Lets secret values reach plain sinks in this step.
    public var reveal: Bool
    public var outputs: [(name: String, value: ValueTemplate)]
    public var location: SourceLocation
    public var kindLocation: SourceLocation
    /// SHA-256 of the step's source text; resume refuses when a finished step changed.
    public var definitionDigest: String
    /// For `uses:` steps, the template's steps, loaded and checked.
    public var template: Workflow?

    /// What the checkpoint and messages call this step.
    public func displayName(index: Int) -> String { id ?? name ?? "\(kind.rawValue)#\(index + 1)" }
}
