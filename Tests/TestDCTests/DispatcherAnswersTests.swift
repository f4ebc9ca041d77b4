import Foundation
import TL
import XCTest
@testable import TestDC

/// `help.getConfig` is encoded once per second per data centre and answered from its
/// constructor id after that; what must still reach the handler still does.
final class DispatcherAnswersTests: XCTestCase {
    let getConfig: [UInt8] = [0x6b, 0x18, 0xf9, 0xc4]

    func dispatcher(_ edit: (inout TestDCConfig) -> Void = { _ in }) throws -> APIDispatcher {
        var config = TestDCConfig()
        edit(&config)
        let world = try World(config: config, dcCount: 2)
        return APIDispatcher(world: world, dcs: (1...2).map { DCAddress(id: $0, host: "127.0.0.1", port: 40000 + $0) })
    }

    func answer(_ d: APIDispatcher, _ body: [UInt8], dc: Int = 1, now: Int) throws -> TLObject {
        var info = ConnectionInfo()
        return try answer(d, body, dc: dc, now: now, on: &info)
    }

    /// On one connection, whose last answer is reused without the shared cache.
    func answer(_ d: APIDispatcher, _ body: [UInt8], dc: Int = 1, now: Int, on info: inout ConnectionInfo) throws -> TLObject {
        let outcome = d.dispatch(body, dcID: dc, authKeyID: 1, connection: &info, now: now)
        XCTAssertEqual(outcome.method, "help.getConfig")
        let bytes = try outcome.reply.get()
        return try TLSchema.shared.decode(bytes)
    }

    func testTheAnswerFollowsTheSecondAndTheDataCentre() throws {
        let d = try dispatcher()
        let first = try answer(d, getConfig, now: 1_000)
        let again = try answer(d, getConfig, now: 1_000)
        XCTAssertEqual(first["date"]?.int32, 1_000)
        XCTAssertEqual(again["date"]?.int32, 1_000)
        XCTAssertEqual(try answer(d, getConfig, now: 1_001)["date"]?.int32, 1_001)
        XCTAssertEqual(try answer(d, getConfig, dc: 2, now: 1_001)["this_dc"]?.int32, 2)
        XCTAssertEqual(try answer(d, getConfig, dc: 1, now: 1_001)["this_dc"]?.int32, 1)
    }

    func testOneConnectionGetsTheAnswerOfEachSecondAndDataCentre() throws {
        let d = try dispatcher()
        var info = ConnectionInfo()
        for (now, dc) in [(2_000, 1), (2_000, 1), (2_001, 1), (2_001, 2), (2_001, 1), (2_002, 2)] {
            let config = try answer(d, getConfig, dc: dc, now: now, on: &info)
            XCTAssertEqual(config["date"]?.int32, Int32(now), "second \(now), dc \(dc)")
            XCTAssertEqual(config["this_dc"]?.int32, Int32(dc), "second \(now), dc \(dc)")
        }
    }

    func testInjectedErrorsAreStillAnsweredForARepeatedCall() throws {
        let d = try dispatcher { $0.faults.errors = [.init(method: "help.getConfig", error: "FLOOD_WAIT_3", times: 1)] }
        var info = ConnectionInfo()
        guard case .failure(let e) = d.dispatch(getConfig, dcID: 1, authKeyID: 1, connection: &info, now: 5).reply else { return XCTFail() }
        XCTAssertEqual(e.message, "FLOOD_WAIT_3")
        XCTAssertEqual(try answer(d, getConfig, now: 5)["date"]?.int32, 5)
    }

    func testABodyWithMoreThanTheConstructorIsDecodedAndRefused() throws {
        let d = try dispatcher()
        _ = try answer(d, getConfig, now: 9)
        var info = ConnectionInfo()
        let outcome = d.dispatch(getConfig + [0, 0, 0, 0], dcID: 1, authKeyID: 1, connection: &info, now: 9)
        guard case .failure = outcome.reply else { return XCTFail("trailing bytes answered from the cache") }
    }
}
