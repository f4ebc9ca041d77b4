import Foundation

/// Reads a workflow file into a `Workflow`, checking its shape: known keys only (with the
/// closest valid key named), the right node types, one kind per step, parsable
/// expressions, and `uses:` templates loaded relative to the including file.
public struct WorkflowLoader {
    static let topKeys = ["version", "name", "description", "inputs", "secrets", "client", "steps", "outputs"]
    static let inputKeys = ["type", "required", "default", "description", "secret", "options"]
    static let secretProviderKeys = ["env", "file", "stdin", "prompt", "command"]
    static let secretKeys = secretProviderKeys + ["optional", "allow_world_readable", "timeout"]
    static let clientKeys = ["api_id", "api_hash", "session", "server", "transport", "proxy", "device", "flood_sleep_threshold", "timeout"]
    static let proxyKeys = ["type", "host", "port", "username", "password", "secret", "link"]
    static let serverKeys = ["info", "host", "port", "dc", "rsa_key"]
    static let deviceKeys = ["device_model", "system_version", "app_version", "lang_code", "system_lang_code"]
    static let stepKeys = ["id", "name", "if", "with", "retry", "timeout", "continue_on_error", "idempotent", "outputs", "reveal"]
    static let retryKeys = ["attempts", "backoff", "delay", "max_delay", "on"]

    private var problems: [Diagnostic] = []
    private var file: String
    /// Canonical paths of the files being loaded, to refuse `uses:` recursion.
    private var stack: [String]

    /// Loads and shape-checks the workflow at `path`. Throws `DiagnosticList`.
    public static func load(path: String) throws -> Workflow {
        try load(path: path, stack: [])
    }

