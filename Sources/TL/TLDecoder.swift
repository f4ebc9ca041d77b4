/// Turning bytes into values, driven by the schema. Every length and count is
/// checked against what remains, nesting is limited to `maxDepth`, and
/// `gzip_packed` is inflated (with a size limit) wherever a boxed value is read.
extension TLSchema {
    /// One boxed constructor or method call that fills `bytes` exactly.
    public func decode(_ bytes: [UInt8]) throws -> TLObject {
        var reader = TLReader(bytes)
        let object = try readObject(from: &reader)
        if !reader.isAtEnd { throw TLError(.trailingBytes(count: reader.remaining)) }
        return object
    }

    /// One value of the TL type `type` (e.g. a method's result type) that fills `bytes` exactly.
    public func decode(_ bytes: [UInt8], type: String) throws -> TLValue {
        var reader = TLReader(bytes)
        let value = try read(type: type, from: &reader)
        if !reader.isAtEnd { throw TLError(.trailingBytes(count: reader.remaining)) }
        return value
    }

    /// Reads one boxed constructor or method call, leaving the reader after it.
    public func readObject(from reader: inout TLReader) throws -> TLObject {
        try readBoxedObject(&reader, expected: -1, depth: 0)
    }

    /// Reads one value of the TL type `type`, leaving the reader after it.
    public func read(type: String, from reader: inout TLReader) throws -> TLValue {
        try read(try node(forType: type), &reader, depth: 0)
    }

    func read(_ node: Node, _ r: inout TLReader, depth: Int) throws -> TLValue {
        switch node {
        case .int, .nat: return .int(try r.readInt32())
        case .long: return .long(try r.readInt64())
        case .double: return .double(try r.readDouble())
        case .int128: return .int128(try r.readRaw(16))
        case .int256: return .int256(try r.readRaw(32))
        case .string:
            let range = try r.readBytesRange()
            if let s = Self.text(r.bytes[range]) { return .string(s) }
            return .bytes(Array(r.bytes[range]))
        case .bytes:
            return .bytes(Array(r.bytes[try r.readBytesRange()]))
        case .bool:
            let id = try r.readUInt32()
            switch id {
            case Self.boolTrueID: return .bool(true)
            case Self.boolFalseID: return .bool(false)
            case Self.gzipPackedID: return try inflated(&r) { try read(node, &$0, depth: depth + 1) }
            default: throw unexpected(id, expected: "Bool")
            }
        case .trueFlag:
            return .bool(true)
        case let .vector(element, boxed):
            guard depth < Self.maxDepth else { throw TLError(.tooDeep(limit: Self.maxDepth)) }
            if boxed {
                let id = try r.readUInt32()
                if id == Self.gzipPackedID { return try inflated(&r) { try read(node, &$0, depth: depth + 1) } }
                guard id == Self.vectorID else { throw unexpected(id, expected: "Vector") }
            }
            let count = Int(try r.readInt32())
            let element = element.node
            let minimum = minimumSize(element)
            guard count >= 0, count <= r.remaining / minimum else {
                throw TLError(.lengthExceedsInput(length: count, remaining: r.remaining))
            }
            var items: [TLValue] = []
            items.reserveCapacity(count)
            for i in 0..<count {
                do { items.append(try read(element, &r, depth: depth + 1)) } catch let e as TLError { throw e.prefixed("[\(i)]") }
            }
            return .vector(items)
        case let .boxed(type):
            return .object(try readBoxedObject(&r, expected: type, depth: depth + 1))
        case let .bare(index):
            guard depth < Self.maxDepth else { throw TLError(.tooDeep(limit: Self.maxDepth)) }
            return .object(try readBody(index, &r, depth: depth + 1))
        case .any:
            return .object(try readBoxedObject(&r, expected: -1, depth: depth + 1))
        }
    }

    /// `expected` is a type index, or -1 for any constructor or method.
    func readBoxedObject(_ r: inout TLReader, expected: Int32, depth: Int) throws -> TLObject {
        guard depth < Self.maxDepth else { throw TLError(.tooDeep(limit: Self.maxDepth)) }
        let id = try r.readUInt32()
        guard let index = idTable.index(of: id) else {
            if id == Self.vectorID { throw TLError(.vectorNeedsElementType) }
            throw TLError(.unknownConstructorID(id))
        }
        if id == Self.gzipPackedID {
            return try inflated(&r) { try readBoxedObject(&$0, expected: expected, depth: depth + 1) }
        }
        if expected >= 0 && compiled[index].typeID != expected { throw wrongType(index, expected: expected) }
        return try readBody(index, &r, depth: depth)
    }

