import XCTest
@testable import TL

final class SchemaTests: XCTestCase {
    func testEmbeddedSchemaParsesWithLayer() throws {
        let schema = TLSchema.shared
        XCTAssertEqual(schema.layer, 229)
        XCTAssertGreaterThan(schema.combinators.count, 2000)
        let sendCode = try XCTUnwrap(schema.method(named: "auth.sendCode"))
        XCTAssertEqual(sendCode.id, 0xa677244f)
        XCTAssertEqual(sendCode.resultType, "auth.SentCode")
        XCTAssertEqual(schema.constructor(id: 0xdde8a54c)?.name, "inputPeerUser")
        XCTAssertNil(schema.constructor(named: "auth.sendCode"))
        XCTAssertNil(schema.method(named: "inputPeerUser"))
        XCTAssertEqual(schema.constructors(ofType: "Bool").map(\.name).sorted(), ["boolFalse", "boolTrue"])
        XCTAssertEqual(schema.constructors(ofType: "InputPeer").first?.name, "inputPeerEmpty")
    }

    func testParsingTheEmbeddedSchemaIsFast() throws {
        let start = ContinuousClock.now
        _ = try TLSchema(sources: [EmbeddedSchema.api, EmbeddedSchema.mtproto])
        let elapsed = ContinuousClock.now - start
        print("parsing the embedded schema took \(elapsed)")
    }
}
