/// Checks a loaded workflow's meaning: references and types of every expression, steps
/// used before they run, conditions that are boolean, secrets reaching plain sinks, TL
/// methods and parameters against the schema, and template inputs.
public struct WorkflowValidator {
    public var catalog: MethodCatalog?
    public init(catalog: MethodCatalog?) { self.catalog = catalog }

    /// Every problem found, sorted by position. Empty means the workflow is valid.
    public func validate(_ workflow: Workflow) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var scope = TypeScope()
        for input in workflow.inputs {
            let base: ExpressionType.Base = input.kind.typeName == "number" ? .number : (input.kind.typeName == "boolean" ? .boolean : .string)
            scope.inputs[input.name] = ExpressionType(input.required || input.defaultValue != nil ? base : .any, secret: input.secret)
        }
        for secret in workflow.secrets { scope.secrets[secret.name] = ExpressionType(.string, secret: true) }
        scope.laterSteps = Set(workflow.steps.compactMap(\.id))

        if let client = workflow.client {
            for (key, template) in client.fields.sorted(by: { $0.key < $1.key }) {
                problems += checkClientField(key, template, scope)
            }
        }
        for step in workflow.steps {
            problems += check(step, scope: scope)
            if let id = step.id {
                scope.laterSteps.remove(id)
                var outputs: [String: ExpressionType] = [:]
                for o in step.kind.outputs { outputs[o.name] = ExpressionType(.any, secret: o.secret) }
                if let template = step.template {
                    for o in template.outputs { outputs[o.name] = ExpressionType(.any) }
                }
                for o in step.outputs { outputs[o.name] = ExpressionType(.any) }
                scope.earlierSteps[id] = outputs
            }
        }
        for output in workflow.outputs {
            problems += checkTemplate(output.value, scope: scope, sink: .plain, reveal: false, what: "output '\(output.name)'")
        }
        return problems.sorted(by: WorkflowLoader.order)
    }

    private func checkClientField(_ key: String, _ template: ValueTemplate, _ scope: TypeScope) -> [Diagnostic] {
        switch key {
        case "api_hash", "session":
            return checkTemplate(template, scope: scope, sink: .secret, reveal: false, what: "client.\(key)")
        case "proxy":
            var problems: [Diagnostic] = []
            if case .object(let fields, _, _, _) = template {
                for (k, t) in fields {
                    problems += checkTemplate(t, scope: scope, sink: ["password", "secret", "link", "username"].contains(k) ? .secret : .plain, reveal: false, what: "client.proxy.\(k)")
                }
                if let type = fields["type"]?.literalString, !["socks5", "http", "mtproxy"].contains(type) {
                    problems.append(Diagnostic("proxy type must be socks5, http or mtproxy\(didYouMean(type, ["socks5", "http", "mtproxy"]))", at: fields["type"]!.location, rule: .type))
                }
            }
            return problems
        case "transport":
            var problems = checkTemplate(template, scope: scope, sink: .plain, reveal: false, what: "client.transport")
            let transports = ["abridged", "intermediate", "padded_intermediate", "full", "obfuscated"]
            if let t = template.literalString, !transports.contains(t) {
                problems.append(Diagnostic("unknown transport '\(t)'\(didYouMean(t, transports)); one of \(transports.joined(separator: ", "))", at: template.location, rule: .type))
            }
            return problems
        case "api_id":
            var problems = checkTemplate(template, scope: scope, sink: .plain, reveal: false, what: "client.api_id")
            if case .literal(let v, let at) = template, v.intValue == nil {
                problems.append(Diagnostic("api_id must be a number, found a \(v.typeName)", at: at, rule: .type))
            }
            return problems
        case "server":
            if let s = template.literalString, !["production", "test"].contains(s), !s.hasSuffix(".json") {
                return [Diagnostic("server must be 'production', 'test', a testdc info file (*.json) or a mapping with host, port, dc and rsa_key", at: template.location, rule: .type)]
            }
            return checkTemplate(template, scope: scope, sink: .plain, reveal: false, what: "client.server")
        default:
            return checkTemplate(template, scope: scope, sink: .plain, reveal: false, what: "client.\(key)")
        }
    }

    /// Type-checks every expression in `template`; a secret reaching a plain sink is an error.
    func checkTemplate(_ template: ValueTemplate, scope: TypeScope, sink: StepKind.Sink, reveal: Bool, what: String, expected: ExpressionType.Base = .any) -> [Diagnostic] {
        var checker = TypeChecker(scope: scope)
        var problems: [Diagnostic] = []
        func visit(_ t: ValueTemplate) {
            switch t {
            case .literal(let v, let at):
                if expected != .any, ExpressionType(of: v).base != expected, v != .null {
                    problems.append(Diagnostic("\(what) must be a \(expected.rawValue), found a \(v.typeName)", at: at, rule: .type))
                }
            case .string(let st):
                var secret = false
                var type = ExpressionType(.string)
                for e in st.expressions {
                    let et = checker.check(e)
                    secret = secret || et.secret
                    if st.isSingleExpression { type = et }
                }
                if st.isSingleExpression, expected != .any, type.base != .any, type.base != expected {
                    problems.append(Diagnostic("\(what) must be a \(expected.rawValue), but this expression is a \(type.base.rawValue)", at: st.location, rule: .type))
                } else if !st.isSingleExpression, expected != .any, expected != .string {
                    problems.append(Diagnostic("\(what) must be a \(expected.rawValue), but text around ${{ }} makes a string", at: st.location, rule: .type))
                }
                if secret, sink == .plain, !reveal {
                    let e = st.expressions.first { checker.check($0).secret } ?? st.expressions[0]
                    problems.append(Diagnostic("a secret value flows into \(what), which is not a secret; use it only where a secret is asked for, or add 'reveal: true' to the step", at: e.location, rule: .secret))
                }
            case .array(let items, _): items.forEach(visit)
            case .object(let fields, let order, _, _): order.forEach { visit(fields[$0]!) }
            }
        }
        visit(template)
        return checker.problems + problems
    }

    private func check(_ step: Step, scope: TypeScope) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        if let condition = step.condition {
            var checker = TypeChecker(scope: scope)
            let t = checker.check(condition)
            problems += checker.problems
            if t.base != .boolean, t.base != .any {
                problems.append(Diagnostic("'if' must be a boolean expression, found a \(t.base.rawValue); compare explicitly, e.g. inputs.x == 'y'", at: condition.location, rule: .type))
            }
        }
        for output in step.outputs {
            problems += checkTemplate(output.value, scope: scope, sink: .plain, reveal: step.reveal, what: "output '\(output.name)'")
        }
        switch step.kind {
        case .call:
            problems += checkCall(step, scope: scope)
        case .uses:
            problems += checkUses(step, scope: scope)
        default:
            guard case .object(let fields, _, _, _) = step.parameters else { break }
            for p in step.kind.parameters {
                guard let t = fields[p.name] else { continue }
                let expected: ExpressionType.Base = ["string", "number", "boolean"].contains(p.type) ? ExpressionType.Base(rawValue: p.type)! : .any
                problems += checkTemplate(t, scope: scope, sink: p.sink, reveal: step.reveal, what: "'\(step.kind.rawValue).\(p.name)'", expected: expected)
            }
        }
        return problems
    }

    private func checkCall(_ step: Step, scope: TypeScope) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let params: [String: ValueTemplate]
        if case .object(let fields, _, _, _)? = step.with { params = fields } else { params = [:] }
        for (name, t) in params.sorted(by: { $0.key < $1.key }) {
            problems += checkTemplate(t, scope: scope, sink: .plain, reveal: step.reveal, what: "parameter '\(name)'")
        }
        guard let catalog, case .literal(.string(let method), let at) = step.parameters else { return problems }
        guard let expected = catalog.parameters(ofMethod: method) else {
            let suggestion = catalog.suggestions(forMethod: method).first.map { "; did you mean '\($0)'?" } ?? ""
            problems.append(Diagnostic("unknown Telegram method '\(method)'\(suggestion)", at: at, rule: .tl))
            return problems
        }
        for (name, t) in params.sorted(by: { $0.key < $1.key }) {
            guard let p = expected.first(where: { $0.name == name }) else {
                let settable = expected.filter { $0.type != "#" }.map(\.name)
                let list = settable.isEmpty ? "it takes no parameters" : "it takes \(settable.joined(separator: ", "))"
                problems.append(Diagnostic("\(method) has no parameter '\(name)'\(didYouMean(name, settable)); \(list)", at: step.with?.keyLocation(name) ?? t.location, rule: .tl))
                continue
            }
            let base = p.expressionBase
            if base != .any, case .literal(let v, let vat) = t, ExpressionType(of: v).base != base {
                problems.append(Diagnostic("parameter '\(name)' of \(method) is a TL \(p.type), found a \(v.typeName)", at: vat, rule: .tl))
            }
        }
        for p in expected where !p.optional && params[p.name] == nil {
            if ["random_id"].contains(p.name) { continue }  // filled in by the runner
            problems.append(Diagnostic("\(method) needs parameter '\(p.name)' (\(p.type)) under 'with'", at: step.kindLocation, rule: .tl))
        }
        return problems
    }

    private func checkUses(_ step: Step, scope: TypeScope) -> [Diagnostic] {
        guard let template = step.template else { return [] }
        var problems = WorkflowValidator(catalog: catalog).validate(template)
        let given: [String: ValueTemplate]
        if case .object(let fields, _, _, _)? = step.with { given = fields } else { given = [:] }
        let names = template.inputs.map(\.name)
        for (name, t) in given.sorted(by: { $0.key < $1.key }) {
            guard let input = template.input(named: name) else {
                problems.append(Diagnostic("template '\(template.name ?? template.file)' has no input '\(name)'\(didYouMean(name, names))", at: step.with?.keyLocation(name) ?? t.location, rule: .template))
                continue
            }
            let expected: ExpressionType.Base = input.kind.typeName == "number" ? .number : (input.kind.typeName == "boolean" ? .boolean : .string)
            problems += checkTemplate(t, scope: scope, sink: input.secret ? .secret : .plain, reveal: step.reveal, what: "template input '\(name)'", expected: expected)
        }
        for input in template.inputs where input.required && given[input.name] == nil {
            problems.append(Diagnostic("template needs input '\(input.name)' under 'with'", at: step.kindLocation, rule: .template))
        }
        return problems
    }
}
