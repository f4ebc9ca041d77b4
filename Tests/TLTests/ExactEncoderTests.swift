import XCTest
@testable import TL

/// The raw-memory path that re-encodes decoded objects (ExactEncoder.swift) must write
/// exactly what the general encoder writes, and hand anything it does not take back to it.
final class ExactEncoderTests: XCTestCase {
    let schema = TLSchema.shared

    /// The general encoder's bytes for an object (`write(_:to:)` never takes the fast path).
    func generalBytes(_ object: TLObject) throws -> [UInt8] {
        var writer = TLWriter(capacity: 16)
        try schema.write(object, to: &writer)
        return writer.finish()
    }

    func testEveryFixtureReencodesAsTheGeneralEncoderDoes() throws {
        var compared = 0
        for fixture in try TelethonFixtureTests.fixtures() {
            // Fixtures of bare types and vectors are not objects on their own.
            guard let object = try? schema.decode(fixture.bytes), case let .decoded(d) = object.storage else { continue }
            XCTAssertEqual(schema.encodeDecoded(d), fixture.bytes, fixture.label)
            XCTAssertEqual(try generalBytes(object), fixture.bytes, fixture.label)
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, 300)
    }

    /// Flags words, true flags and strings of every length around the 1-byte/4-byte length
    /// header (254) and the 1 KiB stack scratch, where the path moves to the heap.
    func testFlagsAndStringLengthsAcrossTheScratchBoundary() throws {
        for length in Array(0..<8) + Array(250..<258) + Array(1010..<1030) + [5000, 70000] {
            for (apple, reset) in [(false, false), (true, false), (false, true), (true, true)] {
                var fields: [String: TLValue] = ["email_pattern": .string(String(repeating: "é", count: length / 2) + (length % 2 == 1 ? "x" : "")),
                                                 "length": .int(Int32(length))]
                if apple { fields["apple_signin_allowed"] = .bool(true) }
                if reset { fields["reset_pending_date"] = .int(-7) }
                let built = TLObject(name: "auth.sentCodeTypeEmailCode", fields: fields)
                let bytes = try schema.encode(built)
                let decoded = try schema.decode(bytes)
                XCTAssertEqual(try schema.encode(decoded), bytes, "length \(length), apple \(apple), reset \(reset)")
            }
        }
    }

    /// A decoded object whose combinator belongs to another schema instance is not taken
    /// by the fast path (its combinator identity check fails); the general one encodes it by name.
    func testObjectDecodedByAnotherSchemaStillEncodes() throws {
        let other = try TLSchema.parseEmbedded()
        let built = TLObject(name: "auth.sentCodeTypeEmailCode", fields: ["email_pattern": .string("a*@b.c"), "length": .int(6),
                                                                          "google_signin_allowed": .bool(true)])
        let bytes = try schema.encode(built)
        let foreign = try other.decode(bytes)
        guard case let .decoded(d) = foreign.storage else { return XCTFail("decode did not keep its combinator") }
        XCTAssertNil(schema.encodeDecoded(d))
        XCTAssertEqual(try schema.encode(foreign), bytes)
    }

    /// Vectors of objects and of ints far past the stack scratch re-encode exactly.
    func testLargeVectorsGrowOntoTheHeap() throws {
        let users: [TLValue] = (0..<3000).map { i in
            .object(TLObject(name: "inputUser", fields: ["user_id": .long(Int64(i) << 33), "access_hash": .long(-Int64(i))]))
        }
        let ids: [TLValue] = (0..<3000).map { .int(Int32($0) - 1500) }
        for built in [TLObject(name: "users.getUsers", fields: ["id": .vector(users)]),
                      TLObject(name: "messages.deleteMessages", fields: ["id": .vector(ids), "revoke": .bool(true)])] {
            let bytes = try schema.encode(built)
            XCTAssertGreaterThan(bytes.count, 10_000)
            let decoded = try schema.decode(bytes)
            guard case let .decoded(d) = decoded.storage else { return XCTFail("decode did not keep its combinator") }
            XCTAssertEqual(schema.encodeDecoded(d), bytes, built.name)
            XCTAssertEqual(try generalBytes(decoded), bytes, built.name)
        }
    }