    static func load(path: String, stack: [String]) throws -> Workflow {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DiagnosticList([Diagnostic("cannot read the file", at: SourceLocation(file: path, line: 1, column: 1), rule: .syntax)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticList([Diagnostic("the file is not UTF-8 text", at: SourceLocation(file: path, line: 1, column: 1), rule: .syntax)])
        }
        return try load(source: text, file: path, stack: stack + [url.standardizedFileURL.resolvingSymlinksInPath().path])
    }

    /// Loads a workflow from text; `file` names it in diagnostics and anchors relative paths.
    public static func load(source: String, file: String) throws -> Workflow {
        try load(source: source, file: file, stack: [URL(fileURLWithPath: file).standardizedFileURL.path])
    }

    static func load(source: String, file: String, stack: [String]) throws -> Workflow {
        guard source.utf8.count <= 4 << 20 else {
            throw DiagnosticList([Diagnostic("the file is larger than 4 MiB", at: SourceLocation(file: file, line: 1, column: 1), rule: .syntax)])
        }
        guard let root = try YAMLTree.parse(source, file: file) else {
            throw DiagnosticList([Diagnostic("the file is empty; a workflow needs at least 'version' and 'steps'", at: SourceLocation(file: file, line: 1, column: 1), rule: .key)])
        }
        var loader = WorkflowLoader(file: file, stack: stack)
        let workflow = loader.workflow(root, source: source)
        if !loader.problems.isEmpty { throw DiagnosticList(loader.problems.sorted(by: Self.order)) }
        return workflow!
    }

    static func order(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        (a.location.file, a.location.line, a.location.column) < (b.location.file, b.location.line, b.location.column)
    }

    private init(file: String, stack: [String]) {
        self.file = file
        self.stack = stack
    }

    private mutating func report(_ message: String, _ node: YNode, _ rule: Diagnostic.Rule = .type) {
        problems.append(Diagnostic(message, at: node.location, rule: rule))
    }

    /// The pairs of a mapping, each key checked against `allowed`. Reports non-mappings.
    private mutating func mapping(_ node: YNode, allowed: [String]?, what: String) -> [(key: String, keyNode: YNode, value: YNode)]? {
        if case .scalar(let s, _) = node.kind, s.isEmpty, node.typedScalar == .null { return [] }
        guard let pairs = node.mappingPairs else {
            report("\(what) must be a mapping, found \(node.shapeName)", node)
            return nil
        }
        var result: [(String, YNode, YNode)] = []
        for (k, v) in pairs {
            guard let key = k.string else { continue }
            if let allowed, !allowed.contains(key) {
                report("unknown key '\(key)' in \(what)\(didYouMean(key, allowed))", k, .key)
                continue
            }
            result.append((key, k, v))
        }
        return result
    }

    private mutating func workflow(_ root: YNode, source: String) -> Workflow? {
        guard let top = mapping(root, allowed: Self.topKeys, what: "the workflow") else { return nil }
        var version = 1
        if let v = root["version"] {
            if v.typedScalar != .int(1) { report("'version' must be 1 (the only version of the language), found \(v.string ?? v.shapeName)", v) }
        } else if stack.count <= 1 {
            report("missing 'version: 1' at the top of the workflow", root, .key)
        }
        version = 1
        var inputs: [InputDeclaration] = []
        var secrets: [SecretDeclaration] = []
        var client: ClientSettings?
        var steps: [Step] = []
        var outputs: [(String, ValueTemplate)] = []
        for (key, _, value) in top {
            switch key {
            case "inputs": inputs = inputDeclarations(value)
            case "secrets": secrets = secretDeclarations(value)
            case "client": client = clientSettings(value)
            case "steps": steps = stepList(value)
            case "outputs": outputs = outputList(value, what: "'outputs'")
            case "name", "description": if value.string == nil || value.mappingPairs != nil { report("'\(key)' must be text", value) }
            default: break
            }
        }
        if root["steps"] == nil { report("missing 'steps': a workflow needs at least one step", root, .key) }
        if stack.count > 1 {
            // A template runs inside its caller's client and secrets; it receives values as inputs.
            for key in ["secrets", "client"] {
                if let pair = root.mappingPairs?.first(where: { $0.key.string == key }) {
                    report("a template cannot declare '\(key)'; " + (key == "client" ? "it uses the calling workflow's client" : "declare an input with 'secret: true' and pass the secret under 'with'"), pair.key, .template)
                }
            }
        }
        return Workflow(file: file, source: source, version: version, name: root["name"]?.string, description: root["description"]?.string,
                        inputs: inputs, secrets: secrets, client: client, steps: steps, outputs: outputs,
                        digest: SHA256Digest.hex(source))
    }

    // MARK: inputs and secrets

    private static let namePattern = try! NSRegularExpression(pattern: "^[A-Za-z_][A-Za-z0-9_-]*$")
    private func validName(_ s: String) -> Bool {
        Self.namePattern.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    private mutating func inputDeclarations(_ node: YNode) -> [InputDeclaration] {
        guard let pairs = mapping(node, allowed: nil, what: "'inputs'") else { return [] }
        var result: [InputDeclaration] = []
        for (name, keyNode, value) in pairs {
            if !validName(name) { report("input name '\(name)' must start with a letter and hold only letters, digits, '_' and '-'", keyNode, .key) }
            guard let fields = mapping(value, allowed: Self.inputKeys, what: "input '\(name)'") else { continue }
            var kind = InputDeclaration.Kind.string
            var required = false, secret = false
            var defaultValue: Value?
            var description: String?
            var options: [String]?
            for (key, _, v) in fields {
                switch key {
                case "type":
                    switch v.string {
                    case "string": kind = .string
                    case "number": kind = .number
                    case "boolean": kind = .boolean
                    case "choice": kind = .choice([])
                    default: report("input type must be one of string, number, boolean, choice; found '\(v.string ?? v.shapeName)'\(didYouMean(v.string ?? "", ["string", "number", "boolean", "choice"]))", v)
                    }
                case "required": required = bool(v, "'required'")
                case "secret": secret = bool(v, "'secret'")
                case "description": description = v.string
                case "default": defaultValue = v.typedScalar; if defaultValue == nil { report("a default must be a single value, found \(v.shapeName)", v) }
                case "options":
                    if let items = v.items { options = items.compactMap { $0.string } } else { report("'options' must be a list of strings", v) }
                default: break
                }
            }
            if case .choice = kind {
                guard let options, !options.isEmpty else { report("a choice input needs 'options', a list of the allowed values", value, .key); continue }
                kind = .choice(options)
            } else if let o = value["options"] {
                report("'options' only applies to 'type: choice'", o, .key)
            }
            if let d = defaultValue, let dn = value["default"] {
                if let problem = InputValues.check(d, against: kind) { report("default of input '\(name)' \(problem)", dn) }
            }
            if required, let dn = value["default"] { report("input '\(name)' is required and has a default; drop one of them", dn, .key) }
            result.append(InputDeclaration(name: name, kind: kind, required: required, defaultValue: defaultValue, description: description, secret: secret, location: keyNode.location))
        }
        return result
    }

    private mutating func bool(_ node: YNode, _ what: String) -> Bool {
        if case .bool(let b)? = node.typedScalar { return b }
        report("\(what) must be true or false, found \(node.shapeName)", node)
        return false
    }

    private mutating func number(_ node: YNode, _ what: String) -> Double? {
        if let d = node.typedScalar?.doubleValue { return d }
        report("\(what) must be a number, found \(node.shapeName)", node)
        return nil
    }

    private mutating func secretDeclarations(_ node: YNode) -> [SecretDeclaration] {
        guard let pairs = mapping(node, allowed: nil, what: "'secrets'") else { return [] }
        var result: [SecretDeclaration] = []
        for (name, keyNode, value) in pairs {
            if !validName(name) { report("secret name '\(name)' must start with a letter and hold only letters, digits, '_' and '-'", keyNode, .key) }
            guard let fields = mapping(value, allowed: Self.secretKeys, what: "secret '\(name)'") else { continue }
            let providers = fields.filter { Self.secretProviderKeys.contains($0.key) }
            guard providers.count == 1, let (provider, providerKey, v) = providers.first else {
                if providers.isEmpty {
                    report("secret '\(name)' needs one provider: env, file, stdin, prompt or command", value, .key)
                } else {
                    report("secret '\(name)' has \(providers.count) providers (\(providers.map(\.key).joined(separator: ", "))); give exactly one", providers[1].keyNode, .key)
                }
                continue
            }
            var optional = false, allowWorldReadable = false
            var timeout = 30.0
            for (key, _, f) in fields {
                switch key {
                case "optional": optional = bool(f, "'optional'")
                case "allow_world_readable": allowWorldReadable = bool(f, "'allow_world_readable'")
                case "timeout": timeout = number(f, "'timeout'") ?? timeout
                default: break
                }
            }
            if value["allow_world_readable"] != nil, provider != "file" { report("'allow_world_readable' only applies to a file secret", value["allow_world_readable"]!, .key) }
            if value["timeout"] != nil, provider != "command" { report("'timeout' only applies to a command secret", value["timeout"]!, .key) }
            let source: SecretSource
            switch provider {
            case "env":
                guard let s = v.string, !s.isEmpty, v.mappingPairs == nil else { report("'env' must name an environment variable", v); continue }
                source = .env(s)
            case "file":
                guard let s = v.string, !s.isEmpty else { report("'file' must be a path", v); continue }
                source = .file(path: s, allowWorldReadable: allowWorldReadable)
            case "stdin":
                if v.typedScalar != .bool(true) { report("'stdin' takes 'true'", v) }
                source = .stdin
            case "prompt":
                guard let s = v.string else { report("'prompt' must be the question to ask", v); continue }
                source = .prompt(s)
            default:
                guard let items = v.items, !items.isEmpty, items.allSatisfy({ $0.string != nil && $0.mappingPairs == nil }) else {
                    report("'command' must be a non-empty list of arguments, e.g. [pass, show, tg/api_hash]", v); continue
                }
                source = .command(items.map { $0.string! }, timeout: timeout)
            }
            _ = providerKey
            result.append(SecretDeclaration(name: name, source: source, optional: optional, location: keyNode.location))
        }
        return result
    }

    // MARK: client

    private mutating func clientSettings(_ node: YNode) -> ClientSettings? {
        guard let pairs = mapping(node, allowed: Self.clientKeys, what: "'client'") else { return nil }
        var fields: [String: ValueTemplate] = [:]
        for (key, _, value) in pairs {
            switch key {
            case "proxy": _ = mapping(value, allowed: Self.proxyKeys, what: "'client.proxy'")
            case "device": _ = mapping(value, allowed: Self.deviceKeys, what: "'client.device'")
            case "server" where value.mappingPairs != nil: _ = mapping(value, allowed: Self.serverKeys, what: "'client.server'")
            default: break
            }
            if let t = template(value) { fields[key] = t }
        }
        return ClientSettings(fields: fields, location: node.location)
    }

    // MARK: templates (values with expressions)

    /// Converts a YAML value to a template, parsing every `${{ }}` in its strings.
    mutating func template(_ node: YNode) -> ValueTemplate? {
        switch node.kind {
        case .scalar(let s, let quoted):
            if s.contains("${{") || quoted {
                let origin = quoted && !s.contains("\n") ? node.location.advanced(by: 1) : node.location
                do {
                    let t = try ExpressionParser.template(s, at: origin)
                    return t.isLiteral ? .literal(.string(s), node.location) : .string(t)
                } catch let list as DiagnosticList {
                    problems += list.diagnostics
                    return nil
                } catch { return nil }
            }
            return .literal(node.typedScalar ?? .string(s), node.location)
        case .sequence(let items):
            return .array(items.compactMap { template($0) }, node.location)
        case .mapping(let pairs):
            var fields: [String: ValueTemplate] = [:]
            var order: [String] = []
            var locations: [String: SourceLocation] = [:]
            for (k, v) in pairs {
                guard let key = k.string, let t = template(v) else { continue }
                fields[key] = t
                order.append(key)
                locations[key] = k.location
            }
            return .object(fields, keyOrder: order, node.location, keyLocations: locations)
        }
    }

    private mutating func outputList(_ node: YNode, what: String) -> [(String, ValueTemplate)] {
        guard let pairs = mapping(node, allowed: nil, what: what) else { return [] }
        var result: [(String, ValueTemplate)] = []
        for (name, keyNode, value) in pairs {
            if !validName(name) { report("output name '\(name)' must start with a letter and hold only letters, digits, '_' and '-'", keyNode, .key) }
            if let t = template(value) { result.append((name, t)) }
        }
        return result
    }

    /// An `if:` condition: a bare expression or exactly one `${{ }}`, never text around one.
    private mutating func condition(_ node: YNode) -> Expression? {
        if case .bool(let b)? = node.typedScalar, case .scalar(_, false) = node.kind { return .literal(.bool(b), node.location) }
        guard case .scalar(let s, let quoted) = node.kind else { report("'if' must be an expression, found \(node.shapeName)", node); return nil }
        let origin = quoted && !s.contains("\n") ? node.location.advanced(by: 1) : node.location
        do {
            if s.contains("${{") {
                let t = try ExpressionParser.template(s, at: origin)
                guard t.isSingleExpression, let e = t.expressions.first else {
                    report("text around ${{ }} in 'if' makes a non-empty string, which would always be true; put the whole condition inside one ${{ }}", node, .expression)
                    return nil
                }
                return e
            }
            return try ExpressionParser.parse(s, at: origin)
        } catch let list as DiagnosticList {
            problems += list.diagnostics
        } catch {}
        return nil
    }

    // MARK: steps

    private mutating func stepList(_ node: YNode) -> [Step] {
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

    private mutating func step(_ node: YNode) -> Step? {
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

    private mutating func stepParameters(_ kind: StepKind, _ node: YNode) -> ValueTemplate? {
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
    private mutating func sourceMapping(_ node: YNode, keys: [String], what: String) {
        guard let pairs = mapping(node, allowed: keys + ["mode"], what: what) else { return }
        let chosen = pairs.filter { keys.contains($0.key) }
        if chosen.count != 1 { report("\(what) needs exactly one of: \(keys.joined(separator: ", "))", node, .key) }
        if let command = node["command"], command.items == nil || command.items!.isEmpty {
            report("'command' must be a non-empty list of arguments", command)
        }
    }

    private mutating func retryPolicy(_ node: YNode) -> RetryPolicy {
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

    private mutating func loadTemplate(_ path: String, at node: YNode) -> Workflow? {
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
    private func canonical(_ node: YNode) -> String {
        switch node.kind {
        case .scalar(let s, let quoted): return (quoted ? "s:" : "p:") + jsonString(s)
        case .sequence(let items): return "[" + items.map(canonical).joined(separator: ",") + "]"
        case .mapping(let pairs): return "{" + pairs.map { canonical($0.key) + ":" + canonical($0.value) }.joined(separator: ",") + "}"
        }
    }
}

extension RetryPolicy {
    /// Errors that must never be retried automatically (DESIGN: "Retries speak Telegram").
    static let neverRetried = ["PHONE_CODE_", "PASSWORD_HASH_INVALID", "AUTH_SEND_CODE", "SEND_CODE"]
}
