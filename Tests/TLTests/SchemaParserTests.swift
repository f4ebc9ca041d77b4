import XCTest
@testable import TL

final class SchemaParserTests: XCTestCase {
    func testMalformedLinesAreReportedWithTheirLineNumbers() {
        let cases: [(String, Int)] = [
            ("a#1 = A;\n\nb#2 x:int = B", 3),                     // missing ';'
            ("a#zz = A;", 1),                                       // bad id
            ("---types---\na#1 x:flags.0?int = A;", 2),            // no flags word
            ("a#1 x:Vector<int = A;", 1),                           // bad type
            ("// c\na#1 x = A;", 2),                                // no ':'
            ("a#1 x:int A;", 1),                                    // no '='
            ("a#1 x:NoSuchType = A;", 1),                           // unknown type (found when linking)
            ("a#1 = A;\na#2 = A;", 2),                              // defined twice
            ("---nonsense---", 1),
        ]
        for (text, line) in cases {
            XCTAssertThrowsError(try TLSchema(sources: [text]), text) { error in
                guard case let .schemaSyntax(found, _, _)? = (error as? TLError)?.kind else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(found, line, text)
            }
        }
    }

    func testGenericsFlagsAndSections() throws {
        let schema = try TLSchema(sources: ["""
        // LAYER 7
        ---types---
        thing#11 flags:# a:flags.0?true b:flags.0?string flags2:# c:flags2.3?Vector<long> = Thing;
        ---functions---
        wrap#22 {X:Type} query:!X = X;
        get#33 = Thing;
        """])
        XCTAssertEqual(schema.layer, 7)
        let thing = try XCTUnwrap(schema.constructor(named: "thing"))
        XCTAssertEqual(thing.params.map(\.typeText), ["#", "flags.0?true", "flags.0?string", "#", "flags2.3?Vector<long>"])
        XCTAssertEqual(schema.method(named: "wrap")?.params.first?.type, .generic("X"))
        let call = TLObject("wrap", ["query": .object(TLObject("get", [:]))])
        XCTAssertEqual(try schema.decode(try schema.encode(call)), call)
        let value = TLObject("thing", ["a": .bool(true), "b": .string("s"), "c": .vector([.long(1)])])
        XCTAssertEqual(Hex.encode(try schema.encode(value)), "11000000" + "01000000" + "0173" + "0000" + "08000000" + "15c4b51c01000000" + "0100000000000000")
    }

    /// Ids computed from the line (when `#id` is absent) follow Telegram's CRC32 rule:
    /// checked against every explicit id in api.tl (all of them are derived that way).
    func testInferredIDsMatchTelegramsRule() throws {
        var matched = 0
        var total = 0
        for line in EmbeddedSchema.api.split(separator: "\n") where !line.hasPrefix("//") && line.contains("#") && line.hasSuffix(";") {
            let words = line.split(separator: " ")
            guard let hash = words[0].firstIndex(of: "#"), let id = UInt32(words[0][words[0].index(after: hash)...], radix: 16) else { continue }
            let withoutID = String(words[0][..<hash]) + " " + words.dropFirst().joined(separator: " ")
            let parsed = try TLSchemaParser.parseCombinator(withoutID, isMethod: false, line: 0)
            total += 1
            if parsed.id == id { matched += 1 }
        }
        XCTAssertGreaterThan(total, 2000)
        XCTAssertEqual(matched, total)
        // And the mtproto.tl lines without an id get Telethon's ids.
        XCTAssertEqual(TLSchema.shared.constructor(named: "tlsClientHello")?.id, 0x6c52c484)
        XCTAssertEqual(TLSchema.shared.constructor(named: "tlsBlockScope")?.id, 0xe725d44f)
    }
}
