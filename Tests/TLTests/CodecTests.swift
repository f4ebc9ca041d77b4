import XCTest
@testable import TL

final class CodecTests: XCTestCase {
    let schema = TLSchema.shared

    func testInputPeerUserBytes() throws {
        let peer = TLObject("inputPeerUser", ["user_id": .long(1), "access_hash": .long(-2)])
        let bytes = try schema.encode(peer)
        XCTAssertEqual(Hex.encode(bytes), "4ca5e8dd" + "0100000000000000" + "feffffffffffffff")
        XCTAssertEqual(try schema.decode(bytes), peer)
    }

    func testFlagsAreComputedFromPresentFields() throws {
        // codeSettings#ad253d78 flags:# allow_flashcall:flags.0?true current_number:flags.1?true
        //   allow_app_hash:flags.4?true allow_missed_call:flags.5?true allow_firebase:flags.7?true
        //   unknown_number:flags.9?true logout_tokens:flags.6?Vector<bytes> token:flags.8?string app_sandbox:flags.8?Bool
        let settings = TLObject("codeSettings", ["current_number": .bool(true), "allow_flashcall": .bool(false),
                                                 "logout_tokens": .vector([.bytes([1, 2, 3])])])
        let bytes = try schema.encode(settings)
        var reader = TLReader(bytes)
        XCTAssertEqual(try reader.readUInt32(), schema.constructor(named: "codeSettings")!.id)
        XCTAssertEqual(try reader.readUInt32(), (1 << 1) | (1 << 6))
        var expected = settings
        expected.fields["allow_flashcall"] = nil
        XCTAssertEqual(try schema.decode(bytes), expected)
    }

    func testSharedFlagBitNeedsEveryFieldBehindIt() throws {
        // token and app_sandbox share flags.8.
        let settings = TLObject("codeSettings", ["token": .string("t")])
        XCTAssertThrowsError(try schema.encode(settings)) { error in
            XCTAssertEqual((error as? TLError)?.kind, .missingField(name: "app_sandbox", type: "flags.8?Bool"))
        }
    }

    func testTypedVectorsAndBool() throws {
        let longs = TLValue.vector([.long(1), .long(Int64.min), .long(Int64.max)])
        let boxed = try schema.encode(longs, type: "Vector<long>")
        XCTAssertEqual(boxed.count, 4 + 4 + 24)
        XCTAssertEqual(try schema.decode(boxed, type: "Vector<long>"), longs)
        let bare = try schema.encode(longs, type: "vector<long>")
        XCTAssertEqual(Array(boxed.dropFirst(4)), bare)
        XCTAssertEqual(try schema.decode(try schema.encode(.bool(true), type: "Bool"), type: "Bool"), .bool(true))
        XCTAssertEqual(Hex.encode(try schema.encode(.bool(false), type: "Bool")), "379779bc")
    }

    func testWrongConstructorTypeNamesTheExpectedTypeAndPath() throws {
        let call = TLObject("messages.sendMessage", [
            "peer": .object(TLObject("inputUser", ["user_id": .long(1), "access_hash": .long(2)])),
            "message": .string("hi"), "random_id": .long(7),
        ])
        XCTAssertThrowsError(try schema.encode(call)) { error in
            guard let e = error as? TLError, case let .wrongConstructorType(name, expectedType, constructors) = e.kind else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(name, "inputUser")
            XCTAssertEqual(expectedType, "InputPeer")
            XCTAssertTrue(constructors.contains("inputPeerUser"))
            XCTAssertEqual(e.path, "peer")
        }
    }

    func testErrorPathReachesNestedField() throws {
        let call = TLObject("messages.sendMessage", [
            "peer": .object(TLObject("inputPeerUser", ["user_id": .string("x"), "access_hash": .long(2)])),
            "message": .string("hi"), "random_id": .long(7),
        ])
        XCTAssertThrowsError(try schema.encode(call)) { error in
            XCTAssertEqual((error as? TLError)?.path, "peer.user_id")
        }
    }

