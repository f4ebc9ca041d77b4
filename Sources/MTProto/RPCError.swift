/// An error the server returned for a request (`rpc_error`), e.g. `420 FLOOD_WAIT_42`.
///
/// `message` is Telegram's text; `name` drops a trailing number (`FLOOD_WAIT`), which
/// becomes `value` (42): seconds to wait, the data centre to migrate to, a code length.
public struct RPCError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let code: Int
    public let message: String
    public let name: String
    public let value: Int?

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
        (name, value) = RPCError.split(message)
    }

    /// Seconds to wait for `FLOOD_WAIT_X`, `FLOOD_PREMIUM_WAIT_X`, `SLOWMODE_WAIT_X`.
    public var waitSeconds: Int? {
        name.hasSuffix("_WAIT") ? value : nil
    }

    /// The data centre to move to for `PHONE_MIGRATE_X`, `NETWORK_MIGRATE_X`, `USER_MIGRATE_X`, …
    public var migrateToDC: Int? {
        name.hasSuffix("_MIGRATE") ? value : nil
    }

    public var description: String { "\(code) \(message)" }

    /// `PREFIX_123` → (`PREFIX`, 123); a message without a numeric last part is kept whole.
    static func split(_ message: String) -> (String, Int?) {
        guard let underscore = message.lastIndex(of: "_") else { return (message, nil) }
        let digits = message[message.index(after: underscore)...]
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let number = Int(digits) else { return (message, nil) }
        return (String(message[..<underscore]), number)
    }

    /// Reads an `rpc_error` body (constructor id included).
    static func parse(_ body: [UInt8]) throws -> RPCError {
        var r = WireReader(body)
        let id = try r.uint32()
        guard id == Wire.rpcError else { throw WireError.unexpectedConstructor(id) }
        let code = try r.int32()
        let text = String(decoding: try r.tlBytes(), as: UTF8.self)
        return RPCError(code: Int(code), message: text)
    }

    /// Builds an `rpc_error` body, for the server side.
    static func encode(code: Int, message: String) -> [UInt8] {
        var w = WireWriter()
        w.uint32(Wire.rpcError)
        w.int32(Int32(truncatingIfNeeded: code))
        w.tlString(message)
        return w.bytes
    }
}
