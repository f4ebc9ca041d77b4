import Foundation
import MTCrypto
import MTProto
import TL
import XCTest
@testable import TestDC

/// The server loop without sockets: our client core ↔ `DCConnection` ↔ dispatcher ↔ world.
final class DCConnectionTests: XCTestCase {
    static let key = try! RSAPrivateKey.generate(bits: 2048)

    func makeContext(dc: Int = 1, _ edit: (inout TestDCConfig) -> Void = { _ in }) throws -> DCContext {
        var config = TestDCConfig()
        edit(&config)
        let world = try World(config: config, dcCount: 3)
        let dcs = (1...3).map { DCAddress(id: $0, host: "127.0.0.1", port: 40000 + $0) }
        return DCContext(dcID: dc, world: world, dispatcher: APIDispatcher(world: world, dcs: dcs), privateKey: Self.key, salts: SaltSchedule(rotateEvery: nil, now: 0))
    }

    func testKeyExchangeThenConfigListsEveryDC() throws {
        var client = LoopbackClient(context: try makeContext())
        try client.createKey()
        let config = try client.call(TLObject(name: "help.getConfig")).get()
        XCTAssertEqual(config["this_dc"]?.int32, 1)
        XCTAssertEqual(config["dc_options"]?.vector?.compactMap { $0["port"]?.int32 }, [40001, 40002, 40003])
    }

    func testLoginWithCodeAndGetMe() throws {
        var client = LoopbackClient(context: try makeContext())
        try client.createKey()
        let notYet = try client.call(TLObject("users.getUsers", ["id": .vector([.object(TLObject(name: "inputUserSelf"))])]))
        XCTAssertEqual(try? notYet.mapError { $0 }.get(), nil)
        if case .failure(let e) = notYet { XCTAssertEqual(e.code, 401); XCTAssertEqual(e.message, "AUTH_KEY_UNREGISTERED") }

        let sent = try client.call(TLObject("auth.sendCode", ["phone_number": .string("9996610042"), "api_id": .int(1), "api_hash": .string("h"), "settings": .object(TLObject(name: "codeSettings"))])).get()
        let hash = try XCTUnwrap(sent["phone_code_hash"]?.stringValue)
        let signIn = try client.call(TLObject("auth.signIn", ["phone_number": .string("9996610042"), "phone_code_hash": .string(hash), "phone_code": .string("11111")])).get()
        XCTAssertEqual(signIn.object?.name, "auth.authorizationSignUpRequired")
        let auth = try client.call(TLObject("auth.signUp", ["phone_number": .string("9996610042"), "phone_code_hash": .string(hash), "first_name": .string("Loop"), "last_name": .string("")])).get()
        let id = try XCTUnwrap(auth["user"]?["id"]?.int64)
        let me = try client.call(TLObject("users.getUsers", ["id": .vector([.object(TLObject(name: "inputUserSelf"))])])).get()
        XCTAssertEqual(me.vector?.first?["id"]?.int64, id)
        XCTAssertEqual(me.vector?.first?["self"]?.boolValue, true)
    }

    func testUnknownMethodIsNamedAsNotImplemented() throws {
        var client = LoopbackClient(context: try makeContext())
        try client.createKey()
        let r = try client.call(TLObject("help.getAppConfig", ["hash": .int(0)]))
        guard case .failure(let e) = r else { return XCTFail("expected an error") }
        XCTAssertTrue(e.message.contains("help.getAppConfig"), e.message)
    }

    func testInjectedErrorIsAnsweredTheChosenNumberOfTimes() throws {
        var client = LoopbackClient(context: try makeContext {
            $0.faults.errors = [.init(method: "help.getNearestDc", error: "FLOOD_WAIT_7", times: 1)]
        })
        try client.createKey()
        guard case .failure(let e) = try client.call(TLObject(name: "help.getNearestDc")) else { return XCTFail() }
        XCTAssertEqual(e.code, 420)
        XCTAssertEqual(e.value, 7)
        XCTAssertEqual(try client.call(TLObject(name: "help.getNearestDc")).get()["this_dc"]?.int32, 1)
    }

    func testPhoneMigrateForANumberHomedElsewhere() throws {
        var client = LoopbackClient(context: try makeContext(dc: 1))
        try client.createKey()
        guard case .failure(let e) = try client.call(TLObject("auth.sendCode", ["phone_number": .string("9996630001"), "api_id": .int(1), "api_hash": .string("h"), "settings": .object(TLObject(name: "codeSettings"))])) else { return XCTFail() }
        XCTAssertEqual(e.code, 303)
        XCTAssertEqual(e.message, "PHONE_MIGRATE_3")
    }

    func testUnknownAuthKeyGetsTransportError404() throws {
        var connection = DCConnection(context: try makeContext())
        let packet = [UInt8](repeating: 0x41, count: 8) + [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(connection.handle(packet), [.transportError(-404)])
    }

    func testGarbageNeverCrashes() throws {
        var connection = DCConnection(context: try makeContext())
        var rng = SystemRandomNumberGenerator()
        for size in [0, 1, 7, 8, 20, 64, 300, 4096] {
            for _ in 0..<20 {
                var packet = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if size >= 8, Bool.random() { for i in 0..<8 { packet[i] = 0 } }
                _ = connection.handle(packet)
            }
        }
        XCTAssertGreaterThan(connection.rejected, 0)
    }

    func testDropAfterFramesCloses() throws {
        var connection = DCConnection(context: try makeContext { $0.faults.dropAfterFrames = 1 })
        _ = connection.handle([UInt8](repeating: 0, count: 40))
        XCTAssertEqual(connection.handle([UInt8](repeating: 0, count: 40)), [.close])
    }
}
