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

    var problems: [Diagnostic] = []
    var file: String
    /// Canonical paths of the files being loaded, to refuse `uses:` recursion.
    var stack: [String]

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

    mutating func report(_ message: String, _ node: YNode, _ rule: Diagnostic.Rule = .type) {
        problems.append(Diagnostic(message, at: node.location, rule: rule))
    }

    /// The pairs of a mapping, each key checked against `allowed`. Reports non-mappings.
    mutating func mapping(_ node: YNode, allowed: [String]?, what: String) -> [(key: String, keyNode: YNode, value: YNode)]? {
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

    mutating func workflow(_ root: YNode, source: String) -> Workflow? {
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

    static let namePattern = try! NSRegularExpression(pattern: "^[A-Za-z_][A-Za-z0-9_-]*$")
    func validName(_ s: String) -> Bool {
        Self.namePattern.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    mutating func inputDeclarations(_ node: YNode) -> [InputDeclaration] {
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

    mutating func bool(_ node: YNode, _ what: String) -> Bool {
        if case .bool(let b)? = node.typedScalar { return b }
        report("\(what) must be true or false, found \(node.shapeName)", node)
        return false
    }

    mutating func number(_ node: YNode, _ what: String) -> Double? {
        if let d = node.typedScalar?.doubleValue { return d }
        report("\(what) must be a number, found \(node.shapeName)", node)
        return nil
    }

    mutating func secretDeclarations(_ node: YNode) -> [SecretDeclaration] {
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

    mutating func clientSettings(_ node: YNode) -> ClientSettings? {
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

    mutating func outputList(_ node: YNode, what: String) -> [(String, ValueTemplate)] {
        guard let pairs = mapping(node, allowed: nil, what: what) else { return [] }
        var result: [(String, ValueTemplate)] = []
        for (name, keyNode, value) in pairs {
            if !validName(name) { report("output name '\(name)' must start with a letter and hold only letters, digits, '_' and '-'", keyNode, .key) }
            if let t = template(value) { result.append((name, t)) }
        }
        return result
    }

    /// An `if:` condition: a bare expression or exactly one `${{ }}`, never text around one.
    mutating func condition(_ node: YNode) -> Expression? {
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
}

extension RetryPolicy {
    /// Errors that must never be retried automatically (DESIGN: "Retries speak Telegram").
    static let neverRetried = ["PHONE_CODE_", "PASSWORD_HASH_INVALID", "AUTH_SEND_CODE", "SEND_CODE"]
}
