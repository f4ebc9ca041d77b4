import Foundation
import TL

/// One data centre as clients reach it (also what the info file and `help.getConfig` list).
public struct DCAddress: Equatable, Sendable, Codable {
    public var id: Int
    public var host: String
    public var port: Int
    public init(id: Int, host: String, port: Int) { self.id = id; self.host = host; self.port = port }
}

/// What a handler knows about the request besides its parameters.
public struct RequestContext: Sendable {
    public let world: World
    /// The data centre the request arrived on.
    public let dcID: Int
    /// Every data centre of this server (for `help.getConfig`).
    public let dcs: [DCAddress]
    public let authKeyID: Int64
    /// What the connection said in `initConnection` (empty until it does).
    public let device: ClientDevice
    /// Server time, Unix seconds (with any configured skew).
    public let now: Int

    public init(world: World, dcID: Int, dcs: [DCAddress], authKeyID: Int64, device: ClientDevice, now: Int) {
        self.world = world; self.dcID = dcID; self.dcs = dcs; self.authKeyID = authKeyID; self.device = device; self.now = now
    }

    /// The logged-in caller, or `AUTH_KEY_UNREGISTERED`.
    public func me() throws -> Account { try world.requireUser(authKeyID: authKeyID) }
}

/// One API method of the test server: parameters in, a TL value (the method's result type) or an RPC error out.
public typealias APIHandler = (TLObject, RequestContext) throws -> TLValue

// MARK: - Reading parameters

extension TLObject {
    func required(_ field: String) throws -> TLValue {
        guard let v = fields[field] else { throw RPCFailure.inputRequestInvalid(field: field) }
        return v
    }
    func string(_ field: String) throws -> String {
        let v = try required(field)
        if let s = v.stringValue { return s }
        if let b = v.bytesValue, let s = String(bytes: b, encoding: .utf8) { return s }
        throw RPCFailure.inputRequestInvalid(field: field)
    }
    func bytes(_ field: String) throws -> [UInt8] {
        guard let b = try required(field).bytesValue else { throw RPCFailure.inputRequestInvalid(field: field) }
        return b
    }
    func int(_ field: String) throws -> Int32 {
        guard let i = try required(field).int32 else { throw RPCFailure.inputRequestInvalid(field: field) }
        return i
    }
    func long(_ field: String) throws -> Int64 {
        guard let i = try required(field).int64 else { throw RPCFailure.inputRequestInvalid(field: field) }
        return i
    }
    func object(_ field: String) throws -> TLObject {
        guard let o = try required(field).object else { throw RPCFailure.inputRequestInvalid(field: field) }
        return o
    }
    func vector(_ field: String) throws -> [TLValue] {
        guard let v = try required(field).vector else { throw RPCFailure.inputRequestInvalid(field: field) }
        return v
    }
    func optionalString(_ field: String) -> String? {
        guard let v = fields[field] else { return nil }
        return v.stringValue ?? v.bytesValue.flatMap { String(bytes: $0, encoding: .utf8) }
    }
}

// MARK: - Building results

/// A boxed TL object value.
func tl(_ name: String, _ fields: [String: TLValue] = [:]) -> TLValue {
    .object(TLObject(name: name, fields: fields))
}

extension TLValue {
    static let boolTrue = TLValue.bool(true)
    static func ints(_ xs: [Int32]) -> TLValue { .vector(xs.map { .int($0) }) }
    static let emptyVector = TLValue.vector([])
}
