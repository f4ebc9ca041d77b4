import XCTest
@testable import TL

final class JSONBridgeTests: XCTestCase {
    let schema = TLSchema.shared

    func testInt64SurvivesExactly() throws {
        let text = #"{"_":"inputPeerUser","access_hash":-9223372036854775808,"user_id":9223372036854775807}"#
        let json = try JSONValue(parsing: text)
        XCTAssertEqual(json["user_id"], .int(Int64.max))
        let object = try schema.object(fromJSON: json)
        XCTAssertEqual(object["access_hash"], .long(Int64.min))
        XCTAssertEqual(schema.json(from: .object(object)).serialized(), text)
    }

    func testLongAcceptsStringsAndExactDoubles() throws {
        let json = try JSONValue(parsing: #"{"_":"inputPeerUser","user_id":"9007199254740993","access_hash":1e3}"#)
        let object = try schema.object(fromJSON: json)
        XCTAssertEqual(object["user_id"], .long(9_007_199_254_740_993))
        XCTAssertEqual(object["access_hash"], .long(1000))
        XCTAssertThrowsError(try schema.object(fromJSON: JSONValue(parsing: #"{"_":"inputPeerUser","user_id":1.5,"access_hash":0}"#))) { error in
            XCTAssertEqual((error as? TLError)?.path, "user_id")
        }
        XCTAssertThrowsError(try schema.object(fromJSON: JSONValue(parsing: #"{"_":"inputPeerChat","chat_id":"12x"}"#)))
    }

    func testBytesAsBase64OrHexAndTrueFlags() throws {
        let json = try JSONValue(parsing: #"{"_":"codeSettings","current_number":true,"allow_flashcall":false,"logout_tokens":["AQID",{"hex":"0a0B"}]}"#)
        let object = try schema.object(fromJSON: json)
        XCTAssertEqual(object["logout_tokens"], .vector([.bytes([1, 2, 3]), .bytes([10, 11])]))
        XCTAssertEqual(object["current_number"], .bool(true))
        XCTAssertNil(object["allow_flashcall"])
        XCTAssertEqual(schema.json(from: .object(object))["logout_tokens"], .array([.string("AQID"), .string("Cgs=")]))
    }

    func testErrorsCarryPathsAndHelp() throws {
        func error(_ text: String, type: String = "Object", path: String = "params") -> TLError? {
            do {
                _ = try schema.value(fromJSON: JSONValue(parsing: text), type: type, path: path)
                return nil
            } catch {
                return error as? TLError
            }
        }
        let wrongType = error(#"{"_":"messages.sendMessage","peer":{"_":"inputUser","user_id":1,"access_hash":2},"message":"m","random_id":1}"#)
        XCTAssertEqual(wrongType?.path, "params.peer")
        guard case let .wrongConstructorType(_, expected, constructors)? = wrongType?.kind else { return XCTFail("\(String(describing: wrongType))") }
        XCTAssertEqual(expected, "InputPeer")
        XCTAssertTrue(constructors.contains("inputPeerSelf"))

        let missing = error(#"{"_":"messages.sendMessage","peer":{"_":"inputPeerUser","user_id":1},"message":"m","random_id":1}"#)
        XCTAssertEqual(missing?.kind, .missingField(name: "access_hash", type: "long"))
        XCTAssertEqual(missing?.path, "params.peer")

        let wrongJSON = error(#"{"_":"messages.sendMessage","peer":{"_":"inputPeerSelf"},"message":5,"random_id":1}"#)
        XCTAssertEqual(wrongJSON?.kind, .wrongValue(expected: "string", got: "an integer"))
        XCTAssertEqual(wrongJSON?.path, "params.message")

        let unknownMethod = error(#"{"_":"messages.sendMesage"}"#)
        guard case let .unknownName(_, suggestions)? = unknownMethod?.kind else { return XCTFail() }
        XCTAssertEqual(suggestions.first, "messages.sendMessage")

        let unknownField = error(#"{"_":"inputPeerUser","user_id":1,"acess_hash":2}"#, type: "InputPeer")
        guard case let .unknownField(name, _, fieldSuggestions)? = unknownField?.kind else { return XCTFail() }
        XCTAssertEqual(name, "acess_hash")
        XCTAssertEqual(fieldSuggestions.first, "access_hash")

        let inVector = error(#"{"_":"users.getUsers","id":[{"_":"inputUserSelf"},{"_":"inputPeerSelf"}]}"#)
        XCTAssertEqual(inVector?.path, "params.id[1]")
        XCTAssertTrue(inVector.map { "\($0)" }?.hasPrefix("params.id[1]: 'inputPeerSelf' is not a InputUser") ?? false)
    }

    func testTelethonSpellingsAreAccepted() throws {
        let json = try JSONValue(parsing: #"{"_":"storyFwdHeader","from_":{"_":"peerUser","user_id":3},"modified":true}"#)
        XCTAssertEqual(try schema.object(fromJSON: json)["from"], .object(TLObject("peerUser", ["user_id": .long(3)])))
    }

    func testConstructorNameAsType() throws {
        let value = try schema.value(fromJSON: JSONValue(parsing: #"{"user_id":1,"access_hash":2}"#), type: "inputPeerUser")
        XCTAssertEqual(value, .object(TLObject("inputPeerUser", ["user_id": .long(1), "access_hash": .long(2)])))
        XCTAssertEqual(try schema.value(fromJSON: .array([.int(1), .string("2")]), type: "Vector<long>"), .vector([.long(1), .long(2)]))
    }

    func testParserHandlesEscapesAndRejectsBadText() throws {
        let json = try JSONValue(parsing: #" { "a" : [1, -2.5e3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"] } "#)
        XCTAssertEqual(json["a"], .array([.int(1), .double(-2500), .bool(true), .bool(false), .null, .string("x\"\\/\u{8}\u{c}\n\r\té😀")]))
        XCTAssertEqual(try JSONValue(parsing: json.serialized()), json)
        XCTAssertEqual(try JSONValue(parsing: json.serialized(pretty: true)), json)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "\"\\ud800\"", "\"\u{1}\"", "tru", "1 2", "{\"a\":}", "-", "1.", "\"abc"] {
            XCTAssertThrowsError(try JSONValue(parsing: bad), bad) { error in
                guard case .invalidJSON? = (error as? TLError)?.kind else { return XCTFail("\(bad): \(error)") }
            }
        }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONValue(parsing: deep))
        XCTAssertEqual(try JSONValue(parsing: "123456789012345678901234567890"), .double(123456789012345678901234567890))
    }

    func testPrinterOrdersKeysAndEscapes() {
        let json = JSONValue.object(["b": .int(1), "_": .string("x"), "a": .string("q\"\n\u{1}")])
        XCTAssertEqual(json.serialized(), #"{"_":"x","a":"q\"\n\u0001","b":1}"#)
        XCTAssertEqual(JSONValue.double(.infinity).serialized(), "null")
    }

    func testBase64AndHex() {
        for n in 0..<40 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(Base64.decode(Base64.encode(data)), data)
            XCTAssertEqual(Hex.decode(Hex.encode(data)), data)
        }
        XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(Base64.decode("Zm9vYg"), Array("foob".utf8))
        XCTAssertNil(Base64.decode("Zm9v!"))
        XCTAssertNil(Base64.decode("Z"))
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }
}

extension JSONBridgeTests {
    /// Malformed JSON text and well-formed JSON of the wrong shape are errors, never crashes.
    func testRandomJSONNeverCrashes() throws {
        var rng = SplitMix(seed: 99)
        let alphabet = Array(#"{}[]":,0123456789-+.eEtrufalsn\ "_abcx"#.utf8)
        for _ in 0..<3000 {
            let text = (0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if let json = try? JSONValue(parsing: text) {
                _ = try? schema.value(fromJSON: json, type: "Object")
                _ = try? schema.value(fromJSON: json, type: "Vector<InputPeer>")
            }
        }
        // Complete objects with one field of an impossible shape: refused, with that field's path.
        var generator = ValueGenerator(schema: schema)
        var checked = 0
        for (n, c) in schema.combinators.enumerated() where n % 10 == 0 && !TLSchema.builtinNames.contains(c.name) {
            guard case let .object(valid) = schema.json(from: .object(generator.object(c, depth: 0))) else { return XCTFail() }
            for p in c.params where !p.isFlags {
                var broken = valid
                checked += 1
                if case .vector = p.type { broken[p.name] = .string("not a list") } else { broken[p.name] = .array([.null]) }
                XCTAssertThrowsError(try schema.object(fromJSON: .object(broken)), "\(c.name).\(p.name)") { error in
                    XCTAssertEqual((error as? TLError)?.path, p.name, "\(c.name).\(p.name)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 500)
    }
}