    /// The fields of combinator `index`, its id already read (or bare).
    func readBody(_ index: Int, _ r: inout TLReader, depth: Int) throws -> TLObject {
        let c = compiled[index]
        switch c.special {
        case .message: return try readMessage(&r, depth: depth)
        case .rpcResult:
            let reqID = try r.readInt64()
            let rest = Array(r.bytes[r.position..<r.end])
            try r.skip(rest.count)
            return TLObject(name: "rpc_result", fields: ["req_msg_id": .long(reqID), "result": .bytes(rest)])
        default: break
        }
        let params = c.params
        var fields: DecodedFields?
        var words: (UInt32, UInt32) = (0, 0)
        var secondWordRead = false
        for i in 0..<params.count {
            let p = params[i]
            if p.ownSlot >= 0 {
                let word = try r.readUInt32()
                if p.ownSlot == 0 { words.0 = word } else { words.1 = word; secondWordRead = true }
                continue
            }
            if fields == nil {
                // Sized from the flags read so far (a shared flag bit may still make it grow).
                let second = secondWordRead ? words.1.nonzeroBitCount : c.secondWordCount
                fields = DecodedFields.make(c, capacity: c.requiredCount + words.0.nonzeroBitCount + second)
            }
            if p.flagSlot >= 0 {
                if p.isAbsent(in: words) { continue }
                if p.isTrueFlag {
                    fields = fields!.appending(i, .bool(true))
                    continue
                }
            }
            do {
                fields = fields!.appending(i, try read(p.node, &r, depth: depth + 1))
            } catch let e as TLError {
                throw e.prefixed(c.names[i])
            }
        }
        return TLObject(decoded: fields ?? DecodedFields.make(c, capacity: 0))
    }

    /// `message msg_id:long seqno:int bytes:int body:Object`; the body must fill exactly `bytes`.
    private func readMessage(_ r: inout TLReader, depth: Int) throws -> TLObject {
        let msgID = try r.readInt64()
        let seqno = try r.readInt32()
        let length = Int(try r.readInt32())
        guard length >= 0, length <= r.remaining else {
            throw TLError(.lengthExceedsInput(length: length, remaining: r.remaining))
        }
        var body = TLReader(r.bytes, range: r.position..<r.position + length)
        let object: TLObject
        do {
            object = try readBoxedObject(&body, expected: -1, depth: depth + 1)
            if !body.isAtEnd { throw TLError(.trailingBytes(count: body.remaining)) }
        } catch let e as TLError {
            throw e.prefixed("body")
        }
        try r.skip(length)
        return TLObject(name: "mtproto.message", fields: ["msg_id": .long(msgID), "seqno": .int(seqno), "bytes": .int(Int32(length)), "body": .object(object)])
    }

    /// Reads `gzip_packed`'s data (its id already read), inflates it, and reads what it holds,
    /// which must fill the inflated bytes exactly.
    private func inflated<T>(_ r: inout TLReader, _ body: (inout TLReader) throws -> T) throws -> T {
        let range = try r.readBytesRange()
        let plain: [UInt8]
        do { plain = try TLGzip.inflate(r.bytes[range], limit: inflateLimit) } catch let e as TLError { throw e.prefixed("packed_data") }
        var inner = TLReader(plain)
        let value = try body(&inner)
        if !inner.isAtEnd { throw TLError(.trailingBytes(count: inner.remaining)).prefixed("packed_data") }
        return value
    }

    /// The bytes as text if they are valid UTF-8. (`String(decoding:)` repairs invalid
    /// input, so the result is valid exactly when it kept every byte; this avoids the
    /// slower generic `String(validating:)`.)
    static func text(_ bytes: ArraySlice<UInt8>) -> String? {
        let ascii = bytes.withUnsafeBufferPointer { raw in
            var i = 0
            var high: UInt8 = 0
            while i < raw.count { high |= raw[i]; i += 1 }
            return high < 0x80
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        var s = String(decoding: bytes, as: UTF8.self)
        guard s.utf8.count == bytes.count else { return nil }
        let same = s.withUTF8 { text in
            bytes.withUnsafeBufferPointer { raw in
                var i = 0
                while i < raw.count, text[i] == raw[i] { i += 1 }
                return i == raw.count
            }
        }
        return same ? s : nil
    }

    /// The least number of bytes one element can take, to refuse vector counts the input cannot hold.
    private func minimumSize(_ node: Node) -> Int {
        switch node {
        case .long, .double: return 8
        case .int128: return 16
        case .int256: return 32
        case .trueFlag: return 1
        case let .bare(index): return compiled[index].params.isEmpty ? 1 : 4
        default: return 4
        }
    }

    private func unexpected(_ id: UInt32, expected: String) -> TLError {
        if let index = indexByID[id] {
            let names = typeIndex[expected].map { constructorsByType[Int($0)].map { combinators[$0].name } } ?? [expected]
            return TLError(.wrongConstructorType(name: combinators[index].name, expectedType: expected, constructors: names))
        }
        return TLError(.unknownConstructorID(id))
    }
}