    func testUnknownNamesSuggestClosest() throws {
        XCTAssertThrowsError(try schema.encode(TLObject(name: "auth.sendCod"))) { error in
            guard case let .unknownName(name, suggestions)? = (error as? TLError)?.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "auth.sendCod")
            XCTAssertEqual(suggestions.first, "auth.sendCode")
            XCTAssertEqual(suggestions.count, 3)
        }
        XCTAssertThrowsError(try schema.encode(TLObject("inputPeerUser", ["user_id": .long(1), "acces_hash": .long(2)]))) { error in
            guard case let .unknownField(name, owner, suggestions)? = (error as? TLError)?.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "acces_hash")
            XCTAssertEqual(owner, "inputPeerUser")
            XCTAssertEqual(suggestions.first, "access_hash")
        }
    }

    func testStringThatIsNotUTF8DecodesAsBytes() throws {
        let raw: [UInt8] = [0xff, 0xfe, 0x00, 0x80]
        let pong = TLObject("msgs_state_info", ["req_msg_id": .long(5), "info": .bytes(raw)])
        XCTAssertEqual(try schema.decode(try schema.encode(pong)), pong)
        let text = TLObject("msgs_state_info", ["req_msg_id": .long(5), "info": .string("ok")])
        XCTAssertEqual(try schema.decode(try schema.encode(text)), text)
    }

    func testGenericQueryNesting() throws {
        let call = TLObject("invokeWithLayer", ["layer": .int(229), "query": .object(TLObject("initConnection", [
            "api_id": .int(1), "device_model": .string("d"), "system_version": .string("s"), "app_version": .string("a"),
            "system_lang_code": .string("en"), "lang_pack": .string(""), "lang_code": .string("en"),
            "query": .object(TLObject(name: "help.getConfig")),
        ]))])
        let bytes = try schema.encode(call)
        XCTAssertEqual(try schema.decode(bytes), call)
    }
}

extension CodecTests {
    func testLengthPrefixesAtTheirBoundaries() throws {
        for n in [0, 1, 3, 4, 253, 254, 255, 256, 1000, 70000] {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0) }
            var w = TLWriter()
            w.writeBytes(data)
            XCTAssertEqual(w.count % 4, 0)
            XCTAssertEqual(w.bytes.first, n < 254 ? UInt8(n) : 0xFE)
            var r = TLReader(w.bytes)
            XCTAssertEqual(try r.readBytes(), data)
            XCTAssertTrue(r.isAtEnd)
        }
        let huge = TLObject("msgs_state_info", ["req_msg_id": .long(1), "info": .bytes([UInt8](repeating: 0, count: 1 << 24))])
        XCTAssertThrowsError(try schema.encode(huge)) { error in
            XCTAssertEqual((error as? TLError)?.path, "info")
        }
    }
}

extension CodecTests {
    /// Decoded objects store their fields in schema order; every accessor still sees them by name.
    func testDecodedObjectsBehaveLikeBuiltOnes() throws {
        let built = TLObject("codeSettings", ["current_number": .bool(true), "token": .string("t"), "app_sandbox": .bool(false)])
        var decoded = try schema.decode(try schema.encode(built))
        XCTAssertEqual(decoded, built)
        XCTAssertEqual(decoded.name, "codeSettings")
        XCTAssertEqual(decoded.fieldCount, 3)
        XCTAssertEqual(decoded["token"], .string("t"))
        XCTAssertNil(decoded["logout_tokens"])
        XCTAssertNil(decoded["no_such_field"])
        XCTAssertEqual(decoded.fields, built.fields)
        var names: [String] = []
        decoded.forEachField { name, _ in names.append(name) }
        XCTAssertEqual(names, ["current_number", "token", "app_sandbox"])
        decoded["token"] = .string("u")
        XCTAssertEqual(decoded["token"], .string("u"))
        XCTAssertNotEqual(decoded, built)
        XCTAssertEqual(try schema.decode(try schema.encode(decoded))["token"], .string("u"))
        decoded.name = "inputPeerSelf"
        XCTAssertThrowsError(try schema.encode(decoded))  // fields no longer fit the constructor
    }
}
