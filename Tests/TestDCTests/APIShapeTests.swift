import Foundation
import MTCrypto
import MTProto
import TL
import XCTest
@testable import TestDC

/// Every implemented method answers with a value that encodes as its result type
/// (a missing required field would come back as INTERNAL_TESTDC_ENCODE).
final class APIShapeTests: XCTestCase {
    func obj(_ name: String, _ fields: KeyValuePairs<String, TLValue> = [:]) -> TLValue { .object(TLObject(name, fields)) }

    func loggedIn() throws -> (LoopbackClient, Int64) {
        let world = try World(config: TestDCConfig(), dcCount: 3)
        let dcs = (1...3).map { DCAddress(id: $0, host: "127.0.0.1", port: 40000 + $0) }
        var client = LoopbackClient(context: DCContext(dcID: 1, world: world, dispatcher: APIDispatcher(world: world, dcs: dcs), privateKey: DCConnectionTests.key, salts: SaltSchedule(rotateEvery: nil, now: 0)))
        try client.createKey()
        let phone: TLValue = .string("9996610777")
        let sent = try client.call(TLObject("auth.sendCode", ["phone_number": phone, "api_id": .int(1), "api_hash": .string("h"), "settings": obj("codeSettings")])).get()
        let hash = sent["phone_code_hash"]!
        _ = try client.call(TLObject("auth.signIn", ["phone_number": phone, "phone_code_hash": hash, "phone_code": .string("11111")])).get()
        let auth = try client.call(TLObject("auth.signUp", ["phone_number": phone, "phone_code_hash": hash, "first_name": .string("Shape"), "last_name": .string("Test")])).get()
        return (client, auth["user"]!["id"]!.int64!)
    }

    func testEveryLoggedInMethodEncodes() throws {
        var (client, me) = try loggedIn()
        let selfUser = obj("inputUserSelf")
        let calls: [TLObject] = [
            TLObject("account.updateUsername", ["username": .string("shape_test")]),
            TLObject("account.updateProfile", ["about": .string("about me")]),
            TLObject("contacts.resolveUsername", ["username": .string("shape_test")]),
            TLObject("users.getFullUser", ["id": selfUser]),
            TLObject("users.getUsers", ["id": .vector([selfUser, obj("inputUser", ["user_id": .long(424242), "access_hash": .long(1)])])]),
            TLObject("messages.sendMessage", ["peer": obj("inputPeerSelf"), "message": .string("one"), "random_id": .long(1)]),
            TLObject("messages.sendMessage", ["peer": obj("inputPeerSelf"), "message": .string("two"), "random_id": .long(2)]),
            TLObject("messages.getHistory", ["peer": obj("inputPeerSelf"), "offset_id": .int(0), "offset_date": .int(0), "add_offset": .int(0),
                                             "limit": .int(1), "max_id": .int(0), "min_id": .int(0), "hash": .long(0)]),
            TLObject("messages.getMessages", ["id": .vector([obj("inputMessageID", ["id": .int(1)]), obj("inputMessageID", ["id": .int(99)])])]),
            TLObject(name: "updates.getState"),
            TLObject("updates.getDifference", ["pts": .int(0), "date": .int(0), "qts": .int(0)]),
            TLObject(name: "account.getAuthorizations"),
            TLObject(name: "account.getPassword"),
            TLObject(name: "help.getConfig"),
            TLObject(name: "help.getNearestDc"),
            TLObject("auth.exportAuthorization", ["dc_id": .int(2)]),
            TLObject("auth.exportLoginToken", ["api_id": .int(1), "api_hash": .string("h"), "except_ids": .vector([])]),
        ]
        for call in calls {
            let answer = try client.call(call)
            guard case .success(let value) = answer else { return XCTFail("\(call.name): \(answer)") }
            XCTAssertNotNil(value.object ?? value.vector.map { _ in TLObject(name: "vector") } ?? value.boolValue.map { _ in TLObject(name: "bool") }, call.name)
        }
        let history = try client.call(TLObject("messages.getHistory", ["peer": obj("inputPeerSelf"), "offset_id": .int(0), "offset_date": .int(0), "add_offset": .int(0),
                                                                       "limit": .int(1), "max_id": .int(0), "min_id": .int(0), "hash": .long(0)])).get()
        XCTAssertEqual(history.object?.name, "messages.messagesSlice")
        XCTAssertEqual(history["count"]?.int32, 2)
        XCTAssertEqual(history["messages"]?.vector?.first?["message"]?.stringValue, "two")
        let full = try client.call(TLObject("users.getFullUser", ["id": selfUser])).get()
        XCTAssertEqual(full["full_user"]?["about"]?.stringValue, "about me")
        XCTAssertEqual(full["users"]?.vector?.first?["username"]?.stringValue, "shape_test")
        XCTAssertEqual(full["users"]?.vector?.first?["id"]?.int64, me)
        guard case .success = try client.call(TLObject(name: "auth.logOut")) else { return XCTFail("logOut") }
        guard case .failure(let e) = try client.call(TLObject(name: "updates.getState")) else { return XCTFail("still logged in") }
        XCTAssertEqual(e.message, "AUTH_KEY_UNREGISTERED")
    }

    func testEmailConfirmationErrorsAndRecoveryNeedAnEmail() throws {
        var (client, _) = try loggedIn()
        for (call, expected) in [
            (TLObject("account.confirmPasswordEmail", ["code": .string("123")]), "EMAIL_HASH_EXPIRED"),
            (TLObject(name: "account.resendPasswordEmail"), "EMAIL_HASH_EXPIRED"),
            (TLObject(name: "account.cancelPasswordEmail"), "EMAIL_HASH_EXPIRED"),
            (TLObject(name: "auth.requestPasswordRecovery"), "PASSWORD_RECOVERY_NA"),
            (TLObject("auth.recoverPassword", ["code": .string("1")]), "PASSWORD_RECOVERY_NA"),
            (TLObject("auth.importLoginToken", ["token": .bytes([1, 2, 3])]), "AUTH_TOKEN_INVALID"),
            (TLObject("auth.importAuthorization", ["id": .long(1), "bytes": .bytes([1])]), "AUTH_BYTES_INVALID"),
            (TLObject("account.resetAuthorization", ["hash": .long(12345)]), "HASH_INVALID"),
            (TLObject("auth.cancelCode", ["phone_number": .string("9996610777"), "phone_code_hash": .string("nope")]), "PHONE_CODE_HASH_EMPTY"),
        ] {
            guard case .failure(let e) = try client.call(call) else { XCTFail("\(call.name) succeeded"); continue }
            XCTAssertEqual(e.message, expected, call.name)
        }
        guard case .success(let ok) = try client.call(TLObject(name: "auth.resetAuthorizations")) else { return XCTFail() }
        XCTAssertEqual(ok.boolValue, true)
    }
}
