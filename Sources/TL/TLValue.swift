/// A constructor or method call with its fields, by TL field names
/// (`{"_": "inputPeerUser", "user_id": 1, "access_hash": -2}` in JSON).
/// Absent optional fields are simply missing; `flags` fields are never stored:
/// the encoder computes them.
///
/// Decoded objects keep their fields in schema order behind the scenes, so that
/// decoding builds no dictionary and re-encoding looks nothing up by name;
/// `fields` presents them as a dictionary either way.
public struct TLObject: Equatable, Sendable {
    var storage: Storage

    /// `@unchecked`: `DecodedFields` is immutable once decoding has returned it.
    enum Storage: @unchecked Sendable {
        case built(name: String, fields: [String: TLValue])
        /// As decoded: the combinator and the present fields in schema order.
        case decoded(DecodedFields)
    }

    public init(name: String, fields: [String: TLValue] = [:]) {
        storage = .built(name: name, fields: fields)
    }

    public init(_ name: String, _ fields: KeyValuePairs<String, TLValue>) {
        storage = .built(name: name, fields: Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) }))
    }

    init(decoded: DecodedFields) {
        storage = .decoded(decoded)
    }

    /// The constructor or method name, e.g. `inputPeerUser` or `auth.sendCode`.
    public var name: String {
        get {
            switch storage {
            case let .built(name, _): return name
            case let .decoded(d): return d.combinator.name
            }
        }
        set { storage = .built(name: newValue, fields: fields) }
    }

    /// The fields by name. (Reading it from a decoded object builds the dictionary;
    /// `object["field"]` reads one field without that.)
    public var fields: [String: TLValue] {
        get {
            switch storage {
            case let .built(_, fields):
                return fields
            case let .decoded(d):
                var out = [String: TLValue](minimumCapacity: d.count)
                let names = d.combinator.names
                d.forEach { index, value in out[names[index]] = value }
                return out
            }
        }
        set { storage = .built(name: name, fields: newValue) }
    }

    /// How many fields are present.
    public var fieldCount: Int {
        switch storage {
        case let .built(_, fields): return fields.count
        case let .decoded(d): return d.count
        }
    }

    public subscript(field: String) -> TLValue? {
        get {
            switch storage {
            case let .built(_, fields):
                return fields[field]
            case let .decoded(d):
                guard let index = d.combinator.fieldTable.index(of: field) else { return nil }
                var found: TLValue?
                d.forEach { i, value in if i == index { found = value } }
                return found
            }
        }
        set {
            var all = fields
            all[field] = newValue
            storage = .built(name: name, fields: all)
        }
    }

    /// Calls `body` with each present field (in schema order for decoded objects).
    public func forEachField(_ body: (String, TLValue) throws -> Void) rethrows {
        switch storage {
        case let .built(_, fields):
            for (k, v) in fields { try body(k, v) }
        case let .decoded(d):
            let names = d.combinator.names
            try d.forEach { index, value in try body(names[index], value) }
        }
    }

    public static func == (a: TLObject, b: TLObject) -> Bool {
        if case let .decoded(x) = a.storage, case let .decoded(y) = b.storage, x.combinator === y.combinator {
            return x === y || x.isEqual(to: y)
        }
        return a.name == b.name && a.fields == b.fields
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
