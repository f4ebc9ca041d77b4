/// Turning values into bytes, driven by the schema. Flags words are computed
/// from which optional fields are present; callers never write them.
extension TLSchema {
    /// How deep objects and vectors may nest, on encode, decode and JSON.
    public static let maxDepth = 64

    static let vectorID: UInt32 = 0x1cb5c415
    static let boolTrueID: UInt32 = 0x997275b5
    static let boolFalseID: UInt32 = 0xbc799737
    static let gzipPackedID: UInt32 = 0x3072cfa1

    /// A constructor or method call, boxed (its id first).
    public func encode(_ object: TLObject) throws -> [UInt8] {
        // The raw-memory path first; the general encoder for anything it declines (and its errors).
        if case let .decoded(d) = object.storage {
            if let bytes = encodeDecoded(d) { return bytes }
        } else if let bytes = encodeFast(object) {
            return bytes
        }
        var writer = TLWriter(capacity: 256)
        try writeObject(object, boxed: true, expected: -1, into: &writer, depth: 0)
        return writer.finish()
    }

    /// A value of a type given as text: `"Vector<long>"`, `"Bool"`, `"InputPeer"`, `"future_salt"` (bare).
    public func encode(_ value: TLValue, type: String) throws -> [UInt8] {
        var writer = TLWriter(capacity: 256)
        try write(value, type: type, to: &writer)
        return writer.finish()
    }

    /// Appends a boxed object to `writer` (for protocol envelopes built around it).
    public func write(_ object: TLObject, to writer: inout TLWriter) throws {
        try writeObject(object, boxed: true, expected: -1, into: &writer, depth: 0)
    }

    /// Appends a value of the TL type `type` to `writer`.
    public func write(_ value: TLValue, type: String, to writer: inout TLWriter) throws {
        try write(value, try node(forType: type), into: &writer, depth: 0)
    }

    /// Resolves a type string as the codec uses it; `X`, `!X` and `Object` mean any boxed object.
    func node(forType text: String) throws -> Node {
        let trimmed = Substring(text).trimmingSpaces()
        if trimmed == "X" || trimmed.hasPrefix("!") { return .any }
        guard let type = TLSchemaParser.parseType(trimmed, generics: []) else { throw TLError(.unknownType(text)) }
        do {
            return try CompiledCombinator.resolve(type, typeIndex: typeIndex, indexByName: indexByName, constructorsByType: constructorsByType)
        } catch {
            throw TLError(.unknownType(text))
        }
    }

    func write(_ value: TLValue, _ node: Node, into w: inout TLWriter, depth: Int) throws {
        switch node {
        case .int, .nat:
            guard let v = value.int32, value.isInteger else { throw wrong("int", value) }
            w.writeInt32(v)
        case .long:
            guard let v = value.int64, value.isInteger else { throw wrong("long", value) }
            w.writeInt64(v)
        case .double:
            guard let v = value.doubleValue else { throw wrong("double", value) }
            w.writeDouble(v)
        case .int128, .int256:
            let size = node.isInt128 ? 16 : 32
            guard let raw = value.rawBigInt, raw.count == size else { throw wrong(size == 16 ? "int128 (16 bytes)" : "int256 (32 bytes)", value) }
            w.writeRaw(raw)
        case .string, .bytes:
            switch value {
            case let .string(s):
                guard s.utf8.count < TLWriter.maxBytesLength else { throw tooLong(s.utf8.count) }
                w.writeString(s)
            case let .bytes(b):
                guard b.count < TLWriter.maxBytesLength else { throw tooLong(b.count) }
                w.writeBytes(b)
            default: throw wrong(node.isBytes ? "bytes" : "string", value)
            }
        case .bool:
            guard let b = value.boolValue else { throw wrong("Bool", value) }
            w.writeUInt32(b ? Self.boolTrueID : Self.boolFalseID)
        case .trueFlag:
            guard value.boolValue != nil else { throw wrong("true (a boolean flag)", value) }
        case let .vector(element, boxed):
            guard case let .vector(items) = value else { throw wrong(boxed ? "Vector" : "vector", value) }
            guard depth < Self.maxDepth else { throw TLError(.tooDeep(limit: Self.maxDepth)) }
            if boxed { w.writeUInt32(Self.vectorID) }
            w.writeInt32(Int32(truncatingIfNeeded: items.count))
            for i in items.indices {
                do { try write(items[i], element.node, into: &w, depth: depth + 1) } catch let e as TLError { throw e.prefixed("[\(i)]") }
            }
        case let .boxed(type):
            guard case let .object(o) = value else { throw wrong(typeNames[Int(type)], value) }
            try writeObject(o, boxed: true, expected: type, into: &w, depth: depth + 1)
        case let .bare(index):
            guard case let .object(o) = value else { throw wrong(combinators[index].name, value) }
            if o.name != combinators[index].name {
                throw TLError(.wrongConstructorType(name: o.name, expectedType: "%" + combinators[index].name, constructors: [combinators[index].name]))
            }
            try writeObject(o, boxed: false, expected: -1, into: &w, depth: depth + 1)
        case .any:
            switch value {
            case let .object(o): try writeObject(o, boxed: true, expected: -1, into: &w, depth: depth + 1)
            case let .bool(b): w.writeUInt32(b ? Self.boolTrueID : Self.boolFalseID)
            default: throw wrong("a boxed object", value)
            }
        }
    }

