/// A TL type expression as the schema writes it, after parsing.
public indirect enum TLType: Equatable, Hashable, Sendable, CustomStringConvertible {
    case int, long, double, int128, int256, string, bytes
    /// Boxed `Bool` (`boolTrue`/`boolFalse`).
    case bool
    /// `true`: a flag with no payload, present when its bit is set.
    case trueFlag
    /// `#`: a 32-bit flags word (computed by the encoder).
    case nat
    /// `Vector<T>` (boxed, with the vector id) or `vector<t>` (bare: count then items).
    case vector(TLType, boxed: Bool)
    /// A boxed type such as `InputPeer` or `auth.SentCode`: an id, then that constructor.
    case boxed(String)
    /// A bare constructor (`future_salt`, `%Message`): its fields without an id.
    case bare(String)
    /// `!X` of a generic method: any boxed object (usually a method call).
    case generic(String)
    /// `Object`: any boxed constructor or method.
    case any

    public var description: String {
        switch self {
        case .int: return "int"
        case .long: return "long"
        case .double: return "double"
        case .int128: return "int128"
        case .int256: return "int256"
        case .string: return "string"
        case .bytes: return "bytes"
        case .bool: return "Bool"
        case .trueFlag: return "true"
        case .nat: return "#"
        case let .vector(element, boxed): return (boxed ? "Vector<" : "vector<") + element.description + ">"
        case let .boxed(name): return name
        case let .bare(name): return "%" + name
        case let .generic(name): return "!" + name
        case .any: return "Object"
        }
    }
}

/// The flags word and bit that make a parameter optional (`flags.3?string`).
public struct TLCondition: Equatable, Hashable, Sendable {
    public let flagsField: String
    public let bit: Int
}

/// One parameter of a constructor or method.
public struct TLParam: Equatable, Sendable {
    public let name: String
    public let type: TLType
    /// Present for optional parameters; nil for required ones.
    public let condition: TLCondition?

    public var isOptional: Bool { condition != nil }
    /// A `flags:#` word: computed by the encoder, never stored in a `TLObject`.
    public var isFlags: Bool { type == .nat }

    /// The parameter's type as the schema writes it: `flags.0?Vector<int>`.
    public var typeText: String {
        guard let c = condition else { return type.description }
        return "\(c.flagsField).\(c.bit)?\(type.description)"
    }
}

/// A constructor (`inputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer`)
/// or a method (`auth.sendCode#… = auth.SentCode`) of the schema.
public struct TLCombinator: Equatable, Sendable {
    public let name: String
    public let id: UInt32
    public let params: [TLParam]
    /// The type it belongs to (a constructor) or returns (a method), as written:
    /// `InputPeer`, `Vector<User>`, `X`.
    public let resultType: String
    public let isMethod: Bool
    /// Generic parameters such as `X` in `{X:Type}`.
    public let genericParams: [String]
    /// The schema line it was read from (0 for built-ins).
    public let line: Int
}
