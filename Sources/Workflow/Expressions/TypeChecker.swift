/// Where an expression is checked: which names exist and what their types are.
struct TypeScope {
    var inputs: [String: ExpressionType] = [:]
    var secrets: [String: ExpressionType] = [:]
    /// Steps that have run before the current one, with their outputs' types.
    var earlierSteps: [String: [String: ExpressionType]] = [:]
    /// Steps that run at or after the current one (a reference to them is "used before it runs").
    var laterSteps: Set<String> = []
    static let runFields = ["id", "attempt", "workflow", "started_at"]
}

/// Infers expression types and reports misuse: unknown names, wrong arity, `==` across
/// types, non-boolean conditions.
struct TypeChecker {
    let scope: TypeScope
    private(set) var problems: [Diagnostic] = []

    init(scope: TypeScope) { self.scope = scope }

    private mutating func report(_ message: String, _ at: SourceLocation, _ rule: Diagnostic.Rule = .expression) {
        problems.append(Diagnostic(message, at: at, rule: rule))
    }

    mutating func check(_ e: Expression) -> ExpressionType {
        switch e {
        case .literal(let v, _): return ExpressionType(of: v)
        case .path(let components, let at): return checkPath(components, at)
        case .unary(.not, let operand, let at):
            let t = check(operand)
            if !t.mayBe(.boolean) { report("'!' needs a boolean, found \(t.base.rawValue)", at) }
            return ExpressionType(.boolean)
        case .binary(let op, let l, let r, let at):
            let lt = check(l), rt = check(r)
            switch op {
            case .and, .or:
                for (t, side) in [(lt, l), (rt, r)] where !t.mayBe(.boolean) {
                    report("'\(op.rawValue)' needs booleans, found \(t.base.rawValue); compare explicitly, e.g. x != ''", side.location)
                }
                return ExpressionType(.boolean)
            case .equal, .notEqual:
                if lt.base != .any, rt.base != .any, lt.base != rt.base, lt.base != .null, rt.base != .null {
                    report("'\(op.rawValue)' compares a \(lt.base.rawValue) with a \(rt.base.rawValue); values of different types are never equal and == does not convert them", at, .type)
                }
                return ExpressionType(.boolean)
            case .less, .lessOrEqual, .greater, .greaterOrEqual:
                let ok = (lt.mayBe(.number) && rt.mayBe(.number)) || (lt.mayBe(.string) && rt.mayBe(.string))
                if !ok || (lt.base != .any && rt.base != .any && lt.base != rt.base) {
                    report("'\(op.rawValue)' compares numbers or strings of the same type, found \(lt.base.rawValue) and \(rt.base.rawValue)", at, .type)
                }
                return ExpressionType(.boolean)
            }
        case .call(let name, let args, let at):
            let types = args.map { check($0) }
            guard let function = BuiltinFunction(rawValue: name) else {
                report("unknown function '\(name)'\(didYouMean(name, BuiltinFunction.allCases.map(\.rawValue)))", at, .reference)
                return .any
            }
            guard function.arity.contains(args.count) else {
                report("\(name)() takes \(describe(function.arity)), found \(args.count); use \(function.signature)", at)
                return .any
            }
            let anySecret = types.contains { $0.secret }
            switch function {
            case .default:
                let base = types[0].base == types[1].base ? types[0].base : (types[0].base == .null ? types[1].base : .any)
                return ExpressionType(base, secret: anySecret)
            case .format:
                if !types[0].mayBe(.string) { report("format()'s first argument is the text, found \(types[0].base.rawValue)", args[0].location, .type) }
                if case .literal(.string(let text), _) = args[0] { checkPlaceholders(text, count: args.count - 1, at: args[0].location) }
                return ExpressionType(.string, secret: anySecret)
            case .contains:
                if !(types[0].mayBe(.string) || types[0].mayBe(.array)) { report("contains() searches a string or a list, found \(types[0].base.rawValue)", args[0].location, .type) }
                return ExpressionType(.boolean)
            case .startsWith:
                for (t, a) in zip(types, args) where !t.mayBe(.string) { report("startsWith() takes strings, found \(t.base.rawValue)", a.location, .type) }
                return ExpressionType(.boolean)
            case .length:
                if !(types[0].mayBe(.string) || types[0].mayBe(.array) || types[0].mayBe(.object)) { report("length() takes a string, list or object, found \(types[0].base.rawValue)", args[0].location, .type) }
                return ExpressionType(.number)
            case .json: return ExpressionType(.string, secret: anySecret)
            case .now: return ExpressionType(.string)
            }
        }
    }

