/// Bodies of the MTProto service requests a client sends, ready for `ClientSession.enqueue`.
public enum ServiceMessages {
    /// `ping#7abe77ec ping_id:long`; answered by `pong`.
    public static func ping(pingID: Int64) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.ping); w.int64(pingID); return w.bytes
    }

    /// `ping_delay_disconnect#f3427b8c`: a ping that also asks the server to close the
    /// connection if nothing arrives for `disconnectDelay` seconds (keep-alive).
    public static func pingDelayDisconnect(pingID: Int64, disconnectDelay: Int) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.pingDelayDisconnect); w.int64(pingID)
        w.int32(Int32(clamping: disconnectDelay)); return w.bytes
    }

    /// `destroy_session#e7512126 session_id:long`.
    public static func destroySession(sessionID: Int64) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.destroySession); w.int64(sessionID); return w.bytes
    }

    /// `get_future_salts#b921bd04 num:int`.
    public static func getFutureSalts(count: Int) -> [UInt8] {
        var w = WireWriter(); w.uint32(Wire.getFutureSalts); w.int32(Int32(clamping: count)); return w.bytes
    }

    /// Reads a `future_salts` result.
    public static func parseFutureSalts(_ body: [UInt8]) throws -> (now: Int, salts: [FutureSalt]) {
        var r = WireReader(body)
        let id = try r.uint32()
        guard id == Wire.futureSalts else { throw WireError.unexpectedConstructor(id) }
        _ = try r.int64()
        let now = Int(try r.int32())
        let count = Int(try r.int32())
        guard count >= 0, count * 16 <= r.remaining else { throw WireError.malformed("\(count) future salts") }
        let salts = try (0..<count).map { _ in
            FutureSalt(validSince: Int(try r.int32()), validUntil: Int(try r.int32()), salt: try r.int64())
        }
        return (now, salts)
    }
}
