/// Telegram's schema (api.tl + mtproto.tl), parsed once: combinators by name and
/// id, constructors by type, the layer number, and the codec driven by them.
public final class TLSchema: Sendable {
    /// api.tl and mtproto.tl as embedded in the binary, merged, with the
    /// "parsed manually" built-ins (`boolTrue`, `gzip_packed`, `msg_container`, …).
    public static let shared: TLSchema = {
        do {
            return try TLSchema(sources: [EmbeddedSchema.api, EmbeddedSchema.mtproto])
        } catch {
            fatalError("the embedded TL schema does not parse: \(error)")
        }
    }()

    /// Parses the embedded schema afresh (what `shared` does once per process; the
    /// benchmark times it).
    public static func parseEmbedded() throws -> TLSchema {
        try TLSchema(sources: [EmbeddedSchema.api, EmbeddedSchema.mtproto])
    }

    /// The API layer, from `// LAYER N` in api.tl (0 when absent).
    public let layer: Int
    /// Every constructor and method, built-ins last.
    public let combinators: [TLCombinator]

    /// The most bytes one `gzip_packed` may inflate to when decoding.
    public let inflateLimit: Int

    let compiled: [CompiledCombinator]
    let indexByName: [String: Int]
    /// The same as `indexByName` and `indexByID`, for the codec's hot path.
    let nameTable: NameTable
    let idTable: IDTable
    let indexByID: [UInt32: Int]
    let typeIndex: [String: Int32]
    let constructorsByType: [[Int]]
    let typeNames: [String]

    /// Parses and links schema texts. Throws `schemaSyntax` naming the line of the
    /// first malformed combinator, or of a type reference that resolves to nothing.
    public init(sources: [String], inflateLimit: Int = TLGzip.defaultLimit) throws {
        self.inflateLimit = inflateLimit
        var parser = TLSchemaParser()
        for source in sources { try parser.parse(source) }
        var builtins = TLSchemaParser()
        try builtins.parse(Self.builtinText)
        let all = parser.combinators + builtins.combinators.map { c in
            TLCombinator(name: c.name, id: c.id, params: c.params, resultType: c.resultType,
                         isMethod: c.isMethod, genericParams: c.genericParams, line: 0)
        }

        var byName: [String: Int] = [:]
        var byID: [UInt32: Int] = [:]
        var typeIndex: [String: Int32] = [:]
        var typeNames: [String] = []
        var byType: [[Int]] = []
        byName.reserveCapacity(all.count)
        byID.reserveCapacity(all.count)
        for (i, c) in all.enumerated() {
            if byName[c.name] != nil {
                throw TLError(.schemaSyntax(line: c.line, text: c.name, reason: "'\(c.name)' is defined twice"))
            }
            byName[c.name] = i
            if let other = byID[c.id] {
                throw TLError(.schemaSyntax(line: c.line, text: c.name, reason: "id \(TLError.hex(c.id)) is also '\(all[other].name)'"))
            }
            byID[c.id] = i
            if !c.isMethod {
                if let t = typeIndex[c.resultType] {
                    byType[Int(t)].append(i)
                } else {
                    typeIndex[c.resultType] = Int32(typeNames.count)
                    typeNames.append(c.resultType)
                    byType.append([i])
                }
            }
        }

        self.layer = parser.layer ?? 0
        self.combinators = all
        self.indexByName = byName
        self.nameTable = NameTable(all.map(\.name))
        self.idTable = IDTable(all.enumerated().map { ($1.id, $0) })
        self.indexByID = byID
        self.typeIndex = typeIndex
        self.typeNames = typeNames
        self.constructorsByType = byType
        var compiled: [CompiledCombinator] = []
        compiled.reserveCapacity(all.count)
        for (i, c) in all.enumerated() {
            compiled.append(try CompiledCombinator(c, index: i, typeIndex: typeIndex, indexByName: byName, constructorsByType: byType))
        }
        self.compiled = compiled
    }

    /// Message-level constructors that the schema files only mention in comments.
    /// MTProto's `message` (an entry of `msg_container`) is named `mtproto.message`
    /// here, because api.tl has its own `message` (a chat message).
    static let builtinText = """
    boolFalse#bc799737 = Bool;
    boolTrue#997275b5 = Bool;
    gzip_packed#3072cfa1 packed_data:bytes = Object;
    mtproto.message#5bb8e511 msg_id:long seqno:int bytes:int body:Object = mtproto.Message;
    msg_container#73f1f8dc messages:vector<%mtproto.Message> = MessageContainer;
    rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;
    """

    /// Names of the built-in combinators (not from api.tl or mtproto.tl).
    public static let builtinNames: Set<String> = ["boolFalse", "boolTrue", "gzip_packed", "mtproto.message", "msg_container", "rpc_result"]

    // MARK: Lookups

    public func constructor(named name: String) -> TLCombinator? {
        guard let i = indexByName[name], !combinators[i].isMethod else { return nil }
        return combinators[i]
    }

    public func constructor(id: UInt32) -> TLCombinator? {
        guard let i = indexByID[id], !combinators[i].isMethod else { return nil }
        return combinators[i]
    }

    public func method(named name: String) -> TLCombinator? {
        guard let i = indexByName[name], combinators[i].isMethod else { return nil }
        return combinators[i]
    }

    public func method(id: UInt32) -> TLCombinator? {
        guard let i = indexByID[id], combinators[i].isMethod else { return nil }
        return combinators[i]
    }

    /// A constructor or a method by name.
    public func combinator(named name: String) -> TLCombinator? {
        indexByName[name].map { combinators[$0] }
    }

    /// The constructors of a boxed type (`InputPeer` → `inputPeerEmpty`, …), in schema order.
    public func constructors(ofType type: String) -> [TLCombinator] {
        guard let t = typeIndex[type] else { return [] }
        return constructorsByType[Int(t)].map { combinators[$0] }
    }

    /// Whether `type` names a boxed type that has constructors.
    public func hasType(_ type: String) -> Bool { typeIndex[type] != nil }

    /// The names of constructors and methods closest to `name`, best first.
    public func suggestions(for name: String, limit: Int = 3) -> [String] {
        ClosestNames.find(name, among: combinators.lazy.map(\.name), limit: limit)
    }
}