    /// The same tree with every object rebuilt by hand (`TLObject(name:fields:)`), as clients make them.
    func handBuilt(_ value: TLValue) -> TLValue {
        switch value {
        case let .object(o): return .object(handBuilt(o))
        case let .vector(items): return .vector(items.map(handBuilt))
        default: return value
        }
    }

    func handBuilt(_ o: TLObject) -> TLObject {
        TLObject(name: o.name, fields: o.fields.mapValues(handBuilt))
    }

    func testEveryFixtureBuiltByHandTakesTheFastPathWithTheSameBytes() throws {
        var compared = 0
        for fixture in try TelethonFixtureTests.fixtures() {
            guard let object = try? schema.decode(fixture.bytes) else { continue }
            let built = handBuilt(object)
            guard case .built = built.storage else { return XCTFail("not rebuilt") }
            // rpc_result and message are left to the general encoder; everything else is taken.
            if let fast = schema.encodeFast(built) {
                XCTAssertEqual(fast, fixture.bytes, fixture.label)
                compared += 1
            }
            XCTAssertEqual(try schema.encode(built), fixture.bytes, fixture.label)
            XCTAssertEqual(try generalBytes(built), fixture.bytes, fixture.label)
        }
        XCTAssertGreaterThanOrEqual(compared, 300)
    }

    /// Requests as the client builds them: optional fields, true flags given as false, a
    /// hand-written `flags`, nested hand-built and decoded objects side by side.
    func testHandBuiltRequestsMatchTheGeneralEncoder() throws {
        let peer = TLObject(name: "inputPeerUser", fields: ["user_id": .long(42), "access_hash": .long(-9)])
        let decodedPeer = try schema.decode(try schema.encode(peer))
        for p in [peer, decodedPeer] {
            for (silent, reply) in [(false, false), (true, false), (false, true), (true, true)] {
                var fields: [String: TLValue] = ["peer": .object(p), "message": .string("hi é"), "random_id": .long(7),
                                                 "silent": .bool(silent), "flags": .int(12345)]
                if reply { fields["reply_to"] = .object(TLObject(name: "inputReplyToMessage", fields: ["reply_to_msg_id": .int(3)])) }
                let request = TLObject(name: "messages.sendMessage", fields: fields)
                let fast = try XCTUnwrap(schema.encodeFast(request))
                XCTAssertEqual(fast, try generalBytes(request))
                XCTAssertEqual(try schema.encode(request), fast)
            }
        }
    }

    /// Invalid hand-built objects are declined by the fast path, so `encode` reports the
    /// general encoder's error, word for word.
    func testInvalidHandBuiltObjectsKeepTheGeneralErrors() throws {
        let peer = TLValue.object(TLObject(name: "inputPeerUser", fields: ["user_id": .long(42), "access_hash": .long(-9)]))
        let cases: [TLObject] = [
            TLObject(name: "messages.sendMesage", fields: [:]),
            TLObject(name: "messages.sendMessage", fields: ["peer": peer, "mesage": .string("x"), "random_id": .long(1)]),
            TLObject(name: "messages.sendMessage", fields: ["peer": peer, "random_id": .long(1)]),
            TLObject(name: "messages.sendMessage", fields: ["peer": peer, "message": .int(1), "random_id": .long(1)]),
            TLObject(name: "messages.sendMessage", fields: ["peer": .object(TLObject(name: "inputUser", fields: [:])),
                                                            "message": .string("x"), "random_id": .long(1)]),
            TLObject(name: "messages.sendMessage", fields: ["peer": .object(TLObject(name: "inputPeerUser", fields: ["user_id": .string("1"), "access_hash": .long(1)])),
                                                            "message": .string("x"), "random_id": .long(1)]),
            TLObject(name: "messages.sendMessage", fields: ["peer": peer, "message": .string("x"), "random_id": .long(1), "silent": .int(1)]),
            TLObject(name: "messages.deleteMessages", fields: ["id": .vector([.int(1), .string("2")])]),
        ]
        for object in cases {
            XCTAssertNil(schema.encodeFast(object), object.name)
            var general: String?
            do { _ = try generalBytes(object) } catch { general = "\(error)" }
            XCTAssertNotNil(general, object.name)
            XCTAssertThrowsError(try schema.encode(object)) { XCTAssertEqual("\($0)", general) }
        }
    }
}
