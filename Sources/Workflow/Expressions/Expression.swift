/// A parsed `${{ … }}` expression. Every node keeps its position in the file so that
/// type errors point at the exact sub-expression.
public indirect enum Expression: Sendable, Hashable {
    case literal(Value, SourceLocation)
    /// A context path such as `inputs.phone` or `steps.me.outputs.user.id`.
    case path([PathComponent], SourceLocation)
    case call(String, [Expression], SourceLocation)
    case unary(UnaryOperator, Expression, SourceLocation)
    case binary(BinaryOperator, Expression, Expression, SourceLocation)

    public enum PathComponent: Sendable, Hashable {
        case name(String)
        case index(Expression)
    }

    public enum UnaryOperator: String, Sendable { case not = "!" }

    public enum BinaryOperator: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case and = "&&", or = "||"
    }

    public var location: SourceLocation {
        switch self {
        case .literal(_, let l), .path(_, let l), .call(_, _, let l), .unary(_, _, let l), .binary(_, _, _, let l): return l
        }
    }

    /// The names of a path's leading components (`["steps", "me", "outputs"]`), stopping at an index.
    var pathNames: [String] {
        guard case .path(let components, _) = self else { return [] }
        var names: [String] = []
        for c in components {
            guard case .name(let n) = c else { break }
            names.append(n)
        }
        return names
    }
}

/// A string with `${{ }}` expressions in it. A string that is exactly one expression
/// evaluates to that expression's typed value; otherwise the parts are joined as text.
public struct StringTemplate: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case text(String)
        case expression(Expression)
    }

    public var parts: [Part]
    public var location: SourceLocation

    /// True when the whole string is a single `${{ }}` (its value keeps its type).
    public var isSingleExpression: Bool {
        parts.count == 1 && { if case .expression = parts[0] { return true }; return false }()
    }

    public var isLiteral: Bool {
        parts.allSatisfy { if case .text = $0 { return true }; return false }
    }

    public var expressions: [Expression] {
        parts.compactMap { if case .expression(let e) = $0 { return e }; return nil }
    }

    public var literalText: String? {
        guard isLiteral else { return nil }
        return parts.map { if case .text(let t) = $0 { return t }; return "" }.joined()
    }
}

/// A value written in YAML whose strings may hold expressions: the shape of `with:`,
/// `outputs:` and every step parameter.
public indirect enum ValueTemplate: Sendable, Hashable {
    case literal(Value, SourceLocation)
    case string(StringTemplate)
    case array([ValueTemplate], SourceLocation)
    case object([String: ValueTemplate], keyOrder: [String], SourceLocation, keyLocations: [String: SourceLocation])

    public var location: SourceLocation {
        switch self {
        case .literal(_, let l), .array(_, let l), .object(_, _, let l, _): return l
        case .string(let t): return t.location
        }
    }

    /// Every expression anywhere inside, in source order.
    public var expressions: [Expression] {
        switch self {
        case .literal: return []
        case .string(let t): return t.expressions
        case .array(let items, _): return items.flatMap(\.expressions)
        case .object(let fields, let order, _, _): return order.flatMap { fields[$0]!.expressions }
        }
    }

    public subscript(key: String) -> ValueTemplate? {
        if case .object(let fields, _, _, _) = self { return fields[key] }
        return nil
    }

    /// Where `key` is written in an object template (for diagnostics about the key itself).
    public func keyLocation(_ key: String) -> SourceLocation? {
        if case .object(_, _, _, let locations) = self { return locations[key] }
        return nil
    }

    /// The plain text of a literal string, when no expression is involved.
    public var literalString: String? {
        switch self {
        case .literal(.string(let s), _): return s
        case .string(let t): return t.literalText
        default: return nil
        }
    }
}
