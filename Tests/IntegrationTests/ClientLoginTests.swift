import Foundation
import MTNetwork
import SessionStore
import TGClient
import TL

import XCTest

/// Telethon's "Creating a Client" flows, with TelegramClient against an
/// in-process test server.
final class ClientLoginTests: XCTestCase {
    func testConnectSendCodeSignInAndGetMe() async throws {
        let dc = try ClientTestServer(test: self)
        let session = MemorySession()
        let client = dc.client(session: session)
        try await client.connect()
        let authorizedBefore = try await client.isUserAuthorized()
        XCTAssertFalse(authorizedBefore)

        let sent = try await client.sendCodeRequest(phone: "+999 662 1001")
        XCTAssertEqual(sent.length, 5)
        XCTAssertEqual(try session.pendingLogin()?.phone, "9996621001")
        XCTAssertEqual(try session.pendingLogin()?.phoneCodeHash, sent.phoneCodeHash)

        do {
            try await client.signIn(code: "22222")
            XCTFail("a new number must need sign-up")
        } catch TelegramError.phoneNumberUnoccupied {}
        let user = try await client.signUp(firstName: "Ada", lastName: "Lovelace")
        XCTAssertEqual(user.firstName, "Ada")
        XCTAssertNil(try session.pendingLogin(), "the pending login is cleared")
        XCTAssertEqual(try session.selfUserID(), user.id)

        let authorized = try await client.isUserAuthorized()
        XCTAssertTrue(authorized)
        let me = try await client.getMe()
        XCTAssertEqual(me?.id, user.id)
        XCTAssertEqual(me?.phone, "9996621001")
        await client.disconnect()

        // A second client on the same session is logged in without a code.
        let again = dc.client(session: session)
        let meAgain = try await again.getMe()
        XCTAssertEqual(meAgain?.id, user.id)

        // Signing in (not up) a second device with the now-registered number.
        let other = dc.client()
        try await other.connect()
        _ = try await other.sendCodeRequest(phone: "9996621001")
        let codes = dc.loggedCodes().filter { $0["phone"] == "9996621001" }
        XCTAssertEqual(codes.last?["code"], "22222")
        let signedIn = try await other.signIn(phone: "9996621001", code: "22222")
        XCTAssertEqual(signedIn.id, user.id)
    }

    func testWrongCodeIsTypedWithAHint() async throws {
        let dc = try ClientTestServer(test: self)
        let client = dc.client()
        _ = try await client.sendCodeRequest(phone: "9996621002")
        do {
            try await client.signIn(code: "12345")
            XCTFail("expected PHONE_CODE_INVALID")
        } catch let error as TelegramError {
            XCTAssertEqual(error, .phoneCodeInvalid)
            XCTAssertEqual(error.code, 400)
            XCTAssertTrue(error.description.contains("PHONE_CODE_INVALID"))
            XCTAssertFalse(error.hint.isEmpty)
        }
        XCTAssertNotNil(try client.pendingLogin(), "a wrong code keeps the pending login")
    }

    func testPhoneMigrateMovesTheHomeDataCentreWithItsOwnKey() async throws {
        let dc = try ClientTestServer(test: self)
        let session = MemorySession()
        let client = dc.client(session: session)
        try await client.connect()
        XCTAssertEqual(try session.home()?.id, 2)
        let keyOnDC2 = try session.authKey(dc: 2)
        XCTAssertNotNil(keyOnDC2)

        _ = try await client.sendCodeRequest(phone: "9996631003")   // lives on DC 3
        XCTAssertEqual(try session.home()?.id, 3)
        XCTAssertEqual(try session.home()?.port, dc.port(ofDC: 3))
        let keyOnDC3 = try session.authKey(dc: 3)
        XCTAssertNotNil(keyOnDC3)
        XCTAssertNotEqual(keyOnDC3, keyOnDC2)
        XCTAssertEqual(try session.authKey(dc: 2), keyOnDC2, "the old DC's key is kept")
        do { try await client.signIn(code: "33333") } catch TelegramError.phoneNumberUnoccupied {
            try await client.signUp(firstName: "Three")
        }
        let authorized = try await client.isUserAuthorized()
        XCTAssertTrue(authorized)
        XCTAssertFalse(try session.dcList().isEmpty, "help.getConfig filled the DC list")
    }

