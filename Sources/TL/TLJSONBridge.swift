/// TL values to and from JSON, as workflows write them and outputs print them:
/// objects as `{"_": "inputPeerUser", "user_id": 1, "access_hash": -2}` with
/// Telethon's field names; `long` as a number (a string is accepted too);
/// `bytes` (and int128/int256) as base64, `{"hex": "…"}` accepted; optional
/// fields omitted (or `null`); `true` flags as booleans.
extension TLSchema {
    /// A value of TL type `type` (`"InputPeer"`, `"Vector<long>"`, `"auth.sendCode"`,
    /// `"Object"` for any constructor or method) from JSON. Errors carry the path
    /// below `path` (e.g. `params` → `params.peer.user_id`).
    public func value(fromJSON json: JSONValue, type: String, path: String = "") throws -> TLValue {
        // A constructor or method name means that one; anything else is a type string.
        let resolved = try typeOfCombinator(type) ?? self.node(forType: type)
        do {
            return try value(fromJSON: json, resolved, depth: 0)
        } catch let e as TLError where !path.isEmpty {
            throw e.prefixed(path)
        }
    }

    /// A constructor or method call from a JSON object with `_`.
    public func object(fromJSON json: JSONValue, path: String = "") throws -> TLObject {
        do {
            return try objectFromJSON(json, expected: -1, bare: nil, depth: 0)
        } catch let e as TLError where !path.isEmpty {
            throw e.prefixed(path)
        }
    }

    /// JSON for a decoded (or built) value.
    public func json(from value: TLValue) -> JSONValue {
        switch value {
        case let .int(v): return .int(Int64(v))
        case let .long(v): return .int(v)
        case let .double(v): return .double(v)
        case let .int128(b), let .int256(b), let .bytes(b): return .string(Base64.encode(b))
        case let .string(s): return .string(s)
        case let .bool(b): return .bool(b)
        case let .object(o): return json(from: o)
        case let .vector(items): return .array(items.map { json(from: $0) })
        }
    }

    /// JSON for an object: `_` and its fields. Bytes in a TL `string` field (MTProto's
    /// `pq`, which is not text) print as `{"base64": "…"}` so they read back as bytes.
    public func json(from object: TLObject) -> JSONValue {
        var out: [String: JSONValue] = ["_": .string(object.name)]
        let params = indexByName[object.name].map { UnsafeBufferPointer(compiled[$0].params) } ?? UnsafeBufferPointer(start: nil, count: 0)
        let names = indexByName[object.name].map { compiled[$0].names } ?? []
        object.forEachField { key, v in
            if let i = names.firstIndex(of: key), params[i].node.holdsText {
                out[key] = textJSON(v)
            } else {
                out[key] = json(from: v)
            }
        }
        return .object(out)
    }

    private func textJSON(_ value: TLValue) -> JSONValue {
        switch value {
        case let .bytes(b): return .object(["base64": .string(Base64.encode(b))])
        case let .vector(items): return .array(items.map(textJSON))
        default: return json(from: value)
        }
    }

    private func typeOfCombinator(_ name: String) -> Node? {
        guard let index = indexByName[name] else { return nil }
        let c = compiled[index]
        // A constructor name means that constructor; an object of another constructor is refused.
        return c.typeID >= 0 ? .bare(index) : .any
    }

