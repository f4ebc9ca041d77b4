import Foundation
import XCTest
@testable import MTProto

final class MessageIDClockTests: XCTestCase {
    func testClientIDsAreDivisibleBy4AndStrictlyIncreasing() {
        var clock = MessageIDClock()
        let now = Date(timeIntervalSince1970: 1_700_000_000.25)
        var last: Int64 = 0
        for _ in 0..<1000 {
            let id = clock.next(now: now)
            XCTAssertEqual(id % 4, 0)
            XCTAssertGreaterThan(id, last)
            last = id
        }
        XCTAssertEqual(last >> 32, 1_700_000_000)
    }

    func testServerIDsAreOddWithResponseTag() {
        var clock = MessageIDClock(role: .server)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let a = clock.next(now: now, isResponse: true)
        let b = clock.next(now: now, isResponse: false)
        let c = clock.next(now: now, isResponse: true)
        XCTAssertEqual(a & 3, 1)
        XCTAssertEqual(b & 3, 3)
        XCTAssertEqual(c & 3, 1)
        XCTAssertTrue(a < b && b < c)
    }

    /// A server packs many answers with one `now`: each id is the smallest with its tag above
    /// the previous one (not found by stepping, which cost quadratic time per packet).
    func testServerIDsFromOneInstantStepByTheLeastAmount() {
        var clock = MessageIDClock(role: .server)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        var last = clock.next(now: now, isResponse: true)
        for i in 1..<5_000 {
            let response = i % 3 != 0
            let id = clock.next(now: now, isResponse: response)
            XCTAssertEqual(id & 3, response ? 1 : 3)
            XCTAssertGreaterThan(id, last)
            XCTAssertLessThanOrEqual(id - last, 4, "no tag-matching id skipped after \(last)")
            last = id
        }
        XCTAssertEqual(last >> 32, 1_700_000_000)
    }

    func testOffsetAndCorrection() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        var clock = MessageIDClock(timeOffset: 3600)
        XCTAssertEqual(clock.next(now: now) >> 32, 1_700_003_600)
        clock.correct(serverMessageID: Int64(1_700_000_010) << 32 | 1, now: now)
        XCTAssertEqual(clock.timeOffset, 10)
        // After a correction backwards, ids follow the corrected clock again.
        XCTAssertEqual(clock.next(now: now) >> 32, 1_700_000_010)
    }
}

final class RPCErrorTests: XCTestCase {
    func testNameAndValue() {
        let flood = RPCError(code: 420, message: "FLOOD_WAIT_42")
        XCTAssertEqual(flood.name, "FLOOD_WAIT")
        XCTAssertEqual(flood.value, 42)
        XCTAssertEqual(flood.waitSeconds, 42)
        XCTAssertNil(flood.migrateToDC)

        let migrate = RPCError(code: 303, message: "PHONE_MIGRATE_2")
        XCTAssertEqual(migrate.name, "PHONE_MIGRATE")
        XCTAssertEqual(migrate.migrateToDC, 2)

        let plain = RPCError(code: 400, message: "PHONE_CODE_INVALID")
        XCTAssertEqual(plain.name, "PHONE_CODE_INVALID")
        XCTAssertNil(plain.value)

        XCTAssertEqual(RPCError(code: 400, message: "EMAIL_UNCONFIRMED_6").value, 6)
        XCTAssertEqual(RPCError(code: 400, message: "WEIRD_").name, "WEIRD_")
        XCTAssertEqual(RPCError(code: 400, message: "2FA_CONFIRM_WAIT_604800").name, "2FA_CONFIRM_WAIT")
    }

    func testParseRoundTrip() throws {
        let body = RPCError.encode(code: 303, message: "USER_MIGRATE_4")
        XCTAssertEqual(try RPCError.parse(body), RPCError(code: 303, message: "USER_MIGRATE_4"))
        XCTAssertThrowsError(try RPCError.parse(Array(body.prefix(9))))
    }
}

final class WireTests: XCTestCase {
    func testBytesRoundTripShortAndLong() throws {
        for length in [0, 1, 3, 253, 254, 255, 1000, 70_000] {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            var w = WireWriter()
            w.tlBytes(data)
            XCTAssertEqual(w.bytes.count % 4, 0)
            var r = WireReader(w.bytes)
            XCTAssertEqual(try r.tlBytes(), data)
            XCTAssertTrue(r.isAtEnd)
        }
    }

    func testTruncatedReadsThrow() {
        var r = WireReader([0xfe, 0xff, 0xff, 0x7f, 1, 2])
        XCTAssertThrowsError(try r.tlBytes()) { XCTAssertEqual($0 as? WireError, .truncated(needed: 0x7fffff, available: 2)) }
        var v = WireReader([0x15, 0xc4, 0xb5, 0x1c, 0xff, 0xff, 0xff, 0x0f])
        XCTAssertThrowsError(try v.longVector())
    }

