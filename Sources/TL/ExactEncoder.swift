/// Re-encoding a decoded object tree in one pass over raw memory.
///
/// The bytes go to a scratch buffer on the stack (moving to the heap only for large
/// objects) through a raw pointer: no copy-on-write checks, no closures per field, values
/// read in place. Each value is checked against its schema node as it is written; anything
/// this path does not take (an object built by hand, a value of the wrong kind, too deep a
/// tree) makes it answer false, and the general encoder in TLEncoder.swift runs instead,
/// with its precise errors. So the fast path accepts a subset of what the general one
/// accepts, and writes the same bytes.
extension TLSchema {
    /// The encoding of a decoded object (boxed), or nil when the general encoder must do it.
    func encodeDecoded(_ d: DecodedFields) -> [UInt8]? {
        encodeOnStack { writeFast(d, boxed: true, expected: -1, depth: 0, into: &$0) }
    }

    /// The encoding of any object (boxed), or nil when the general encoder must do it.
    func encodeFast(_ o: TLObject) -> [UInt8]? {
        encodeOnStack { writeFast(o, boxed: true, expected: -1, depth: 0, into: &$0) }
    }

    /// What `write` puts into a scratch buffer on the stack, as an array; nil when it declines.
    @inline(__always)
    private func encodeOnStack(_ write: (inout RawSink) -> Bool) -> [UInt8]? {
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 16) { stack -> [UInt8]? in
            var sink = RawSink(stack: stack)
            defer { sink.release() }
            guard write(&sink) else { return nil }
            // (Measured: copying from a buffer pointer allocates with less overhead than
            // `init(unsafeUninitializedCapacity:)`, whose generic path looks up type metadata.)
            return Array(UnsafeBufferPointer(start: sink.base.assumingMemoryBound(to: UInt8.self), count: sink.count))
        }
    }

    /// Writes an object however it was made; false when the general encoder must handle it.
    func writeFast(_ o: TLObject, boxed: Bool, expected: Int32, depth: Int, into out: inout RawSink) -> Bool {
        if case let .decoded(d) = o.storage { return writeFast(d, boxed: boxed, expected: expected, depth: depth, into: &out) }
        return writeFastBuilt(o, boxed: boxed, expected: expected, bare: -1, depth: depth, into: &out)
    }

    /// A hand-built object, looked up by name; `bare` (when not -1) is the combinator it must be.
    /// Kept out of line so the decoded path above stays as tight as before.
    @inline(never)
    func writeFastBuilt(_ o: TLObject, boxed: Bool, expected: Int32, bare: Int, depth: Int, into out: inout RawSink) -> Bool {
        guard case let .built(name, fields) = o.storage, let index = nameTable.index(of: name) else { return false }
        if bare >= 0 && index != bare { return false }
        return writeFastBuilt(index, fields, boxed: boxed, expected: expected, depth: depth, into: &out)
    }

    /// Writes an object built by hand as combinator `index`: one pass over its fields places
    /// each by parameter index and sets the flag bits, then the parameters are written in
    /// schema order. Anything the general encoder would report (an unknown or missing field,
    /// a value of the wrong kind) or treat specially makes it answer false.
    func writeFastBuilt(_ index: Int, _ fields: [String: TLValue], boxed: Bool, expected: Int32, depth: Int, into out: inout RawSink) -> Bool {
        guard depth < Self.maxDepth else { return false }
        let c = compiled[index]
        guard c.special == .none else { return false }
        if expected >= 0 && c.typeID != expected { return false }
        let params = c.params
        // Each parameter's field, by its position in `fields` (no value copied, no second lookup).
        typealias Slot = Dictionary<String, TLValue>.Index?
        return withUnsafeTemporaryAllocation(of: Slot.self, capacity: params.count) { slots -> Bool in
            slots.initialize(repeating: nil)
            defer { _ = slots.deinitialize() }
            var words: (UInt32, UInt32) = (0, 0)
            var at = fields.startIndex
            while at != fields.endIndex {
                defer { fields.formIndex(after: &at) }
                let (key, value) = fields[at]
                guard let i = c.fieldTable.index(of: key) else { return false }
                let p = params[i]
                if p.ownSlot >= 0 { continue }  // a flags word given by hand: computed instead
                if p.flagSlot >= 0 {
                    if p.isTrueFlag {
                        guard let on = value.boolValue else { return false }
                        if !on { continue }
                    }
                    p.setFlag(in: &words)
                }
                slots[i] = at
            }
            if boxed { out.store(c.idBytes) }
            for i in 0..<params.count {
                let p = params[i]
                if p.ownSlot >= 0 {
                    out.store(p.ownSlot == 0 ? words.0 : words.1)
                    continue
                }
                if p.isOmitted(in: words) { continue }
                guard let at = slots[i] else { return false }
                let value = fields.values[at]
                if case .int = p.node, case let .int(v) = value {
                    out.store(UInt32(bitPattern: v))
                    continue
                }
                guard withUnsafePointer(to: value, { writeFast($0, p.node, depth: depth + 1, into: &out) }) else { return false }
            }
            return true
        }
    }

    /// Writes a decoded object (with its id when `boxed`); false when the general encoder
    /// must handle it. `expected` is a type index, or -1 for any.
    func writeFast(_ d: DecodedFields, boxed: Bool, expected: Int32, depth: Int, into out: inout RawSink) -> Bool {
        guard depth < Self.maxDepth else { return false }
        return d.withUnsafeMutablePointers { h, e -> Bool in
            let c = Unmanaged.passUnretained(h.pointee.combinator)
            return c._withUnsafeGuaranteedRef { c -> Bool in
                guard c.special == .none, c.index < compiled.count, compiled[c.index] === c else { return false }
                if expected >= 0 && c.typeID != expected { return false }
                if boxed { out.store(c.idBytes) }
                let params = c.params
                let count = h.pointee.count
                var words: (UInt32, UInt32) = (0, 0)
                if c.firstFlagsAt >= 0 {
                    for i in 0..<count {
                        let p = params[e[i].index]
                        p.setFlag(in: &words)
                    }
                }
                // Flags words go before the first field that follows them in schema order;
                // `nextAt` is the position of the next one still to write (Int.max: none).
                let secondAt = c.secondFlagsAt >= 0 ? c.secondFlagsAt : Int.max
                var nextAt = c.firstFlagsAt >= 0 ? c.firstFlagsAt : Int.max
                var pending = 0
                for i in 0..<count {
                    let index = e[i].index
                    while nextAt < index {
                        out.store(pending == 0 ? words.0 : words.1)
                        pending += 1
                        nextAt = pending == 1 ? secondAt : Int.max
                    }
                    let p = params[index]
                    if p.isTrueFlag { continue }
                    let value = UnsafePointer(e + i).pointer(to: \.value)!
                    // The commonest field, an int, without a call.
                    if case .int = p.node, case let .int(v) = value.pointee {
                        out.store(UInt32(bitPattern: v))
                        continue
                    }
                    guard writeFast(value, p.node, depth: depth + 1, into: &out) else { return false }
                }
                while nextAt != Int.max {
                    out.store(pending == 0 ? words.0 : words.1)
                    pending += 1
                    nextAt = pending == 1 ? secondAt : Int.max
                }
                return true
            }
        }
    }

    /// Writes the value at `value` as `node`, with the checks of `write(_:_:into:depth:)`.
    private func writeFast(_ value: UnsafePointer<TLValue>, _ node: Node, depth: Int, into out: inout RawSink) -> Bool {
        switch node {
        case .int, .nat:
            switch value.pointee {
            case let .int(v): out.store(UInt32(bitPattern: v))
            case let .long(v):
                guard let v = Int32(exactly: v) else { return false }
                out.store(UInt32(bitPattern: v))
            default: return false
            }
        case .long:
            switch value.pointee {
            case let .long(v): out.store(UInt64(bitPattern: v))
            case let .int(v): out.store(UInt64(bitPattern: Int64(v)))
            default: return false
            }
        case .double:
            guard let v = value.pointee.doubleValue else { return false }
            out.store(v.bitPattern)
        case .int128, .int256:
            let size = node.isInt128 ? 16 : 32
            switch value.pointee {
            case let .int128(b), let .int256(b), let .bytes(b):
                guard b.count == size else { return false }
                b.withUnsafeBytes { out.storeRaw($0) }
            default: return false
            }
        case .string, .bytes:
            switch value.pointee {
            case let .bytes(b):
                guard b.count < TLWriter.maxBytesLength else { return false }
                b.withUnsafeBytes { out.storeBytes($0) }
            case let .string(s):
                guard s.utf8.count < TLWriter.maxBytesLength else { return false }
                if s.utf8.withContiguousStorageIfAvailable({ out.storeBytes(UnsafeRawBufferPointer($0)) }) == nil {
                    Array(s.utf8).withUnsafeBytes { out.storeBytes($0) }
                }
            default: return false
            }
        case .bool:
            guard let b = value.pointee.boolValue else { return false }
            out.store(b ? Self.boolTrueID : Self.boolFalseID)
        case .trueFlag:
            return value.pointee.boolValue != nil
        case let .vector(element, boxed):
            guard case let .vector(items) = value.pointee, depth < Self.maxDepth else { return false }
            if boxed { out.store(Self.vectorID) }
            out.store(UInt32(truncatingIfNeeded: items.count))
            let elementNode = element.node
            return items.withUnsafeBufferPointer { all in
                for i in all.indices where !writeFast(all.baseAddress! + i, elementNode, depth: depth + 1, into: &out) {
                    return false
                }
                return true
            }
        case let .boxed(type):
            guard case let .object(o) = value.pointee else { return false }
            if case let .decoded(d) = o.storage { return writeFast(d, boxed: true, expected: type, depth: depth + 1, into: &out) }
            return writeFastBuilt(o, boxed: true, expected: type, bare: -1, depth: depth + 1, into: &out)
        case let .bare(index):
            guard case let .object(o) = value.pointee else { return false }
            if case let .decoded(d) = o.storage {
                guard d.combinator.index == index else { return false }
                return writeFast(d, boxed: false, expected: -1, depth: depth + 1, into: &out)
            }
            return writeFastBuilt(o, boxed: false, expected: -1, bare: index, depth: depth + 1, into: &out)
        case .any:
            switch value.pointee {
            case let .object(o):
                if case let .decoded(d) = o.storage { return writeFast(d, boxed: true, expected: -1, depth: depth + 1, into: &out) }
                return writeFastBuilt(o, boxed: true, expected: -1, bare: -1, depth: depth + 1, into: &out)
            case let .bool(b): out.store(b ? Self.boolTrueID : Self.boolFalseID)
            default: return false
            }
        }
        return true
    }
}

