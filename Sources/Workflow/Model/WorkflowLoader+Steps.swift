import TL
import Foundation

/// Reading `steps:`: one kind per step, its parameters, retry policies and `uses:` templates.
extension WorkflowLoader {
    mutating func stepList(_ node: YNode) -> [Step] {
        guard let items = node.items else { report("'steps' must be a list of steps, found \(node.shapeName)", node); return [] }
        if items.isEmpty { report("'steps' is empty; a workflow needs at least one step", node, .step) }
        var seen: [String: SourceLocation] = [:]
        var steps: [Step] = []
        for item in items {
            guard let step = step(item) else { continue }
            if let id = step.id {
                if let first = seen[id] {
                    report("step id '\(id)' is already used by the step at line \(first.line)", item["id"] ?? item, .step)
                }
                seen[id] = item.location
            }
            steps.append(step)
        }
        return steps
    }

    mutating func step(_ node: YNode) -> Step? {
        let kindNames = StepKind.allCases.map(\.rawValue)
        guard let pairs = mapping(node, allowed: Self.stepKeys + kindNames, what: "a step") else { return nil }
        let kinds = pairs.filter { kindNames.contains($0.key) }
        guard let (kindName, kindKey, kindValue) = kinds.first else {
            report("a step needs exactly one kind key, one of: \(kindNames.joined(separator: ", "))", node, .step)
            return nil
        }
        if kinds.count > 1 {
            report("a step has one kind, but this one has '\(kindName)' and '\(kinds[1].key)'; split it into two steps", kinds[1].keyNode, .step)
            return nil
        }
        let kind = StepKind(rawValue: kindName)!
        var id: String?, name: String?
        var condition: Expression?
        var with: ValueTemplate?
        var retry = RetryPolicy.none
        var timeout: Double?
        var continueOnError = false, reveal = false
        var idempotent: Bool?
        var outputs: [(String, ValueTemplate)] = []
        for (key, _, v) in pairs {
            switch key {
            case "id":
                if let s = v.string, v.typedScalar == .string(s), validName(s) { id = s }
                else { report("step id must start with a letter and hold only letters, digits, '_' and '-'", v) }
            case "name": name = v.string
            case "if": condition = self.condition(v)
            case "with":
                if v.mappingPairs == nil { report("'with' must be a mapping, found \(v.shapeName)", v) } else { with = template(v) }
            case "retry": retry = retryPolicy(v)
            case "timeout": timeout = number(v, "'timeout'")
            case "continue_on_error": continueOnError = bool(v, "'continue_on_error'")
            case "reveal": reveal = bool(v, "'reveal'")
            case "idempotent":
                idempotent = bool(v, "'idempotent'")
                if kind != .call { report("'idempotent' only applies to 'call' steps; other kinds know whether they can be repeated", v, .key) }
            case "outputs": outputs = outputList(v, what: "step 'outputs'")
            default: break
            }
        }
        if with != nil, kind != .call, kind != .uses {
            report("'with' holds a call's parameters or a template's inputs; put \(kindName)'s parameters under '\(kindName):'", node["with"]!, .key)
        }
        let parameters = stepParameters(kind, kindValue)
        var template: Workflow?
        if kind == .uses, let path = kindValue.string { template = loadTemplate(path, at: kindValue) }
        return Step(id: id, name: name, condition: condition, kind: kind, parameters: parameters ?? .literal(.null, kindValue.location),
                    with: with, retry: retry, timeout: timeout, continueOnError: continueOnError, idempotent: idempotent,
                    reveal: reveal, outputs: outputs, location: node.location, kindLocation: kindKey.location,
                    definitionDigest: SHA256Digest.hex(canonical(node)), template: template)
    }