    private func describe(_ arity: ClosedRange<Int>) -> String {
        arity.lowerBound == arity.upperBound ? "\(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")" : "at least \(arity.lowerBound) argument"
    }

    private mutating func checkPlaceholders(_ text: String, count: Int, at: SourceLocation) {
        var highest = -1
        var chars = Array(text)[...]
        while let open = chars.firstIndex(of: "{") {
            chars = chars[(open + 1)...]
            if chars.first == "{" { chars = chars.dropFirst(); continue }
            guard let close = chars.firstIndex(of: "}"), let n = Int(String(chars[..<close])) else { continue }
            highest = max(highest, n)
            chars = chars[(close + 1)...]
        }
        if highest >= count { report("format() uses {\(highest)} but is given \(count) value\(count == 1 ? "" : "s")", at) }
    }

    private mutating func checkPath(_ components: [Expression.PathComponent], _ at: SourceLocation) -> ExpressionType {
        var names: [String] = []
        for c in components {
            switch c {
            case .name(let n): names.append(n)
            case .index(let e): _ = check(e); names.append("*")
            }
        }
        let contexts = ["inputs", "secrets", "env", "steps", "run"]
        guard let root = names.first, contexts.contains(root) else {
            report("unknown context '\(names.first ?? "")'\(didYouMean(names.first ?? "", contexts)); expressions read inputs, secrets, env, steps and run", at, .reference)
            return .any
        }
        func member(_ i: Int) -> String? { i < names.count && names[i] != "*" ? names[i] : nil }
        switch root {
        case "inputs", "secrets":
            let table = root == "inputs" ? scope.inputs : scope.secrets
            guard let name = member(1) else { report("name the \(root == "inputs" ? "input" : "secret"), e.g. \(root).NAME", at, .reference); return .any }
            guard let t = table[name] else {
                report("unknown \(root == "inputs" ? "input" : "secret") '\(name)'\(didYouMean(name, Array(table.keys)))", at, .reference)
                return .any
            }
            return names.count > 2 ? ExpressionType(.any, secret: t.secret) : t
        case "env":
            guard member(1) != nil else { report("name the variable, e.g. env.HOME", at, .reference); return .any }
            return ExpressionType(.string)
        case "run":
            guard let field = member(1), TypeScope.runFields.contains(field) else {
                report("unknown field 'run.\(member(1) ?? "")'\(didYouMean(member(1) ?? "", TypeScope.runFields)); run has \(TypeScope.runFields.joined(separator: ", "))", at, .reference)
                return .any
            }
            return ExpressionType(field == "attempt" ? .number : .string)
        default:
            guard let id = member(1) else { report("name the step, e.g. steps.ID.outputs.NAME", at, .reference); return .any }
            guard let outputs = scope.earlierSteps[id] else {
                if scope.laterSteps.contains(id) {
                    report("step '\(id)' has not run yet at this point; a step can only read the outputs of steps before it", at, .reference)
                } else {
                    report("unknown step '\(id)'\(didYouMean(id, Array(scope.earlierSteps.keys)))", at, .reference)
                }
                return .any
            }
            guard let field = member(2) else { return ExpressionType(.object) }
            if field == "status" { return ExpressionType(.string) }
            guard field == "outputs" else {
                report("a step has 'outputs' and 'status', not '\(field)'\(didYouMean(field, ["outputs", "status"]))", at, .reference)
                return .any
            }
            guard let output = member(3) else { return ExpressionType(.object) }
            guard let t = outputs[output] else {
                report("step '\(id)' has no output '\(output)'" + (outputs.isEmpty ? "" : "; it has \(outputs.keys.sorted().joined(separator: ", "))"), at, .reference)
                return .any
            }
            return names.count > 4 ? ExpressionType(.any, secret: t.secret) : t
        }
    }
}