    /// `expected` is a type index, or -1 for any constructor or method.
    func writeObject(_ o: TLObject, boxed: Bool, expected: Int32, into w: inout TLWriter, depth: Int) throws {
        guard depth < Self.maxDepth else { throw TLError(.tooDeep(limit: Self.maxDepth)) }
        // A decoded object carries its combinator: no lookup by name.
        if case let .decoded(d) = o.storage {
            let c = d.combinator
            if c.special == .none, c.index < compiled.count, compiled[c.index] === c {
                if expected >= 0 && c.typeID != expected { throw wrongType(c.index, expected: expected) }
                if boxed { w.writeUInt32(c.idBytes) }
                return try writeDecoded(d, c, into: &w, depth: depth)
            }
        }
        guard let index = nameTable.index(of: o.name) else {
            throw TLError(.unknownName(o.name, suggestions: suggestions(for: o.name)))
        }
        let c = compiled[index]
        if expected >= 0 && c.typeID != expected { throw wrongType(index, expected: expected) }
        if boxed { w.writeUInt32(c.idBytes) }
        switch c.special {
        case .message: return try writeMessage(o, into: &w, depth: depth)
        case .rpcResult: return try writeRPCResult(o, into: &w, depth: depth)
        default: break
        }
        let params = c.params
        try withUnsafeTemporaryAllocation(of: TLValue?.self, capacity: params.count) { slots in
            slots.initialize(repeating: nil)
            defer { _ = slots.deinitialize() }
            // One pass over the fields that are present: place each, and set its flag bit.
            var words: (UInt32, UInt32) = (0, 0)
            for (key, value) in o.fields {
                // Unknown names are reported before missing ones: a misspelt name is the likelier cause.
                guard let i = c.fieldTable.index(of: key) else { throw unknownField(key, of: index) }
                let p = params[i]
                if p.ownSlot >= 0 { continue }  // a flags word given by hand: computed instead
                if p.flagSlot >= 0 {
                    if p.isTrueFlag {
                        guard let on = value.boolValue else { throw wrong("true (a boolean flag)", value).prefixed(key) }
                        if !on { continue }
                    }
                    p.setFlag(in: &words)
                }
                slots[i] = value
            }
            for i in 0..<params.count {
                let p = params[i]
                if p.ownSlot >= 0 {
                    w.writeUInt32(p.ownSlot == 0 ? words.0 : words.1)
                    continue
                }
                if p.isOmitted(in: words) { continue }
                guard let v = slots[i] else {
                    throw TLError(.missingField(name: c.names[i], type: combinators[index].params[i].typeText))
                }
                do { try write(v, p.node, into: &w, depth: depth + 1) } catch let e as TLError { throw e.prefixed(c.names[i]) }
            }
        }
    }

    /// Re-encodes a decoded object: its fields are already in schema order, by index,
    /// and include every required one, so only they and the flags words are visited.
    private func writeDecoded(_ d: DecodedFields, _ c: CompiledCombinator, into w: inout TLWriter, depth: Int) throws {
        let params = c.params
        var words: (UInt32, UInt32) = (0, 0)
        if c.firstFlagsAt >= 0 {
            d.forEach { index, _ in
                let p = params[index]
                p.setFlag(in: &words)
            }
        }
        var pendingWord = c.firstFlagsAt >= 0 ? 0 : 2
        try d.forEach { index, value in
            while pendingWord < 2, let at = c.flagsPosition(pendingWord), at < index {
                w.writeUInt32(pendingWord == 0 ? words.0 : words.1)
                pendingWord += 1
            }
            let p = params[index]
            if p.isTrueFlag { return }
            do { try write(value, p.node, into: &w, depth: depth + 1) } catch let e as TLError { throw e.prefixed(c.names[index]) }
        }
        while pendingWord < 2, c.flagsPosition(pendingWord) != nil {
            w.writeUInt32(pendingWord == 0 ? words.0 : words.1)
            pendingWord += 1
        }
    }

