/// A type expression resolved against the schema, so the codec switches on
/// small integers instead of looking names up. Trivially copyable: copying one
/// costs no reference counting.
enum Node: Sendable {
    case int, long, double, int128, int256, string, bytes, bool, trueFlag, nat
    /// A vector of `element`, which is never itself a vector (the schema nests none).
    case vector(PackedNode, boxed: Bool)
    /// A boxed type, by its index in `TLSchema.typeNames`.
    case boxed(Int32)
    /// A bare constructor, by its index in `TLSchema.combinators`.
    case bare(Int)
    /// Any boxed constructor or method.
    case any
}

/// A non-vector `Node` packed into an integer, to keep `Node` free of indirection.
struct PackedNode: Sendable {
    let raw: Int64

    init(_ node: Node) {
        let (tag, arg): (Int64, Int64)
        switch node {
        case .int: (tag, arg) = (0, 0)
        case .long: (tag, arg) = (1, 0)
        case .double: (tag, arg) = (2, 0)
        case .int128: (tag, arg) = (3, 0)
        case .int256: (tag, arg) = (4, 0)
        case .string: (tag, arg) = (5, 0)
        case .bytes: (tag, arg) = (6, 0)
        case .bool: (tag, arg) = (7, 0)
        case .trueFlag: (tag, arg) = (8, 0)
        case .nat: (tag, arg) = (9, 0)
        case let .boxed(t): (tag, arg) = (10, Int64(t))
        case let .bare(i): (tag, arg) = (11, Int64(i))
        case .any: (tag, arg) = (12, 0)
        case .vector: preconditionFailure("vectors of vectors are refused by CompiledCombinator.resolve")
        }
        raw = tag << 32 | arg
    }

    var node: Node {
        let arg = raw & 0xFFFF_FFFF
        switch raw >> 32 {
        case 0: return .int
        case 1: return .long
        case 2: return .double
        case 3: return .int128
        case 4: return .int256
        case 5: return .string
        case 6: return .bytes
        case 7: return .bool
        case 8: return .trueFlag
        case 9: return .nat
        case 10: return .boxed(Int32(arg))
        case 11: return .bare(Int(arg))
        default: return .any
        }
    }
}

/// How the codec treats a combinator beyond its parameters.
enum Special: Sendable {
    case none
    /// `message`: `bytes` is the body's length, computed on encode and bounding the body on decode.
    case message
    /// `rpc_result`: `result` runs to the end of the enclosing message and stays raw bytes.
    case rpcResult
    /// `boolTrue`/`boolFalse`, read as `.bool` where a `Bool` is expected.
    case boolTrue, boolFalse
}

/// One parameter as the codec needs it: small and trivially copyable, since the
/// decoder visits every parameter of every object it reads.
struct CompiledParam: Sendable {
    let node: Node
    let mask: UInt32
    /// For a conditional parameter: which flags word (0 or 1) holds its bit; else -1.
    let flagSlot: Int8
    /// For a `#` parameter: the flags word it is (0 or 1); else -1.
    let ownSlot: Int8
    let isTrueFlag: Bool

    /// Sets this parameter's bit in its flags word (nothing for an unconditional one).
    @inline(__always)
    func setFlag(in words: inout (UInt32, UInt32)) {
        if flagSlot == 0 { words.0 |= mask } else if flagSlot == 1 { words.1 |= mask }
    }

    /// A conditional parameter whose bit is clear in `words`.
    @inline(__always)
    func isAbsent(in words: (UInt32, UInt32)) -> Bool {
        flagSlot >= 0 && (flagSlot == 0 ? words.0 : words.1) & mask == 0
    }

    /// Nothing of it goes on the wire: absent, or a `true` flag (its bit says it all).
    @inline(__always)
    func isOmitted(in words: (UInt32, UInt32)) -> Bool {
        flagSlot >= 0 && (isTrueFlag || isAbsent(in: words))
    }
}

/// A combinator resolved for the codec. A class, so that reading one costs a
/// single retain; its parameters live in a buffer read without reference counting.
final class CompiledCombinator: @unchecked Sendable {
    /// Immutable after init; freed in deinit.
    let params: UnsafeMutableBufferPointer<CompiledParam>
    /// Parameter names, parallel to `params`.
    let names: [String]
    let name: String
    /// Its position in its schema's `combinators`.
    let index: Int
    /// Parameter indices by name (flags words included, so a hand-written `flags` is recognised).
    let fieldTable: NameTable
    /// Parameters that are neither conditional nor flags words: always present.
    let requiredCount: Int
    /// Parameters behind the second flags word (an upper bound on the fields it adds).
    let secondWordCount: Int
    /// Parameter positions of the first and second flags words; -1 when absent.
    let firstFlagsAt: Int
    let secondFlagsAt: Int

