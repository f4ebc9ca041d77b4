import TL
import Foundation

/// A typed workflow value: what inputs, expressions and step outputs hold. JSON-shaped,
/// with integers kept exact.
public indirect enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([Value])
    case object([String: Value])

    /// The name of this value's type as the expression language spells it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e18: return Int64(d)
        default: return nil
        }
    }
    public subscript(key: String) -> Value? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Compact JSON with sorted keys (stable, so digests and tests can rely on it).
    public var json: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN || d.isInfinite { return "null" }
            if d.rounded() == d && abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .string(let s): return JSONValue.quoted(s)
        case .array(let a): return "[" + a.map(\.json).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONValue.quoted($0) + ":" + o[$0]!.json }.joined(separator: ",") + "}"
        }
    }

    /// How the value reads when interpolated into a string: strings bare, the rest as JSON.
    public var interpolated: String {
        if case .string(let s) = self { return s }
        return json
    }

    /// Parses JSON text (used for checkpointed outputs and `--input k=<json>`).
    public static func parseJSON(_ text: String) throws -> Value {
        var parser = JSONTextParser(Array(text.utf8))
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        guard parser.atEnd else { throw JSONTextParser.Failure(offset: parser.offset) }
        return value
    }
}

/// Strict equality used by `==`: numbers compare by value, nothing converts across types.
func strictEquals(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.int(let x), .double(let y)): return Double(x) == y
    case (.double(let x), .int(let y)): return x == Double(y)
    default: return a == b
    }
}
