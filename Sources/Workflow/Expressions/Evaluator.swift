import Foundation

/// What expressions read at run time.
public struct EvaluationContext: Sendable {
    public var inputs: [String: Evaluated] = [:]
    public var secrets: [String: Evaluated] = [:]
    public var env: [String: String] = [:]
    /// Outputs of finished steps by id, and their status.
    public var steps: [String: (status: String, outputs: [String: Evaluated])] = [:]
    public var run: [String: Value] = [:]
    public var now: @Sendable () -> Date = { Date() }
    public init() {}
}

/// A failure while evaluating an expression at run time (a type the checker could not see).
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var location: SourceLocation
    public var description: String { "\(location): \(message)" }
}

/// Evaluates expressions and templates, carrying secrecy with every value.
public struct Evaluator: Sendable {
    public var context: EvaluationContext
    public init(context: EvaluationContext) { self.context = context }

    private func fail(_ message: String, _ at: SourceLocation) -> EvaluationError { EvaluationError(message: message, location: at) }

    public func evaluate(_ e: Expression) throws -> Evaluated {
        switch e {
        case .literal(let v, _): return Evaluated(v)
        case .path(let components, let at): return try lookup(components, at)
        case .unary(.not, let operand, let at):
            let v = try evaluate(operand)
            guard case .bool(let b) = v.value else { throw fail("'!' needs a boolean, found \(v.value.typeName)", at) }
            return Evaluated(.bool(!b))
        case .binary(let op, let l, let r, let at):
            if op == .and || op == .or {
                let lv = try evaluate(l)
                guard case .bool(let lb) = lv.value else { throw fail("'\(op.rawValue)' needs booleans, found \(lv.value.typeName)", l.location) }
                if op == .and && !lb { return Evaluated(.bool(false)) }
                if op == .or && lb { return Evaluated(.bool(true)) }
                let rv = try evaluate(r)
                guard case .bool(let rb) = rv.value else { throw fail("'\(op.rawValue)' needs booleans, found \(rv.value.typeName)", r.location) }
                return Evaluated(.bool(rb))
            }
            let lv = try evaluate(l).value, rv = try evaluate(r).value
            switch op {
            case .equal, .notEqual:
                if lv.typeName != rv.typeName, lv != .null, rv != .null {
                    throw fail("'\(op.rawValue)' compares a \(lv.typeName) with a \(rv.typeName); == does not convert types", at)
                }
                let equal = strictEquals(lv, rv)
                return Evaluated(.bool(op == .equal ? equal : !equal))
            default:
                let order: ComparisonResult
                if let a = lv.doubleValue, let b = rv.doubleValue { order = a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame) }
                else if let a = lv.stringValue, let b = rv.stringValue { order = a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame) }
                else { throw fail("'\(op.rawValue)' compares numbers or strings, found \(lv.typeName) and \(rv.typeName)", at) }
                switch op {
                case .less: return Evaluated(.bool(order == .orderedAscending))
                case .lessOrEqual: return Evaluated(.bool(order != .orderedDescending))
                case .greater: return Evaluated(.bool(order == .orderedDescending))
                default: return Evaluated(.bool(order != .orderedAscending))
                }
            }
        case .call(let name, let args, let at):
            guard let function = BuiltinFunction(rawValue: name), function.arity.contains(args.count) else { throw fail("bad call to \(name)()", at) }
            let values = try args.map { try evaluate($0) }
            let secret = values.contains { $0.secret }
            switch function {
            case .default:
                let v = values[0].value
                let empty = v == .null || v == .string("")
                return empty ? values[1] : values[0]
            case .format:
                guard case .string(let text) = values[0].value else { throw fail("format()'s first argument must be a string", at) }
                return Evaluated(.string(try format(text, Array(values.dropFirst()), at)), secret: secret)
            case .contains:
                switch values[0].value {
                case .string(let s):
                    guard case .string(let needle) = values[1].value else { throw fail("contains() on a string looks for a string", at) }
                    return Evaluated(.bool(s.contains(needle)))
                case .array(let items): return Evaluated(.bool(items.contains { strictEquals($0, values[1].value) }))
                default: throw fail("contains() searches a string or a list, found \(values[0].value.typeName)", at)
                }
            case .startsWith:
                guard case .string(let s) = values[0].value, case .string(let p) = values[1].value else { throw fail("startsWith() takes two strings", at) }
                return Evaluated(.bool(s.hasPrefix(p)))
            case .length:
                switch values[0].value {
                case .string(let s): return Evaluated(.int(Int64(s.count)))
                case .array(let a): return Evaluated(.int(Int64(a.count)))
                case .object(let o): return Evaluated(.int(Int64(o.count)))
                default: throw fail("length() takes a string, list or object, found \(values[0].value.typeName)", at)
                }
            case .json: return Evaluated(.string(values[0].value.json), secret: secret)
            case .now:
                return Evaluated(.string(Timestamp.iso8601(context.now())))
            }
        }
    }

    private func format(_ text: String, _ args: [Evaluated], _ at: SourceLocation) throws -> String {
        var out = ""
        var chars = Array(text)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "{" {
                if chars.first == "{" { out.append("{"); chars = chars.dropFirst(); continue }
                guard let close = chars.firstIndex(of: "}"), let n = Int(String(chars[..<close])) else { out.append(c); continue }
                guard n < args.count else { throw fail("format() uses {\(n)} but is given \(args.count) values", at) }
                out += args[n].value.interpolated
                chars = chars[(close + 1)...]
            } else if c == "}" && chars.first == "}" {
                out.append("}"); chars = chars.dropFirst()
            } else {
                out.append(c)
            }
        }
        return out
    }

    private func lookup(_ components: [Expression.PathComponent], _ at: SourceLocation) throws -> Evaluated {
        var names: [Evaluated] = []
        for c in components {
            switch c {
            case .name(let n): names.append(Evaluated(.string(n)))
            case .index(let e): names.append(try evaluate(e))
            }
        }
        guard case .string(let root)? = names.first?.value else { throw fail("bad context", at) }
        var current: Evaluated
        var rest = names.dropFirst()
        func nextName() -> String? { if case .string(let s)? = rest.first?.value { rest = rest.dropFirst(); return s }; return nil }
        switch root {
        case "inputs":
            guard let n = nextName() else { throw fail("name the input", at) }
            current = context.inputs[n] ?? Evaluated(.null)
        case "secrets":
            guard let n = nextName() else { throw fail("name the secret", at) }
            current = context.secrets[n] ?? Evaluated(.null, secret: true)
        case "env":
            guard let n = nextName() else { throw fail("name the variable", at) }
            current = Evaluated(context.env[n].map(Value.string) ?? .null)
        case "run":
            guard let n = nextName() else { throw fail("name the run field", at) }
            current = Evaluated(context.run[n] ?? .null)
        case "steps":
            guard let id = nextName() else { throw fail("name the step", at) }
            guard let step = context.steps[id] else { current = Evaluated(.null); break }
            guard let field = nextName() else { current = Evaluated(.string(step.status)); break }
            if field == "status" { current = Evaluated(.string(step.status)); break }
            guard let output = nextName() else {
                current = Evaluated(.object(step.outputs.mapValues(\.value)), secret: step.outputs.values.contains { $0.secret })
                break
            }
            current = step.outputs[output] ?? Evaluated(.null)
        default: throw fail("unknown context '\(root)'", at)
        }
        for key in rest {
            switch (current.value, key.value) {
            case (.object(let o), .string(let k)): current = Evaluated(o[k] ?? .null, secret: current.secret || key.secret)
            case (.array(let a), let i) where i.intValue != nil:
                let index = Int(i.intValue!)
                current = Evaluated(index >= 0 && index < a.count ? a[index] : .null, secret: current.secret || key.secret)
            case (.null, _): return Evaluated(.null, secret: current.secret)
            default: throw fail("cannot read \(key.value.json) of a \(current.value.typeName)", at)
            }
        }
        return current
    }

    /// A template's value: a single expression keeps its type; otherwise the parts become text.
    public func evaluate(_ template: StringTemplate) throws -> Evaluated {
        if template.isSingleExpression, case .expression(let e) = template.parts[0] { return try evaluate(e) }
        var text = ""
        var secret = false
        for part in template.parts {
            switch part {
            case .text(let t): text += t
            case .expression(let e):
                let v = try evaluate(e)
                secret = secret || v.secret
                text += v.value.interpolated
            }
        }
        return Evaluated(.string(text), secret: secret)
    }

    public func evaluate(_ template: ValueTemplate) throws -> Evaluated {
        switch template {
        case .literal(let v, _): return Evaluated(v)
        case .string(let t): return try evaluate(t)
        case .array(let items, _):
            let values = try items.map { try evaluate($0) }
            return Evaluated(.array(values.map(\.value)), secret: values.contains { $0.secret })
        case .object(let fields, _, _, _):
            var object: [String: Value] = [:]
            var secret = false
            for (k, t) in fields {
                let v = try evaluate(t)
                object[k] = v.value
                secret = secret || v.secret
            }
            return Evaluated(.object(object), secret: secret)
        }
    }
}
