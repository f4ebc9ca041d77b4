/// What validation needs to know about Telegram's API: a method's parameters by name.
/// `TLMethodCatalog` answers from `TLSchema.shared`; tests may give their own.
public protocol MethodCatalog: Sendable {
    /// The method's parameters, or nil when no such method exists.
    func parameters(ofMethod name: String) -> [MethodParameter]?
    /// Valid method names closest to `name`, best first.
    func suggestions(forMethod name: String) -> [String]
}

public struct MethodParameter: Sendable, Equatable {
    public var name: String
    /// The TL type, e.g. `string`, `long`, `InputPeer`, `Vector<long>`.
    public var type: String
    /// Optional (a `flags.N?` field) or a `#` flags word the codec computes.
    public var optional: Bool
    public init(name: String, type: String, optional: Bool) {
        self.name = name
        self.type = type
        self.optional = optional
    }

    /// The expression type a value for this parameter should have, when it is simple.
    var expressionBase: ExpressionType.Base {
        switch type {
        case "int", "long", "double", "int53": return .number
        case "string", "bytes": return .string
        case "Bool", "true": return .boolean
        case _ where type.hasPrefix("Vector<") || type.hasPrefix("vector<"): return .array
        case "InputPeer", "InputUser", "InputChannel": return .any   // `me`, `@name`, a phone, or an object
        default: return .any
        }
    }
}

/// Methods known not to change anything on the server, so repeating them after a crash is safe.
enum ReadOnlyMethods {
    static func isReadOnly(_ method: String) -> Bool {
        let name = method.split(separator: ".").last.map(String.init) ?? method
        return ["get", "check", "resolve", "search", "export"].contains { name.hasPrefix($0) }
    }
}
