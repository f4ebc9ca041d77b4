import XCTest
@testable import TL

/// Untrusted bytes: every malformed input is an error, never a crash, a hang or
/// an unbounded allocation.
final class HostileInputTests: XCTestCase {
    let schema = TLSchema.shared

    func realObjects() throws -> [[UInt8]] {
        let wanted: Set = ["auth.sentCode", "invokeWithLayer(initConnection(help.getConfig))", "resPQ",
                           "user with flags2, all fields", "messages.messages, 100 messages and 20 users"]
        let objects = try TelethonFixtureTests.fixtures().filter { wanted.contains($0.label) }.map(\.bytes)
        XCTAssertEqual(objects.count, wanted.count)
        return objects
    }

    func testTruncationAtEveryOffsetIsAnError() throws {
        for bytes in try realObjects() {
            XCTAssertNoThrow(try schema.decode(bytes))
            // Every offset of the small objects; of the 14 kB history, every 13th and the last 100.
            let cuts = bytes.count < 2000 ? Array(0..<bytes.count) : Array(stride(from: 0, to: bytes.count, by: 13)) + Array((bytes.count - 100)..<bytes.count)
            for cut in cuts {
                XCTAssertThrowsError(try schema.decode(Array(bytes[0..<cut])), "cut at \(cut) of \(bytes.count)")
            }
        }
    }

    func testTrailingBytesAreAnError() throws {
        for bytes in try realObjects() {
            XCTAssertThrowsError(try schema.decode(bytes + [0, 0, 0, 0])) { error in
                XCTAssertEqual((error as? TLError)?.kind, .trailingBytes(count: 4))
            }
        }
    }

    func testHugeStringLengthIsRefused() throws {
        // msgs_state_info req_msg_id:long info:string, with a 0xFE length of 16 MB and 4 bytes behind it.
        var w = TLWriter()
        w.writeUInt32(schema.constructor(named: "msgs_state_info")!.id)
        w.writeInt64(1)
        w.writeRaw([0xFE, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4])
        XCTAssertThrowsError(try schema.decode(w.bytes)) { error in
            let e = error as? TLError
            XCTAssertEqual(e?.kind, .lengthExceedsInput(length: 0xFFFFFF, remaining: 4))
            XCTAssertEqual(e?.path, "info")
        }
    }

    func testHugeAndNegativeVectorCountsAreRefused() throws {
        for count: Int32 in [Int32.max, -1, 3] {
            var w = TLWriter()
            w.writeUInt32(schema.constructor(named: "msgs_ack")!.id)
            w.writeUInt32(0x1cb5c415)
            w.writeInt32(count)
            w.writeInt64(7)  // room for one long only
            XCTAssertThrowsError(try schema.decode(w.bytes), "count \(count)") { error in
                guard case .lengthExceedsInput? = (error as? TLError)?.kind else { return XCTFail("\(error)") }
            }
        }
    }

    func testDeepNestingIsRefused() throws {
        // textBold text:RichText nested 1000 times: the limit stops it long before the stack would.
        var w = TLWriter()
        let bold = schema.constructor(named: "textBold")!.id
        for _ in 0..<1000 { w.writeUInt32(bold) }
        w.writeUInt32(schema.constructor(named: "textEmpty")!.id)
        XCTAssertThrowsError(try schema.decode(w.bytes)) { error in
            XCTAssertEqual((error as? TLError)?.kind, .tooDeep(limit: TLSchema.maxDepth))
        }
        var value = TLValue.object(TLObject(name: "textEmpty"))
        for _ in 0..<1000 { value = .object(TLObject("textBold", ["text": value])) }
        XCTAssertThrowsError(try schema.encode(value, type: "RichText")) { error in
            XCTAssertEqual((error as? TLError)?.kind, .tooDeep(limit: TLSchema.maxDepth))
        }
    }

    func testUnknownConstructorIDIsNamedInHex() throws {
        XCTAssertThrowsError(try schema.decode([0xef, 0xbe, 0xad, 0xde])) { error in
            XCTAssertEqual((error as? TLError)?.kind, .unknownConstructorID(0xdeadbeef))
            XCTAssertTrue("\(error)".contains("0xdeadbeef"))
        }
        // Inside a field, with its path.
        var w = TLWriter()
        w.writeUInt32(schema.method(named: "invokeWithLayer")!.id)
        w.writeInt32(229)
        w.writeUInt32(0x12345678)
        XCTAssertThrowsError(try schema.decode(w.bytes)) { error in
            XCTAssertEqual((error as? TLError)?.path, "query")
        }
    }

    func testConstructorOfTheWrongTypeIsRefusedOnDecode() throws {
        var w = TLWriter()
        w.writeUInt32(schema.constructor(named: "inputPeerUserFromMessage")!.id)
        w.writeUInt32(schema.constructor(named: "inputUserSelf")!.id)  // wants an InputPeer
        XCTAssertThrowsError(try schema.decode(w.bytes)) { error in
            guard case let .wrongConstructorType(name, expected, _)? = (error as? TLError)?.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "inputUserSelf")
            XCTAssertEqual(expected, "InputPeer")
        }
    }

    func testGzipBombIsStoppedAtTheLimit() throws {
        let small = try TLSchema(sources: [EmbeddedSchema.api, EmbeddedSchema.mtproto], inflateLimit: 1 << 16)
        let zeros = TLGzip.deflate([UInt8](repeating: 0, count: 1 << 20))
        XCTAssertLessThan(zeros.count, 2048)
        let packed = try small.encode(TLObject("gzip_packed", ["packed_data": .bytes(zeros)]))
        XCTAssertThrowsError(try small.decode(packed)) { error in
            XCTAssertEqual((error as? TLError)?.kind, .inflatedTooLarge(limit: 1 << 16))
        }
    }

    func testCorruptGzipIsAnError() throws {
        var data = TLGzip.deflate(Array("hello hello hello".utf8))
        data[data.count / 2] ^= 0xFF
        let packed = try schema.encode(TLObject("gzip_packed", ["packed_data": .bytes(data)]))
        XCTAssertThrowsError(try schema.decode(packed))
        let truncated = try schema.encode(TLObject("gzip_packed", ["packed_data": .bytes(Array(data.prefix(8)))]))
        XCTAssertThrowsError(try schema.decode(truncated))
    }

    func testRandomCorruptionNeverCrashes() throws {
        var rng = SplitMix(seed: 229)
        let objects = try realObjects().filter { $0.count < 2000 }
        var errors = 0
        for round in 0..<3000 {
            var bytes = objects[round % objects.count]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            do { _ = try schema.decode(bytes) } catch { errors += 1 }
        }
        XCTAssertGreaterThan(errors, 0)
    }

    func testRandomBytesNeverCrash() throws {
        var rng = SplitMix(seed: 7)
        let ids = schema.combinators.map(\.id)
        for _ in 0..<3000 {
            var w = TLWriter()
            w.writeUInt32(ids[Int(rng.next() % UInt64(ids.count))])
            for _ in 0..<Int(rng.next() % 64) { w.writeRaw([UInt8(truncatingIfNeeded: rng.next())]) }
            _ = try? schema.decode(w.bytes)
        }
    }
}

/// A small deterministic generator for the fuzz tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
