/// A constructor or method call with its fields, by TL field names
/// (`{"_": "inputPeerUser", "user_id": 1, "access_hash": -2}` in JSON).
/// Absent optional fields are simply missing; `flags` fields are never stored:
/// the encoder computes them.
///
/// Decoded objects keep their fields in schema order behind the scenes, so that
/// decoding builds no dictionary and re-encoding looks nothing up by name;
/// `fields` presents them as a dictionary either way.
public struct TLObject: Equatable, Sendable {
    public var name: String
    var storage: Storage

    enum Storage: Sendable {
        case dictionary([String: TLValue])
        /// As decoded: the present fields in schema order, by parameter index.
        case decoded(CompiledCombinator, [DecodedField])
    }

    struct DecodedField: Equatable, Sendable {
        let index: Int
        let value: TLValue
    }

    public init(name: String, fields: [String: TLValue] = [:]) {
        self.name = name
        self.storage = .dictionary(fields)
    }

    public init(_ name: String, _ fields: KeyValuePairs<String, TLValue>) {
        self.name = name
        self.storage = .dictionary(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) }))
    }

    init(name: String, decoded combinator: CompiledCombinator, fields: [DecodedField]) {
        self.name = name
        self.storage = .decoded(combinator, fields)
    }

    /// The fields by name. (Reading it from a decoded object builds the dictionary;
    /// `object["field"]` reads one field without that.)
    public var fields: [String: TLValue] {
        get {
            switch storage {
            case let .dictionary(d):
                return d
            case let .decoded(c, entries):
                var d = [String: TLValue](minimumCapacity: entries.count)
                for e in entries { d[c.names[e.index]] = e.value }
                return d
            }
        }
        set { storage = .dictionary(newValue) }
    }

    /// How many fields are present.
    public var fieldCount: Int {
        switch storage {
        case let .dictionary(d): return d.count
        case let .decoded(_, entries): return entries.count
        }
    }

    public subscript(field: String) -> TLValue? {
        get {
            switch storage {
            case let .dictionary(d):
                return d[field]
            case let .decoded(c, entries):
                for e in entries where c.names[e.index] == field { return e.value }
                return nil
            }
        }
        set {
            var d = fields
            d[field] = newValue
            storage = .dictionary(d)
        }
    }

    /// Calls `body` with each present field (in schema order for decoded objects).
    public func forEachField(_ body: (String, TLValue) throws -> Void) rethrows {
        switch storage {
        case let .dictionary(d):
            for (k, v) in d { try body(k, v) }
        case let .decoded(c, entries):
            for e in entries { try body(c.names[e.index], e.value) }
        }
    }

    public static func == (a: TLObject, b: TLObject) -> Bool {
        guard a.name == b.name else { return false }
        if case let .decoded(ca, ea) = a.storage, case let .decoded(cb, eb) = b.storage, ca === cb {
            return ea == eb
        }
        return a.fields == b.fields
    }
}

/// A dynamically typed TL value, shaped by the schema rather than by Swift types.
/// (Not `indirect`: objects and vectors already live behind references, and
/// boxing every `int` would cost an allocation per decoded field.)
public enum TLValue: Equatable, Sendable {
    case int(Int32), long(Int64), double(Double), int128([UInt8]), int256([UInt8])
    case string(String), bytes([UInt8]), bool(Bool), object(TLObject), vector([TLValue])
}

extension TLValue {
    /// The value as a 32-bit integer (`int`, or a `long` that fits).
    public var int32: Int32? {
        switch self {
        case let .int(v): return v
        case let .long(v): return Int32(exactly: v)
        default: return nil
        }
    }

    /// The value as a 64-bit integer (`long` or `int`).
    public var int64: Int64? {
        switch self {
        case let .long(v): return v
        case let .int(v): return Int64(v)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case let .double(v): return v
        case let .int(v): return Double(v)
        case let .long(v): return Double(v)
        default: return nil
        }
    }

    /// The text of a `string` (or of `bytes` that are valid UTF-8).
    public var stringValue: String? {
        switch self {
        case let .string(s): return s
        case let .bytes(b): return String(validating: b, as: UTF8.self)
        default: return nil
        }
    }

    /// The bytes of `bytes`, `int128`, `int256`, or the UTF-8 of a `string`.
    public var bytesValue: [UInt8]? {
        switch self {
        case let .bytes(b), let .int128(b), let .int256(b): return b
        case let .string(s): return Array(s.utf8)
        default: return nil
        }
    }

    public var object: TLObject? {
        if case let .object(o) = self { return o }
        return nil
    }

    public var vector: [TLValue]? {
        if case let .vector(v) = self { return v }
        return nil
    }

    /// A `Bool` (or a `true` flag); also `boolTrue`/`boolFalse` objects.
    public var boolValue: Bool? {
        switch self {
        case let .bool(b): return b
        case let .object(o) where o.name == "boolTrue": return true
        case let .object(o) where o.name == "boolFalse": return false
        default: return nil
        }
    }

    /// A field of an object value.
    public subscript(field: String) -> TLValue? {
        object?[field]
    }

    /// What kind of value this is, in words for error messages (never the value itself).
    var kindDescription: String {
        switch self {
        case .int: return "int"
        case .long: return "long"
        case .double: return "double"
        case .int128: return "int128"
        case .int256: return "int256"
        case .string: return "string"
        case .bytes: return "bytes"
        case .bool: return "Bool"
        case let .object(o): return "'\(o.name)'"
        case .vector: return "vector"
        }
    }
}