    func testPlainMessage() throws {
        let packet = PlainMessage.pack(body: [1, 2, 3, 4], msgID: 42)
        let (id, body) = try PlainMessage.unpack(packet)
        XCTAssertEqual(id, 42)
        XCTAssertEqual(body, [1, 2, 3, 4])
        XCTAssertThrowsError(try PlainMessage.unpack(Array(packet.dropLast()))) {
            XCTAssertEqual($0 as? PlainMessageError, .badLength(declared: 4, available: 3))
        }
        var encrypted = packet
        encrypted[0] = 1
        XCTAssertThrowsError(try PlainMessage.unpack(encrypted)) {
            XCTAssertEqual($0 as? PlainMessageError, .notPlain(authKeyID: 1))
        }
        XCTAssertThrowsError(try PlainMessage.unpack([0, 0, 0])) { XCTAssertEqual($0 as? PlainMessageError, .tooShort(3)) }
    }
}

final class GzipTests: XCTestCase {
    func testRoundTripAndPackedWrapper() throws {
        let text = Array(String(repeating: "tgflow gzip_packed ", count: 200).utf8)
        XCTAssertEqual(try Gzip.decompress(Gzip.compress(text)), text)
        let packed = try XCTUnwrap(Gzip.packIfSmaller(text))
        XCTAssertLessThan(packed.count, text.count)
        XCTAssertEqual(try Gzip.unpack(packed), text)
        // Random bytes do not shrink: they are sent as they are.
        XCTAssertNil(Gzip.packIfSmaller((0..<600).map { _ in UInt8.random(in: 0...255) }))
    }

    func testBombAndCorruptDataAreRefused() {
        let zeros = Gzip.compress([UInt8](repeating: 0, count: 5 << 20))
        XCTAssertThrowsError(try Gzip.decompress(zeros, maxSize: 1 << 20)) {
            XCTAssertEqual($0 as? GzipError, .tooLarge(limit: 1 << 20))
        }
        XCTAssertThrowsError(try Gzip.decompress([1, 2, 3, 4, 5])) { XCTAssertEqual($0 as? GzipError, .corrupt) }
        XCTAssertThrowsError(try Gzip.decompress(Array(zeros.prefix(zeros.count / 2)))) {
            XCTAssertEqual($0 as? GzipError, .corrupt)
        }
    }
}

final class InitConnectionTests: XCTestCase {
    func testWrapLayoutAndUnwrap() {
        let query: [UInt8] = [0x6b, 0x18, 0xf9, 0xc4]  // help.getConfig
        let params = InitConnectionParams(apiID: 12345, deviceModel: "tgflow", systemVersion: "Linux",
                                          appVersion: "0.1", systemLangCode: "en", langPack: "", langCode: "en")
        let body = InitConnection.wrap(query, params: params)
        XCTAssertEqual(Array(body.prefix(4)), [0x0d, 0x0d, 0x9b, 0xda])          // invokeWithLayer
        XCTAssertEqual(Array(body[4..<8]), [229, 0, 0, 0])
        XCTAssertEqual(Array(body[8..<12]), [0xa9, 0x5e, 0xcd, 0xc1])            // initConnection
        XCTAssertEqual(Array(body[12..<16]), [0, 0, 0, 0])                       // flags
        XCTAssertEqual(Array(body.suffix(4)), query)
        let unwrapped = InitConnection.unwrap(body)
        XCTAssertEqual(unwrapped.layer, 229)
        XCTAssertEqual(unwrapped.params, params)
        XCTAssertEqual(unwrapped.query, query)

        var withProxy = params
        withProxy.proxy = ("proxy.example", 443)
        let proxied = InitConnection.unwrap(InitConnection.wrap(query, params: withProxy))
        XCTAssertEqual(proxied.params, withProxy)
        XCTAssertEqual(proxied.query, query)
        XCTAssertEqual(InitConnection.unwrap(query).query, query)
    }

    func testUnwrapSkipsParamsJSON() {
        // initConnection with flags.1 params = jsonObject([{"tz_offset": 3600.0}, {"x": [null, true]}]).
        var w = WireWriter()
        w.uint32(Wire.initConnection); w.int32(2); w.int32(7)
        for text in ["dev", "sys", "app", "en", "", "en"] { w.tlString(text) }
        w.uint32(0x99c1d49d); w.uint32(Wire.vector); w.int32(2)
        w.uint32(0xc0de1bd9); w.tlString("tz_offset"); w.uint32(0x2be0dfa4); w.int64(Int64(bitPattern: 3600.0.bitPattern))
        w.uint32(0xc0de1bd9); w.tlString("x")
        w.uint32(0xf7444763); w.uint32(Wire.vector); w.int32(2); w.uint32(0x3f6d7b68); w.uint32(0xc7345e6a); w.uint32(Wire.boolTrue)
        w.raw(getConfig)
        let unwrapped = InitConnection.unwrap(w.bytes)
        XCTAssertEqual(unwrapped.params?.apiID, 7)
        XCTAssertEqual(unwrapped.query, getConfig)
        // A hostile, deeply nested params value is refused, not recursed into.
        var deep = WireWriter()
        deep.uint32(Wire.initConnection); deep.int32(2); deep.int32(7)
        for text in ["dev", "sys", "app", "en", "", "en"] { deep.tlString(text) }
        for _ in 0..<1000 { deep.uint32(0xf7444763); deep.uint32(Wire.vector); deep.int32(1) }
        XCTAssertNil(InitConnection.unwrap(deep.bytes).params)
    }
}