    mutating func stepParameters(_ kind: StepKind, _ node: YNode) -> ValueTemplate? {
        switch kind {
        case .call:
            guard let method = node.string, node.typedScalar == .string(method), !method.contains("${{") else {
                report("'call' takes the method's name, e.g. 'call: messages.sendMessage', with its parameters under 'with'", node)
                return nil
            }
            return .literal(.string(method), node.location.advanced(by: { if case .scalar(_, true) = node.kind { return 1 }; return 0 }()))
        case .uses:
            guard let path = node.string, node.typedScalar == .string(path), !path.isEmpty, !path.contains("${{") else {
                report("'uses' takes a template's path, e.g. 'uses: ./templates/login.yaml'", node)
                return nil
            }
            return .literal(.string(path), node.location)
        default:
            let allowed = kind.parameters.map(\.name)
            guard let pairs = mapping(node, allowed: allowed, what: "'\(kind.rawValue)'") else { return nil }
            for (key, _, value) in pairs {
                let spec = kind.parameters.first { $0.name == key }!
                switch spec.type {
                case "code_source" where value.mappingPairs != nil:
                    sourceMapping(value, keys: codeSourceKeys, what: "'\(key)'")
                case "destination":
                    if value.mappingPairs == nil { report("'\(key)' must be a mapping with 'file: PATH' or 'command: [ARGV]'", value) }
                    else { sourceMapping(value, keys: destinationKeys, what: "'\(key)'") }
                default: break
                }
            }
            for p in kind.parameters where p.required && node[p.name] == nil {
                report("'\(kind.rawValue)' needs '\(p.name)'", node, .key)
            }
            if kind == .login {
                let ways = ["phone", "bot_token", "qr"].filter { node[$0] != nil }
                if ways.count != 1 { report("'login' needs exactly one of 'phone', 'bot_token' or 'qr'" + (ways.count > 1 ? ", found \(ways.joined(separator: " and "))" : ""), node, .key) }
            }
            return template(node)
        }
    }

    /// A mapping that must hold exactly one of `keys` (a code source or a destination).
    mutating func sourceMapping(_ node: YNode, keys: [String], what: String) {
        guard let pairs = mapping(node, allowed: keys + ["mode"], what: what) else { return }
        let chosen = pairs.filter { keys.contains($0.key) }
        if chosen.count != 1 { report("\(what) needs exactly one of: \(keys.joined(separator: ", "))", node, .key) }
        if let command = node["command"], command.items == nil || command.items!.isEmpty {
            report("'command' must be a non-empty list of arguments", command)
        }
    }

    mutating func retryPolicy(_ node: YNode) -> RetryPolicy {
        var policy = RetryPolicy(attempts: 3, backoff: .exponential, delay: 1, maxDelay: 60, on: [])
        guard let pairs = mapping(node, allowed: Self.retryKeys, what: "'retry'") else { return .none }
        for (key, _, v) in pairs {
            switch key {
            case "attempts":
                if case .int(let n)? = v.typedScalar, n >= 1, n <= 100 { policy.attempts = Int(n) } else { report("'attempts' must be a whole number from 1 to 100", v) }
            case "backoff":
                if let b = v.string.flatMap(RetryPolicy.Backoff.init(rawValue:)) { policy.backoff = b }
                else { report("'backoff' must be constant, linear or exponential\(didYouMean(v.string ?? "", ["constant", "linear", "exponential"]))", v) }
            case "delay": policy.delay = number(v, "'delay'") ?? policy.delay
            case "max_delay": policy.maxDelay = number(v, "'max_delay'") ?? policy.maxDelay
            case "on":
                guard let items = v.items else { report("'on' must be a list of Telegram error names, e.g. [FLOOD_WAIT, RPC_CALL_FAIL]", v); break }
                for item in items {
                    guard let name = item.string else { continue }
                    if RetryPolicy.neverRetried.contains(where: { name.hasPrefix($0) }) {
                        report("\(name) is never retried automatically: repeating it earns long flood waits or locks the account", item)
                    } else if name.uppercased() != name {
                        report("Telegram error names are upper case, e.g. FLOOD_WAIT", item)
                    }
                    policy.on.append(name)
                }
            default: break
            }
        }
        return policy
    }

    mutating func loadTemplate(_ path: String, at node: YNode) -> Workflow? {
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let url = resolvePath(path, against: base).standardizedFileURL
        let canonical = url.resolvingSymlinksInPath().path
        if stack.contains(canonical) {
            report("template '\(path)' includes itself (\(stack.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " → ")) → \(url.lastPathComponent)); recursion is refused", node, .template)
            return nil
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            report("template '\(path)' not found (looked for \(url.path))", node, .template)
            return nil
        }
        do {
            return try WorkflowLoader.load(path: url.path, stack: stack)
        } catch let list as DiagnosticList {
            problems += list.diagnostics
        } catch {
            report("template '\(path)' cannot be loaded: \(error)", node, .template)
        }
        return nil
    }

    /// A location-free rendering of a node, so that a step's digest changes only with its meaning.
    func canonical(_ node: YNode) -> String {
        switch node.kind {
        case .scalar(let s, let quoted): return (quoted ? "s:" : "p:") + JSONValue.quoted(s)
        case .sequence(let items): return "[" + items.map(canonical).joined(separator: ",") + "]"
        case .mapping(let pairs): return "{" + pairs.map { canonical($0.key) + ":" + canonical($0.value) }.joined(separator: ",") + "}"
        }
    }
}
