import Foundation
import TL
import XCTest
@testable import TGClient

final class ModelTests: XCTestCase {
    func testSentCodeNamesTheDeliveryAndNextType() throws {
        let sent = try SentCode(TLObject(name: "auth.sentCode", fields: [
            "type": .object(TLObject(name: "auth.sentCodeTypeSms", fields: ["length": .int(5)])),
            "phone_code_hash": .string("abc"),
            "next_type": .object(TLObject(name: "auth.codeTypeCall")),
            "timeout": .int(60),
        ]))
        XCTAssertEqual(sent.type, "sms")
        XCTAssertEqual(sent.length, 5)
        XCTAssertEqual(sent.nextType, "call")
        XCTAssertEqual(sent.timeout, 60)
        XCTAssertEqual(sent.phoneCodeHash, "abc")
        XCTAssertThrowsError(try SentCode(TLObject(name: "auth.sentCodeSuccess")))
    }

    func testUserReadsOnlyUserObjects() {
        XCTAssertNil(User(TLObject(name: "userEmpty", fields: ["id": .long(1)])))
        let user = User(TLObject(name: "user", fields: ["id": .long(5), "first_name": .string("A"), "last_name": .string("B"), "bot": .bool(true)]))
        XCTAssertEqual(user?.displayName, "A B")
        XCTAssertEqual(user?.isBot, true)
    }

    func testLoginTokenURLRoundTrip() {
        let token = LoginToken(token: [0xfb, 0xff, 0x00, 0x10, 0x3e], expires: Date())
        XCTAssertTrue(token.url.hasPrefix("tg://login?token="))
        XCTAssertFalse(token.url.dropFirst("tg://login?token=".count).contains("="))
        XCTAssertFalse(token.url.contains("+"))
        XCTAssertEqual(TelegramClient.loginToken(fromURL: token.url), token.token)
    }

    func testTestDCInfoFile() throws {
        let json = """
            {"dcs":[{"id":1,"host":"127.0.0.1","port":1001},{"id":2,"host":"127.0.0.1","port":1002}],
             "rsa_public_key":"-----BEGIN RSA PUBLIC KEY-----\\nX\\n-----END RSA PUBLIC KEY-----","fingerprint":"1"}
            """
        let info = try TestDCInfo(json: Data(json.utf8))
        XCTAssertEqual(info.dataCenters.map(\.port), [1001, 1002])
        for bad in ["{}", "[]", "not json", #"{"dcs":[],"rsa_public_key":"x"}"#, #"{"dcs":[{"id":1,"host":"h","port":70000}],"rsa_public_key":"x"}"#] {
            XCTAssertThrowsError(try TestDCInfo(json: Data(bad.utf8)), bad) { error in
                guard case ClientError.badServerConfiguration? = error as? ClientError else { return XCTFail("\(error)") }
            }
        }
    }

    func testBuiltInServersHaveKeysAndAddresses() throws {
        let production = try TelegramServer.production.resolve()
        XCTAssertEqual(production.homeDC, 2)
        XCTAssertEqual(production.dataCenters.count, 5)
        XCTAssertEqual(production.rsaKeys.count, 8)
        XCTAssertEqual(try TelegramServer.test.resolve().dataCenters.count, 3)
    }

    func testDefaultsMatchTelethon() {
        let config = ClientConfiguration()
        XCTAssertEqual(config.floodSleepThreshold, .seconds(60))
        XCTAssertEqual(config.server, .production)
        XCTAssertFalse(config.device.deviceModel.isEmpty)
        XCTAssertEqual(TelegramClient.normalizedPhone("+1 (555) 010-0000"), "15550100000")
    }

    func testPendingLoginDescriptionHidesTheHash() {
        let pending = PendingLogin(phone: "1", phoneCodeHash: "secret-hash", sentAt: Date())
        XCTAssertFalse("\(pending)".contains("secret-hash"))
    }
}