/// Bytes written through a raw pointer: first into caller-provided (stack) memory, then,
/// when that is full, into a heap block that doubles as needed. `release` frees the heap block.
struct RawSink {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int
    private var onHeap = false

    init(stack: UnsafeMutableRawBufferPointer) {
        base = stack.baseAddress!
        capacity = stack.count
    }

    mutating func release() {
        if onHeap { base.deallocate() }
    }

    @inline(__always)
    private mutating func ensure(_ extra: Int) {
        if count + extra > capacity { grow(extra) }
    }

    private mutating func grow(_ extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let block = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        block.copyMemory(from: base, byteCount: count)
        if onHeap { base.deallocate() }
        base = block
        capacity = newCapacity
        onHeap = true
    }

    @inline(__always)
    mutating func store<T: FixedWidthInteger>(_ v: T) {
        ensure(MemoryLayout<T>.size)
        (base + count).storeBytes(of: v.littleEndian, as: T.self)
        count += MemoryLayout<T>.size
    }

    @inline(__always)
    mutating func storeRaw(_ raw: UnsafeRawBufferPointer) {
        ensure(raw.count)
        if let from = raw.baseAddress, raw.count > 0 { (base + count).copyMemory(from: from, byteCount: raw.count) }
        count += raw.count
    }

    /// A TL byte string: length header, data, zero padding to 4 (as `TLWriter.writeBytes`).
    @inline(__always)
    mutating func storeBytes(_ data: UnsafeRawBufferPointer) {
        let n = data.count
        let header = n < 254 ? 1 : 4
        let padded = (header + n + 3) & ~3
        ensure(padded)
        let out = base + count
        if n < 254 {
            out.storeBytes(of: UInt8(n), as: UInt8.self)
        } else {
            out.storeBytes(of: (UInt32(n) << 8 | 0xFE).littleEndian, as: UInt32.self)
        }
        if let from = data.baseAddress, n > 0 { (out + header).copyMemory(from: from, byteCount: n) }
        for i in (header + n)..<padded { (out + i).storeBytes(of: 0, as: UInt8.self) }
        count += padded
    }
}
