/// What the client tells Telegram about itself on a new connection (`initConnection`).
public struct InitConnectionParams: Equatable, Sendable {
    public var apiID: Int32
    public var deviceModel: String
    public var systemVersion: String
    public var appVersion: String
    public var systemLangCode: String
    public var langPack: String
    public var langCode: String
    /// The MTProxy in use, if any (`inputClientProxy address port`).
    public var proxy: (address: String, port: Int32)?

    public init(apiID: Int32, deviceModel: String, systemVersion: String, appVersion: String,
                systemLangCode: String = "en", langPack: String = "", langCode: String = "en",
                proxy: (address: String, port: Int32)? = nil) {
        self.apiID = apiID; self.deviceModel = deviceModel; self.systemVersion = systemVersion
        self.appVersion = appVersion; self.systemLangCode = systemLangCode; self.langPack = langPack
        self.langCode = langCode; self.proxy = proxy
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.apiID == b.apiID && a.deviceModel == b.deviceModel && a.systemVersion == b.systemVersion
            && a.appVersion == b.appVersion && a.systemLangCode == b.systemLangCode && a.langPack == b.langPack
            && a.langCode == b.langCode && a.proxy?.address == b.proxy?.address && a.proxy?.port == b.proxy?.port
    }
}

/// Wraps the first request on a connection as Telegram requires:
/// `invokeWithLayer(layer, initConnection(params…, query))`.
public enum InitConnection {
    /// The API layer of schemas/tl/api.tl.
    public static let layer: Int32 = 229

    public static func wrap(_ query: [UInt8], params: InitConnectionParams, layer: Int32 = InitConnection.layer) -> [UInt8] {
        var w = WireWriter(capacity: query.count + 128)
        w.uint32(Wire.invokeWithLayer)
        w.int32(layer)
        w.uint32(Wire.initConnection)
        w.int32(params.proxy == nil ? 0 : 1)
        w.int32(params.apiID)
        w.tlString(params.deviceModel)
        w.tlString(params.systemVersion)
        w.tlString(params.appVersion)
        w.tlString(params.systemLangCode)
        w.tlString(params.langPack)
        w.tlString(params.langCode)
        if let proxy = params.proxy {
            w.uint32(Wire.inputClientProxy)
            w.tlString(proxy.address)
            w.int32(proxy.port)
        }
        w.raw(query)
        return w.bytes
    }

    /// The server's view: strips `invokeWithLayer` and `initConnection` (either, both, or
    /// neither) and returns what they carried with the inner query. The optional `params`
    /// JSON some apps send is skipped; an `initConnection` that does not parse is returned
    /// as the query, with `params` nil.
    public static func unwrap(_ body: [UInt8]) -> (layer: Int32?, params: InitConnectionParams?, query: [UInt8]) {
        var layer: Int32?
        var rest = body
        if Wire.constructor(of: rest) == Wire.invokeWithLayer, rest.count >= 12 {
            var r = WireReader(rest, offset: 4)
            layer = try? r.int32()
            rest = r.rest()
        }
        guard Wire.constructor(of: rest) == Wire.initConnection else { return (layer, nil, rest) }
        var r = WireReader(rest, offset: 4)
        do {
            let flags = try r.int32()
            let apiID = try r.int32()
            let strings = try (0..<6).map { _ in String(decoding: try r.tlBytes(), as: UTF8.self) }
            var proxy: (String, Int32)?
            if flags & 1 != 0 {
                guard try r.uint32() == Wire.inputClientProxy else { return (layer, nil, rest) }
                proxy = (String(decoding: try r.tlBytes(), as: UTF8.self), try r.int32())
            }
            if flags & 2 != 0 { try skipJSONValue(&r, depth: 0) }
            let params = InitConnectionParams(apiID: apiID, deviceModel: strings[0], systemVersion: strings[1],
                                              appVersion: strings[2], systemLangCode: strings[3], langPack: strings[4],
                                              langCode: strings[5], proxy: proxy)
            return (layer, params, r.rest())
        } catch {
            return (layer, nil, rest)
        }
    }

    /// Skips a boxed `JSONValue` (bounded nesting, so hostile input cannot recurse deeply).
    private static func skipJSONValue(_ r: inout WireReader, depth: Int) throws {
        guard depth < 32 else { throw WireError.malformed("JSONValue nested too deeply") }
        switch try r.uint32() {
        case 0x3f6d7b68: break                                   // jsonNull
        case 0xc7345e6a: try r.skip(4)                           // jsonBool
        case 0x2be0dfa4: try r.skip(8)                           // jsonNumber
        case 0xb71e767a: _ = try r.tlBytes()                     // jsonString
        case 0xf7444763, 0x99c1d49d:                             // jsonArray, jsonObject
            let isObject = Wire.constructor(of: Array(r.bytes[(r.offset - 4)..<r.offset])) == 0x99c1d49d
            guard try r.uint32() == Wire.vector else { throw WireError.malformed("JSON vector") }
            let count = Int(try r.int32())
            guard count >= 0, count * 4 <= r.remaining else { throw WireError.malformed("JSON vector of \(count)") }
            for _ in 0..<count {
                if isObject {
                    guard try r.uint32() == 0xc0de1bd9 else { throw WireError.malformed("jsonObjectValue") }
                    _ = try r.tlBytes()
                }
                try skipJSONValue(&r, depth: depth + 1)
            }
        case let other:
            throw WireError.unexpectedConstructor(other)
        }
    }
}
