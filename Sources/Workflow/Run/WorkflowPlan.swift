import Foundation

/// What `tgflow plan` shows: each step with the Telegram methods it may call, which of
/// those are not idempotent, and which secrets it needs.
public struct WorkflowPlan {
    public struct Entry {
        public var path: String
        public var kind: String
        public var condition: Bool
        public var methods: [String]
        public var unsafeMethods: [String]
        public var secrets: [String]
    }
    public var name: String
    public var entries: [Entry] = []
    public var clientSecrets: [String] = []

    public init(_ workflow: Workflow) {
        name = workflow.name ?? workflow.file
        if let client = workflow.client { clientSecrets = Self.secrets(in: client.fields.values.flatMap(\.expressions)) }
        add(workflow.steps, prefix: "")
    }

    private mutating func add(_ steps: [Step], prefix: String) {
        for (i, step) in steps.enumerated() {
            let path = prefix + step.displayName(index: i)
            var methods = step.kind.telegramMethods
            var unsafe: [String] = []
            switch step.kind {
            case .call:
                let method = step.parameters.literalString ?? "?"
                methods = [method]
                let deduplicated = TLMethodCatalog().parameters(ofMethod: method)?.contains { $0.name == "random_id" && $0.type == "long" } == true
                if deduplicated { unsafe = ["\(method) (deduplicated by random_id)"] }
                else if !(step.idempotent ?? ReadOnlyMethods.isReadOnly(method)) { unsafe = [method] }
            case .login: unsafe = ["auth.sendCode"]
            case .ensure2FA, .set2FA, .change2FA, .remove2FA, .rotate2FA: unsafe = ["account.updatePasswordSettings"]
            case .sendMessage: unsafe = ["messages.sendMessage (deduplicated by random_id)"]
            case .logout: unsafe = ["auth.logOut"]
            default: break
            }
            let expressions = step.parameters.expressions + (step.with?.expressions ?? []) + (step.condition.map { [$0] } ?? [])
            entries.append(Entry(path: path, kind: step.kind.rawValue, condition: step.condition != nil, methods: methods, unsafeMethods: unsafe, secrets: Self.secrets(in: expressions)))
            if let t = step.template { add(t.steps, prefix: path + "/") }
        }
    }

    static func secrets(in expressions: [Expression]) -> [String] {
        var names: Set<String> = []
        func visit(_ e: Expression) {
            switch e {
            case .path(let components, _):
                if e.pathNames.count >= 2, e.pathNames[0] == "secrets" { names.insert(e.pathNames[1]) }
                for c in components { if case .index(let i) = c { visit(i) } }
            case .call(_, let args, _): args.forEach(visit)
            case .unary(_, let x, _): visit(x)
            case .binary(_, let l, let r, _): visit(l); visit(r)
            case .literal: break
            }
        }
        expressions.forEach(visit)
        return names.sorted()
    }

    public var text: String {
        var lines = ["plan for \(name)"]
        if !clientSecrets.isEmpty { lines.append("client needs secrets: \(clientSecrets.joined(separator: ", "))") }
        for (i, e) in entries.enumerated() {
            lines.append("\(i + 1). \(e.path) [\(e.kind)]\(e.condition ? " (conditional)" : "")")
            if !e.methods.isEmpty { lines.append("   may call: \(e.methods.joined(separator: ", "))") }
            if !e.unsafeMethods.isEmpty { lines.append("   not idempotent: \(e.unsafeMethods.joined(separator: ", "))") }
            if !e.secrets.isEmpty { lines.append("   secrets: \(e.secrets.joined(separator: ", "))") }
        }
        return lines.joined(separator: "\n")
    }

    public var json: Value {
        .object(["name": .string(name), "client_secrets": .array(clientSecrets.map(Value.string)),
                 "steps": .array(entries.map { e in
                     .object(["path": .string(e.path), "kind": .string(e.kind), "conditional": .bool(e.condition),
                              "methods": .array(e.methods.map(Value.string)), "not_idempotent": .array(e.unsafeMethods.map(Value.string)),
                              "secrets": .array(e.secrets.map(Value.string))])
                 })])
    }
}

/// Where a run keeps its checkpoint database when `--state` is not given: next to the
/// session file when `client.session` is a literal path, else `.tgflow/state.db` beside the workflow.
public enum StatePaths {
    public static func defaultState(for workflow: Workflow, outputDirectory: String? = nil) -> String {
        let base = outputDirectory ?? (workflow.file as NSString).deletingLastPathComponent
        if let session = workflow.client?["session"]?.literalString, !session.isEmpty {
            let path = session.hasPrefix("/") ? session : (base as NSString).appendingPathComponent(session)
            return (path.hasSuffix(".session") ? String(path.dropLast(8)) : path) + ".tgflow.db"
        }
        return ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(".tgflow/state.db")
    }
}
