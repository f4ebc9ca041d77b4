import XCTest
@testable import TL

/// The "parsed manually" constructors: msg_container, mtproto.message, rpc_result, gzip_packed, vector.
final class MessageEnvelopeTests: XCTestCase {
    let schema = TLSchema.shared

    func testContainerWithMessagesRoundTrips() throws {
        let pong = TLObject("pong", ["msg_id": .long(10), "ping_id": .long(-3)])
        let ack = TLObject("msgs_ack", ["msg_ids": .vector([.long(1), .long(2)])])
        let container = TLObject("msg_container", ["messages": .vector([
            .object(TLObject("mtproto.message", ["msg_id": .long(100), "seqno": .int(1), "body": .object(pong)])),
            .object(TLObject("mtproto.message", ["msg_id": .long(104), "seqno": .int(2), "body": .object(ack)])),
        ])])
        let bytes = try schema.encode(container)
        // container id, count, then msg_id, seqno, bytes (= body length) of the first message.
        var r = TLReader(bytes)
        XCTAssertEqual(try r.readUInt32(), 0x73f1f8dc)
        XCTAssertEqual(try r.readInt32(), 2)
        XCTAssertEqual(try r.readInt64(), 100)
        XCTAssertEqual(try r.readInt32(), 1)
        XCTAssertEqual(try r.readInt32(), Int32(try schema.encode(pong).count))
        let decoded = try schema.decode(bytes)
        let first = try XCTUnwrap(decoded["messages"]?.vector?.first?.object)
        XCTAssertEqual(first["body"], .object(pong))
        XCTAssertEqual(first["bytes"], .int(20))
        XCTAssertEqual(try schema.encode(decoded), bytes)
    }

    func testMessageBodyLongerThanItsLengthIsAnError() throws {
        var w = TLWriter()
        w.writeUInt32(0x73f1f8dc)
        w.writeInt32(1)
        w.writeInt64(100)
        w.writeInt32(1)
        w.writeInt32(4)  // body says 4 bytes, but pong needs 20
        try schema.write(TLObject("pong", ["msg_id": .long(1), "ping_id": .long(2)]), to: &w)
        XCTAssertThrowsError(try schema.decode(w.bytes)) { error in
            XCTAssertEqual((error as? TLError)?.path, "messages[0].body.msg_id")
        }
    }

    func testRPCResultKeepsRawResultAndDecodesByResultType() throws {
        let users: TLValue = .vector([.object(TLObject("userEmpty", ["id": .long(5)]))])
        let raw = try schema.encode(users, type: "Vector<User>")
        let result = TLObject("rpc_result", ["req_msg_id": .long(77), "result": .bytes(raw)])
        let bytes = try schema.encode(result)
        let decoded = try schema.decode(bytes)
        XCTAssertEqual(decoded, result)
        XCTAssertEqual(try schema.decode(try XCTUnwrap(decoded["result"]?.bytesValue), type: "Vector<User>"), users)
        // A bare vector without a type cannot be decoded.
        XCTAssertThrowsError(try schema.decode(raw)) { error in
            XCTAssertEqual((error as? TLError)?.kind, .vectorNeedsElementType)
        }
        // An object result is written boxed.
        let withObject = TLObject("rpc_result", ["req_msg_id": .long(1), "result": .object(TLObject(name: "boolTrue"))])
        XCTAssertEqual(Array(try schema.encode(withObject).suffix(4)), [0xb5, 0x75, 0x72, 0x99])
    }

    func testGzipPackedIsInflatedTransparently() throws {
        let users: TLValue = .vector([.object(TLObject("userEmpty", ["id": .long(5)])), .object(TLObject("userEmpty", ["id": .long(6)]))])
        let plain = try schema.encode(users, type: "Vector<User>")
        let packed = try schema.encode(TLObject("gzip_packed", ["packed_data": .bytes(TLGzip.deflate(plain))]))
        XCTAssertEqual(try schema.decode(packed, type: "Vector<User>"), users)
        let config = TLObject("pong", ["msg_id": .long(1), "ping_id": .long(2)])
        let packedObject = try schema.encode(TLObject("gzip_packed", ["packed_data": .bytes(TLGzip.deflate(try schema.encode(config)))]))
        XCTAssertEqual(try schema.decode(packedObject), config)
        // Inside a field too.
        var w = TLWriter()
        w.writeUInt32(schema.method(named: "invokeWithLayer")!.id)
        w.writeInt32(229)
        w.writeRaw(packedObject)
        XCTAssertEqual(try schema.decode(w.bytes)["query"], .object(config))
    }

    func testBoolAndVectorTypeStrings() throws {
        XCTAssertEqual(try schema.decode([0xb5, 0x75, 0x72, 0x99], type: "Bool"), .bool(true))
        XCTAssertThrowsError(try schema.decode([0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0], type: "Bool"))
        XCTAssertEqual(try schema.decode([0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0], type: "Vector<int>"), .vector([]))
        XCTAssertThrowsError(try schema.encode(.int(1), type: "NoSuchType")) { error in
            XCTAssertEqual((error as? TLError)?.kind, .unknownType("NoSuchType"))
        }
    }
}