    func value(fromJSON json: JSONValue, _ node: Node, depth: Int) throws -> TLValue {
        switch node {
        case .int, .nat:
            let v = try integer(json, "int")
            guard let small = Int32(exactly: v) else { throw TLError(.wrongValue(expected: "int (32-bit)", got: "an integer out of range")) }
            return .int(small)
        case .long:
            return .long(try integer(json, "long"))
        case .double:
            switch json {
            case let .double(d): return .double(d)
            case let .int(i): return .double(Double(i))
            default: throw wrongJSON("double", json)
            }
        case .int128, .int256:
            let size = node.isInt128 ? 16 : 32
            let name = size == 16 ? "int128" : "int256"
            if case let .int(i) = json {
                // A small integer, little-endian and sign-extended, as Telethon writes it.
                var raw = [UInt8](repeating: i < 0 ? 0xFF : 0, count: size)
                for k in 0..<8 { raw[k] = UInt8(truncatingIfNeeded: i >> (8 * Int64(k))) }
                return size == 16 ? .int128(raw) : .int256(raw)
            }
            guard let raw = try binary(json, name), raw.count == size else {
                throw TLError(.wrongValue(expected: "\(name) as \(size) bytes of base64 or {\"hex\": …}", got: json.kindDescription))
            }
            return size == 16 ? .int128(raw) : .int256(raw)
        case .string:
            if case let .string(s) = json { return .string(s) }
            if case .object = json, let raw = try binary(json, "string") { return .bytes(raw) }
            throw wrongJSON("string", json)
        case .bytes:
            guard let raw = try binary(json, "bytes") else { throw wrongJSON("bytes (base64 or {\"hex\": …})", json) }
            return .bytes(raw)
        case .bool, .trueFlag:
            if case let .bool(b) = json { return .bool(b) }
            if case let .string(name)? = json["_"], name == "boolTrue" || name == "boolFalse" { return .bool(name == "boolTrue") }
            throw wrongJSON("a boolean", json)
        case let .vector(element, _):
            guard case let .array(items) = json else { throw wrongJSON("an array", json) }
            guard depth < Self.maxDepth else { throw TLError(.tooDeep(limit: Self.maxDepth)) }
            var out: [TLValue] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                do { out.append(try value(fromJSON: item, element.node, depth: depth + 1)) } catch let e as TLError { throw e.prefixed("[\(i)]") }
            }
            return .vector(out)
        case let .boxed(type):
            return .object(try objectFromJSON(json, expected: type, bare: nil, depth: depth + 1))
        case let .bare(index):
            return .object(try objectFromJSON(json, expected: -1, bare: index, depth: depth + 1))
        case .any:
            return .object(try objectFromJSON(json, expected: -1, bare: nil, depth: depth + 1))
        }
    }

    /// `expected` is a type index or -1; `bare` a constructor the object must be (its `_` may be omitted).
    private func objectFromJSON(_ json: JSONValue, expected: Int32, bare: Int?, depth: Int) throws -> TLObject {
        guard depth < Self.maxDepth else { throw TLError(.tooDeep(limit: Self.maxDepth)) }
        let wanted = expected >= 0 ? typeNames[Int(expected)] : (bare.map { combinators[$0].name } ?? "an object with \"_\"")
        guard case let .object(dict) = json else { throw wrongJSON(wanted, json) }
        let index: Int
        switch dict["_"] {
        case let .string(name)?:
            guard let found = indexByName[name] else {
                throw TLError(.unknownName(name, suggestions: suggestions(for: name)))
            }
            index = found
        case nil:
            guard let bare else { throw TLError(.missingField(name: "_", type: "the constructor or method name")) }
            index = bare
        case let other?:
            throw wrongJSON("a constructor or method name", other).prefixed("_")
        }
        if expected >= 0 && compiled[index].typeID != expected { throw wrongType(index, expected: expected) }
        if let bare, bare != index {
            throw TLError(.wrongConstructorType(name: combinators[index].name, expectedType: "%" + combinators[bare].name,
                                                constructors: [combinators[bare].name]))
        }
        let c = compiled[index]
        let name = combinators[index].name
        var fields: [String: TLValue] = [:]
        fields.reserveCapacity(dict.count)
        for (given, item) in dict where given != "_" {
            // Telethon renames two TL fields that are Python keywords; both spellings are accepted.
            let key = Self.telethonAliases[given] ?? given
            guard let i = c.fieldTable.index(of: key) else {
                let names = c.names.indices.filter { c.params[$0].ownSlot < 0 }.map { c.names[$0] }
                throw TLError(.unknownField(name: given, in: name, suggestions: ClosestNames.find(given, among: names, limit: 3)))
            }
            let p = c.params[i]
            if p.ownSlot >= 0 { continue }  // flags words are computed
            if item == .null && p.flagSlot >= 0 { continue }
            if case .trueFlag = p.node {
                guard case let .bool(on) = item else { throw wrongJSON("true or false", item).prefixed(key) }
                if on { fields[key] = .bool(true) }
                continue
            }
            do {
                if isRawCapable(c.special, field: key), case .object(let o) = item, o["_"] == nil,
                   let raw = try binary(item, "bytes") {
                    fields[key] = .bytes(raw)
                } else if isRawCapable(c.special, field: key), case .string = item {
                    fields[key] = .bytes(try binary(item, "bytes") ?? [])
                } else {
                    fields[key] = try value(fromJSON: item, p.node, depth: depth + 1)
                }
            } catch let e as TLError {
                throw e.prefixed(key)
            }
        }
        for i in c.names.indices where c.params[i].ownSlot < 0 && c.params[i].flagSlot < 0 && fields[c.names[i]] == nil {
            if c.special == .message && c.names[i] == "bytes" { continue }
            throw TLError(.missingField(name: c.names[i], type: combinators[index].params[i].typeText))
        }
        return TLObject(name: name, fields: fields)
    }

    /// Telethon's spelling → the TL field name.
    static let telethonAliases = ["is_self": "self", "from_": "from"]

    /// `rpc_result.result` and `mtproto.message.body` may be raw bytes (base64 or hex) instead of an object.
    private func isRawCapable(_ special: Special, field: String) -> Bool {
        (special == .rpcResult && field == "result") || (special == .message && field == "body")
    }

    private func integer(_ json: JSONValue, _ type: String) throws -> Int64 {
        switch json {
        case let .int(v): return v
        case let .string(s):
            guard let v = Int64(s) else { throw TLError(.wrongValue(expected: "\(type) (an integer)", got: "a string that is not a 64-bit integer")) }
            return v
        case let .double(d):
            // Only doubles that are exact integers within 2^53 (e.g. 1e3) are accepted.
            let v = abs(d) <= 9_007_199_254_740_992 ? Int64(d) : 0
            guard Double(v) == d else {
                throw TLError(.wrongValue(expected: "\(type) (an integer)", got: "a number with a fraction or beyond 2^53"))
            }
            return v
        default:
            throw wrongJSON(type, json)
        }
    }

    /// Bytes from a base64 string or `{"hex": "…"}` / `{"base64": "…"}`; nil if `json` is neither shape.
    private func binary(_ json: JSONValue, _ type: String) throws -> [UInt8]? {
        switch json {
        case let .string(s):
            guard let raw = Base64.decode(s) else { throw TLError(.wrongValue(expected: "\(type) as base64", got: "a string that is not base64")) }
            return raw
        case let .object(o) where o.count == 1:
            if case let .string(h)? = o["hex"] {
                guard let raw = Hex.decode(h) else { throw TLError(.wrongValue(expected: "\(type) as hex", got: "a string that is not hex")) }
                return raw
            }
            if case let .string(b)? = o["base64"] {
                guard let raw = Base64.decode(b) else { throw TLError(.wrongValue(expected: "\(type) as base64", got: "a string that is not base64")) }
                return raw
            }
            return nil
        default:
            return nil
        }
    }

    private func wrongJSON(_ expected: String, _ json: JSONValue) -> TLError {
        TLError(.wrongValue(expected: expected, got: json.kindDescription))
    }
}
