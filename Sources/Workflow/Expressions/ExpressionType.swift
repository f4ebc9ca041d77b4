/// The static type of an expression: its JSON type and whether it carries a secret.
/// Secrecy is part of the type, so it follows values through every operator and function.
public struct ExpressionType: Equatable, Sendable, CustomStringConvertible {
    public enum Base: String, Sendable { case string, number, boolean, null, array, object, any }
    public var base: Base
    public var secret: Bool

    public init(_ base: Base, secret: Bool = false) {
        self.base = base
        self.secret = secret
    }

    static let any = ExpressionType(.any)

    public var description: String { (secret ? "secret " : "") + base.rawValue }

    /// True when a value of this type might be of type `other` (so a check cannot rule it out).
    func mayBe(_ other: Base) -> Bool { base == .any || base == other }

    init(of value: Value, secret: Bool = false) {
        switch value {
        case .null: base = .null
        case .bool: base = .boolean
        case .int, .double: base = .number
        case .string: base = .string
        case .array: base = .array
        case .object: base = .object
        }
        self.secret = secret
    }
}

/// A value with its secrecy, as the evaluator passes it around.
public struct Evaluated: Equatable, Sendable {
    public var value: Value
    public var secret: Bool
    public init(_ value: Value, secret: Bool = false) {
        self.value = value
        self.secret = secret
    }
}

/// The built-in functions: arity and result type, shared by the checker and the evaluator.
enum BuiltinFunction: String, CaseIterable {
    case `default`, format, contains, startsWith, length, json, now

    var arity: ClosedRange<Int> {
        switch self {
        case .default, .contains, .startsWith: return 2...2
        case .format: return 1...32
        case .length, .json: return 1...1
        case .now: return 0...0
        }
    }

    var signature: String {
        switch self {
        case .default: return "default(value, fallback)"
        case .format: return "format('text {0}', value…)"
        case .contains: return "contains(text or list, item)"
        case .startsWith: return "startsWith(text, prefix)"
        case .length: return "length(text, list or object)"
        case .json: return "json(value)"
        case .now: return "now()"
        }
    }
}