    /// The position of flags word `slot` (0 or 1), if the combinator has it.
    @inline(__always)
    func flagsPosition(_ slot: Int) -> Int? {
        let at = slot == 0 ? firstFlagsAt : secondFlagsAt
        return at >= 0 ? at : nil
    }
    /// The boxed type of a constructor; -1 for methods.
    let typeID: Int32
    let special: Special
    let idBytes: UInt32

    init(_ c: TLCombinator, index: Int, typeIndex: [String: Int32], indexByName: [String: Int], constructorsByType: [[Int]]) throws {
        var slots: [String: Int] = [:]
        var params: [CompiledParam] = []
        for p in c.params {
            var ownSlot = -1
            if p.type == .nat {
                guard slots.count < 2 else {
                    throw TLError(.schemaSyntax(line: c.line, text: c.name, reason: "more than two flags words"))
                }
                ownSlot = slots.count
                slots[p.name] = ownSlot
            }
            var flagSlot = -1
            var mask: UInt32 = 0
            if let cond = p.condition {
                flagSlot = slots[cond.flagsField] ?? -1
                mask = 1 << UInt32(cond.bit)
            }
            let node: Node
            do {
                node = try Self.resolve(p.type, typeIndex: typeIndex, indexByName: indexByName, constructorsByType: constructorsByType)
            } catch let e as TLError {
                throw TLError(.schemaSyntax(line: c.line, text: "\(c.name) \(p.name):\(p.typeText)", reason: e.description))
            }
            params.append(CompiledParam(node: node, mask: mask, flagSlot: Int8(flagSlot), ownSlot: Int8(ownSlot), isTrueFlag: p.type == .trueFlag))
        }
        let buffer = UnsafeMutableBufferPointer<CompiledParam>.allocate(capacity: params.count)
        _ = buffer.initialize(from: params)
        self.params = buffer
        self.names = c.params.map(\.name)
        self.name = c.name
        self.index = index
        self.fieldTable = NameTable(names)
        self.requiredCount = params.filter { $0.flagSlot < 0 && $0.ownSlot < 0 }.count
        self.secondWordCount = params.filter { $0.flagSlot == 1 }.count
        self.firstFlagsAt = params.firstIndex { $0.ownSlot == 0 } ?? -1
        self.secondFlagsAt = params.firstIndex { $0.ownSlot == 1 } ?? -1
        self.typeID = c.isMethod ? -1 : (typeIndex[c.resultType] ?? -1)
        self.idBytes = c.id
        switch c.name {
        case "mtproto.message" where c.line == 0: special = .message
        case "rpc_result" where c.line == 0: special = .rpcResult
        case "boolTrue" where c.line == 0: special = .boolTrue
        case "boolFalse" where c.line == 0: special = .boolFalse
        default: special = .none
        }
    }

    deinit {
        _ = params.deinitialize()
        params.deallocate()
    }

    static func resolve(_ type: TLType, typeIndex: [String: Int32], indexByName: [String: Int], constructorsByType: [[Int]]) throws -> Node {
        switch type {
        case .int: return .int
        case .long: return .long
        case .double: return .double
        case .int128: return .int128
        case .int256: return .int256
        case .string: return .string
        case .bytes: return .bytes
        case .bool: return .bool
        case .trueFlag: return .trueFlag
        case .nat: return .nat
        case .any, .generic: return .any
        case let .vector(element, boxed):
            let inner = try resolve(element, typeIndex: typeIndex, indexByName: indexByName, constructorsByType: constructorsByType)
            if case .vector = inner { throw TLError(.unknownType(type.description + " (vectors of vectors are not supported)")) }
            return .vector(PackedNode(inner), boxed: boxed)
        case let .boxed(name):
            guard let t = typeIndex[name] else { throw TLError(.unknownType(name)) }
            return .boxed(t)
        case let .bare(name):
            if let i = indexByName[name] { return .bare(i) }
            // `%Message`: the single constructor of a boxed type.
            if let t = typeIndex[name], constructorsByType[Int(t)].count == 1 {
                return .bare(constructorsByType[Int(t)][0])
            }
            throw TLError(.unknownType("%" + name))
        }
    }
}
