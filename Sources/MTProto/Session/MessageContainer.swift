/// One message inside a packet or a `msg_container`.
struct InnerMessage: Equatable {
    var msgID: Int64
    var seqNo: Int32
    var body: [UInt8]
    /// Set when `body` is the result of the request with this msg_id: on the wire it goes
    /// inside `rpc_result`, written around it when packed (the result is not copied first).
    var resultOf: Int64? = nil

    var isContentRelated: Bool { seqNo & 1 == 1 }

    /// The length of the body on the wire.
    var wireCount: Int { body.count + (resultOf == nil ? 0 : 12) }

    /// The body as it goes on the wire.
    var wireBody: [UInt8] {
        guard let resultOf else { return body }
        var w = WireWriter(capacity: body.count + 12)
        w.uint32(Wire.rpcResult); w.int64(resultOf); w.raw(body)
        return w.bytes
    }
}

/// `msg_container` packing and unpacking, and the unwrapping of `gzip_packed` bodies.
enum MessageContainer {
    /// Telegram accepts at most 1020 messages per container.
    static let maxMessages = 1020
    /// Bodies above this size are sent alone rather than in a container.
    static let maxContainerBytes = 1_000_000

    static func pack(_ messages: [InnerMessage]) -> [UInt8] {
        var w = WireWriter(capacity: messages.reduce(8) { $0 + $1.wireCount + 16 })
        w.uint32(Wire.msgContainer)
        w.int32(Int32(messages.count))
        for m in messages {
            w.int64(m.msgID); w.int32(m.seqNo); w.int32(Int32(m.wireCount))
            if let resultOf = m.resultOf { w.uint32(Wire.rpcResult); w.int64(resultOf) }
            w.raw(m.body)
        }
        return w.bytes
    }

    /// The messages a body carries: the inner messages of a container (containers may
    /// not nest), or the body itself; top-level `gzip_packed` is inflated first.
    static func unpack(_ message: InnerMessage) throws -> [InnerMessage] {
        var body = message.body
        if Wire.constructor(of: body) == Wire.gzipPacked { body = try inflate(body) }
        guard Wire.constructor(of: body) == Wire.msgContainer else {
            return [InnerMessage(msgID: message.msgID, seqNo: message.seqNo, body: try inflateIfPacked(body))]
        }
        var r = WireReader(body, offset: 4)
        let count = Int(try r.int32())
        guard count >= 0, count * 16 <= r.remaining else {
            throw WireError.malformed("container of \(count) messages in \(r.remaining) bytes")
        }
        var out: [InnerMessage] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let msgID = try r.int64()
            let seqNo = try r.int32()
            let length = Int(try r.int32())
            guard length >= 0, length % 4 == 0, length <= r.remaining else {
                throw WireError.malformed("contained message of \(length) bytes")
            }
            let inner = try r.raw(length)
            guard Wire.constructor(of: inner) != Wire.msgContainer else { throw WireError.malformed("nested msg_container") }
            out.append(InnerMessage(msgID: msgID, seqNo: seqNo, body: try inflateIfPacked(inner)))
        }
        return out
    }

    static func inflateIfPacked(_ body: [UInt8]) throws -> [UInt8] {
        Wire.constructor(of: body) == Wire.gzipPacked ? try inflate(body) : body
    }

    private static func inflate(_ body: [UInt8]) throws -> [UInt8] {
        do { return try Gzip.unpack(body) } catch let e as GzipError { throw SessionError.gzip(e) }
    }
}
