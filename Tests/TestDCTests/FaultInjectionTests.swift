import Foundation
import MTCrypto
import MTProto
import TL
import XCTest
@testable import TestDC

/// The config's faults, deterministic, seen through our own client core.
final class FaultInjectionTests: XCTestCase {
    func makeContext(_ edit: (inout TestDCConfig.Faults) -> Void, salts: SaltSchedule = SaltSchedule(rotateEvery: nil, now: 0)) throws -> DCContext {
        var config = TestDCConfig()
        edit(&config.faults)
        let world = try World(config: config, dcCount: 3)
        let dcs = (1...3).map { DCAddress(id: $0, host: "127.0.0.1", port: 40000 + $0) }
        return DCContext(dcID: 1, world: world, dispatcher: APIDispatcher(world: world, dcs: dcs), privateKey: DCConnectionTests.key, salts: salts)
    }

    func testDropAtMethodClosesWithoutAnswering() throws {
        var client = LoopbackClient(context: try makeContext { $0.dropAtMethod = "help.getNearestDc" })
        try client.createKey()
        XCTAssertNoThrow(try client.call(TLObject(name: "help.getConfig")).get())
        XCTAssertThrowsError(try client.call(TLObject(name: "help.getNearestDc")))
        XCTAssertEqual(client.otherActions, [.close])
    }

    func testCloseMidFrameHandsBackTheAnswerToCut() throws {
        var client = LoopbackClient(context: try makeContext { $0.closeMidFrameAtMethod = "help.getNearestDc" })
        try client.createKey()
        _ = try client.call(TLObject(name: "help.getConfig"))
        XCTAssertThrowsError(try client.call(TLObject(name: "help.getNearestDc")))
        guard case .sendHalfAndClose(let packet)? = client.otherActions.first else { return XCTFail("\(client.otherActions)") }
        XCTAssertGreaterThan(packet.count, 24)
    }

    func testDelayComesBeforeTheAnswer() throws {
        var client = LoopbackClient(context: try makeContext { $0.delayMilliseconds = 250 })
        try client.createKey()
        _ = try client.call(TLObject(name: "help.getConfig"))  // settles the salt
        var connection = client.connection
        var session = client.session!
        _ = session.enqueue(try TLSchema.shared.encode(TLObject(name: "help.getNearestDc")))
        let actions = connection.handle(session.nextPacket(now: Date())!)
        XCTAssertEqual(actions.first, .delay(milliseconds: 250))
        XCTAssertTrue(actions.dropFirst().contains { if case .send = $0 { return true } else { return false } })
    }

    func testRotatedSaltIsLearnedFromBadServerSalt() throws {
        let salts = SaltSchedule(rotateEvery: 1, now: Int(Date().timeIntervalSince1970))
        var client = LoopbackClient(context: try makeContext({ _ in }, salts: salts))
        try client.createKey()
        XCTAssertNoThrow(try client.call(TLObject(name: "help.getNearestDc")).get())
        Thread.sleep(forTimeInterval: 1.1)
        XCTAssertNoThrow(try client.call(TLObject(name: "help.getNearestDc")).get(), "the client resends with the new salt")
    }

    func testSkewedServerClockIsCorrectedByTheClient() throws {
        var client = LoopbackClient(context: try makeContext { $0.clockSkewSeconds = 3600 })
        try client.createKey()
        XCTAssertEqual(try client.call(TLObject(name: "help.getNearestDc")).get()["this_dc"]?.int32, 1)
        XCTAssertGreaterThan(client.session!.clock.timeOffset, 3500)
    }

    func testDropAfterFramesInTheConfig() throws {
        var client = LoopbackClient(context: try makeContext { $0.dropAfterFrames = 4 })
        try client.createKey()
        _ = try? client.call(TLObject(name: "help.getNearestDc"))
        _ = try? client.call(TLObject(name: "help.getNearestDc"))
        XCTAssertEqual(client.otherActions.last, .close)
    }
}
