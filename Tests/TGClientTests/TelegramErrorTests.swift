import MTProto
import XCTest
@testable import TGClient

final class TelegramErrorTests: XCTestCase {
    func testFirstClassCasesKeepNameCodeAndParameter() {
        let cases: [(Int, String, TelegramError)] = [
            (401, "SESSION_PASSWORD_NEEDED", .sessionPasswordNeeded),
            (400, "PHONE_NUMBER_UNOCCUPIED", .phoneNumberUnoccupied),
            (400, "PHONE_CODE_INVALID", .phoneCodeInvalid),
            (400, "PHONE_CODE_EXPIRED", .phoneCodeExpired),
            (400, "PASSWORD_HASH_INVALID", .passwordHashInvalid),
            (400, "EMAIL_UNCONFIRMED_6", .emailUnconfirmed(codeLength: 6)),
            (420, "FLOOD_WAIT_79000", .floodWait(seconds: 79000)),
            (401, "AUTH_KEY_UNREGISTERED", .authKeyUnregistered),
            (303, "PHONE_MIGRATE_4", .migrate(dc: 4)),
            (303, "NETWORK_MIGRATE_2", .migrate(dc: 2)),
            (400, "ACCESS_TOKEN_INVALID", .botTokenInvalid),
        ]
        for (code, message, expected) in cases {
            let error = TelegramError(RPCError(code: code, message: message))
            XCTAssertEqual(error, expected, message)
            XCTAssertEqual(error.code, code, message)
            XCTAssertTrue(message.hasPrefix(error.name) || error.name == "MIGRATE", message)
            XCTAssertFalse(error.hint.isEmpty)
            XCTAssertTrue(error.description.contains(error.name))
        }
        XCTAssertEqual(TelegramError(RPCError(code: 420, message: "FLOOD_WAIT_30")).parameter, 30)
        XCTAssertEqual(TelegramError(RPCError(code: 400, message: "EMAIL_UNCONFIRMED_6")).parameter, 6)
    }

    func testOtherErrorsAreKeptAsSent() {
        let error = TelegramError(RPCError(code: 400, message: "CHAT_WRITE_FORBIDDEN"))
        guard case .other(let rpc) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(rpc.name, "CHAT_WRITE_FORBIDDEN")
        XCTAssertEqual(error.code, 400)
        XCTAssertEqual(error.name, "CHAT_WRITE_FORBIDDEN")
        XCTAssertNil(error.parameter)
        XCTAssertTrue(error.description.hasPrefix("400 CHAT_WRITE_FORBIDDEN"))
    }

    func testClientErrorsSuggestClosestMethod() {
        let error = ClientError.unknownMethod("auth.sendCod", suggestions: ["auth.sendCode"])
        XCTAssertTrue(error.description.contains("did you mean auth.sendCode"))
    }
}