    func testTwoFactorSignIn() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"accounts": [{"phone": "9996621010", "first_name": "Pat", "password": "correct horse", "hint": "horse"}]}
            """)
        let client = dc.client()
        _ = try await client.sendCodeRequest(phone: "9996621010")
        do {
            try await client.signIn(code: "22222")
            XCTFail("expected SESSION_PASSWORD_NEEDED")
        } catch TelegramError.sessionPasswordNeeded {}
        let info = try await client.passwordInfo()
        XCTAssertTrue(info.hasPassword)
        XCTAssertEqual(info.hint, "horse")
        do {
            try await client.signIn(password: "wrong")
            XCTFail("expected PASSWORD_HASH_INVALID")
        } catch TelegramError.passwordHashInvalid {}
        let user = try await client.signIn(password: "correct horse")
        XCTAssertEqual(user.firstName, "Pat")
        let authorized = try await client.isUserAuthorized()
        XCTAssertTrue(authorized)
    }

    func testStartOrchestratesCodePasswordAndSignUp() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"accounts": [{"phone": "9996621020", "first_name": "Sam", "password": "pw1"}]}
            """)
        let asked = AskLog()
        let client = dc.client()
        let user = try await client.start(
            phone: { asked.add("phone"); return "+9996621020" },
            code: { asked.add("code"); return asked.count("code") == 1 ? "00000" : "22222" },
            password: { asked.add("password"); return "pw1" })
        XCTAssertEqual(user.firstName, "Sam")
        XCTAssertEqual(asked.all, ["phone", "code", "code", "password"], "a wrong code is asked again")

        // Already logged in: start() asks nothing.
        let again = try await client.start(phone: { asked.add("phone2"); return "" }, code: { "" })
        XCTAssertEqual(again.id, user.id)
        XCTAssertFalse(asked.all.contains("phone2"))

        // A new number: start() signs up with the given name.
        let fresh = dc.client()
        let created = try await fresh.start(phone: { "9996621021" }, code: { "22222" }, firstName: "New", lastName: "Person")
        XCTAssertEqual(created.lastName, "Person")
    }

    func testBotLogin() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"bots": [{"token": "123456:ABC-test-token", "first_name": "Helper", "username": "helper_bot"}]}
            """)
        let client = dc.client()
        let bot = try await client.signIn(botToken: "123456:ABC-test-token")
        XCTAssertTrue(bot.isBot)
        XCTAssertEqual(bot.username, "helper_bot")
        do {
            try await dc.client().signIn(botToken: "999:wrong")
            XCTFail("expected ACCESS_TOKEN_INVALID")
        } catch TelegramError.botTokenInvalid {}
    }

    func testQRLoginAcceptedFromASecondLoggedInSession() async throws {
        let dc = try ClientTestServer(test: self)
        let phone = try await dc.loggedInClient(phone: "9996621030", firstName: "Quinn")
        let me = try await phone.getMe()
        let desktop = dc.client()
        let user = try await desktop.qrLogin(timeout: .seconds(30), pollInterval: .milliseconds(100)) { token in
            XCTAssertTrue(token.url.hasPrefix("tg://login?token="))
            let bytes = try XCTUnwrap(TelegramClient.loginToken(fromURL: token.url))
            XCTAssertEqual(bytes, token.token)
            try await phone.acceptLoginToken(bytes)
        }
        XCTAssertEqual(user.id, me?.id)
        let authorized = try await desktop.isUserAuthorized()
        XCTAssertTrue(authorized)
    }

    func testLogOutForgetsTheAuthorization() async throws {
        let dc = try ClientTestServer(test: self)
        let session = MemorySession()
        let client = try await dc.loggedInClient(phone: "9996621040", session: session)
        try await client.logOut()
        XCTAssertNil(try session.homeAuthKey())
        XCTAssertNil(try session.selfUserID())
        let fresh = dc.client(session: session)
        let authorized = try await fresh.isUserAuthorized()
        XCTAssertFalse(authorized)
    }

    func testInvokeAnyMethodByNameAndEntityCache() async throws {
        let dc = try ClientTestServer(test: self)
        let session = MemorySession()
        let client = try await dc.loggedInClient(phone: "9996621050", session: session, firstName: "Eve")
        let users = try await client.invoke(method: "users.getUsers", params: .object(TLObject(name: "", fields: [
            "id": .vector([.object(TLObject(name: "inputUserSelf"))]),
        ])))
        XCTAssertEqual(users.vector?.first?["first_name"]?.stringValue, "Eve")
        let selfID = try XCTUnwrap(session.selfUserID())
        XCTAssertNotNil(try session.entity(id: selfID), "the user from the result is cached")
        XCTAssertNotNil(try session.entity(phone: "+9996621050"))
        let me = try await client.resolvePeer("me")
        XCTAssertEqual(me.name, "inputPeerSelf")
        let byPhone = try await client.resolvePeer("+9996621050")
        XCTAssertEqual(byPhone["user_id"]?.int64, selfID)
        do {
            _ = try await client.invoke(method: "users.getUserz")
            XCTFail("expected an unknown method error")
        } catch let ClientError.unknownMethod(name, suggestions) {
            XCTAssertEqual(name, "users.getUserz")
            XCTAssertTrue(suggestions.contains("users.getUsers"))
        }
        _ = try await client.sendMessage(to: "me", text: "hello from tgflow")
        let history = try await client.getHistory(of: "me", limit: 5)
        let texts = history["messages"]?.vector?.compactMap { $0["message"]?.stringValue } ?? []
        XCTAssertTrue(texts.contains("hello from tgflow"))
    }
}

final class AskLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    func count(_ s: String) -> Int { lock.withLock { items.filter { $0 == s }.count } }
    var all: [String] { lock.withLock { items } }
}