    /// A field that is no parameter of combinator `index`, with the closest names it has.
    func unknownField(_ key: String, of index: Int) -> TLError {
        let c = combinators[index]
        let names = c.params.filter { !$0.isFlags }.map(\.name)
        return TLError(.unknownField(name: key, in: c.name, suggestions: ClosestNames.find(key, among: names, limit: 3)))
    }

    /// `message msg_id:long seqno:int bytes:int body:Object`: `bytes` is computed from the body,
    /// which may be an object or raw bytes written as they are.
    private func writeMessage(_ o: TLObject, into w: inout TLWriter, depth: Int) throws {
        guard let msgID = o["msg_id"] else { throw TLError(.missingField(name: "msg_id", type: "long")) }
        guard let seqno = o["seqno"] else { throw TLError(.missingField(name: "seqno", type: "int")) }
        guard let body = o["body"] else { throw TLError(.missingField(name: "body", type: "Object")) }
        do { try write(msgID, .long, into: &w, depth: depth) } catch let e as TLError { throw e.prefixed("msg_id") }
        do { try write(seqno, .int, into: &w, depth: depth) } catch let e as TLError { throw e.prefixed("seqno") }
        let lengthAt = w.count
        w.writeInt32(0)
        do { try writeRawOrObject(body, into: &w, depth: depth) } catch let e as TLError { throw e.prefixed("body") }
        w.patchInt32(at: lengthAt, Int32(w.count - lengthAt - 4))
    }

    /// `rpc_result req_msg_id:long result:Object`: `result` raw bytes (already encoded by the
    /// method's result type) are written as they are; an object is written boxed.
    private func writeRPCResult(_ o: TLObject, into w: inout TLWriter, depth: Int) throws {
        guard let reqID = o["req_msg_id"] else { throw TLError(.missingField(name: "req_msg_id", type: "long")) }
        guard let result = o["result"] else { throw TLError(.missingField(name: "result", type: "Object")) }
        do { try write(reqID, .long, into: &w, depth: depth) } catch let e as TLError { throw e.prefixed("req_msg_id") }
        do { try writeRawOrObject(result, into: &w, depth: depth) } catch let e as TLError { throw e.prefixed("result") }
    }

    private func writeRawOrObject(_ value: TLValue, into w: inout TLWriter, depth: Int) throws {
        switch value {
        case let .bytes(raw): w.writeRaw(raw)
        default: try write(value, .any, into: &w, depth: depth + 1)
        }
    }

    private func tooLong(_ count: Int) -> TLError {
        TLError(.wrongValue(expected: "a string or bytes shorter than 16 MiB (TL's length limit)", got: "\(count) bytes"))
    }

    func wrong(_ expected: String, _ value: TLValue) -> TLError {
        TLError(.wrongValue(expected: expected, got: value.kindDescription))
    }

    func wrongType(_ index: Int, expected: Int32) -> TLError {
        TLError(.wrongConstructorType(name: combinators[index].name, expectedType: typeNames[Int(expected)],
                                      constructors: constructorsByType[Int(expected)].map { combinators[$0].name }))
    }
}

extension Node {
    var isInt128: Bool { if case .int128 = self { return true } else { return false } }
    var isBytes: Bool { if case .bytes = self { return true } else { return false } }
    /// A TL `string`, or a vector of them.
    var holdsText: Bool {
        switch self {
        case .string: return true
        case let .vector(element, _): return element.node.holdsText
        default: return false
        }
    }
}

extension TLValue {
    var isInteger: Bool {
        switch self {
        case .int, .long: return true
        default: return false
        }
    }

    var rawBigInt: [UInt8]? {
        switch self {
        case let .int128(b), let .int256(b), let .bytes(b): return b
        default: return nil
        }
    }
}

extension TLWriter {
    mutating func patchInt32(at offset: Int, _ value: Int32) {
        let v = UInt32(bitPattern: value)
        for i in 0..<4 { patchByte(at: offset + i, UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }
}
