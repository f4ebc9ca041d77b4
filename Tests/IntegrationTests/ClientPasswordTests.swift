import Foundation
import TGClient
import XCTest

/// `edit2FA` in every case of Telethon's guide, and recovery by email.
final class ClientPasswordTests: XCTestCase {
    func testSetChangeHintOnlyAndRemove() async throws {
        let dc = try ClientTestServer(test: self)
        let phone = "9996621100"
        let client = try await dc.loggedInClient(phone: phone)
        var info = try await client.passwordInfo()
        XCTAssertFalse(info.hasPassword)

        // First time: no current password.
        let setFirst = try await client.edit2FA(newPassword: "first pass", hint: "one")
        XCTAssertTrue(setFirst)
        info = try await client.passwordInfo()
        XCTAssertTrue(info.hasPassword)
        XCTAssertEqual(info.hint, "one")
        try await assertPasswordLogin(dc, phone: phone, password: "first pass")

        // Change needs the current password.
        do {
            try await client.edit2FA(newPassword: "second pass")
            XCTFail("a change without the current password must be refused")
        } catch ClientError.currentPasswordRequired {}
        do {
            try await client.edit2FA(currentPassword: "not it", newPassword: "second pass")
            XCTFail("a wrong current password must be refused")
        } catch TelegramError.passwordHashInvalid {}
        try await client.edit2FA(currentPassword: "first pass", newPassword: "second pass", hint: "two")
        try await assertPasswordLogin(dc, phone: phone, password: "second pass")

        // Hint only: the same password is set again with the new hint.
        try await client.edit2FA(currentPassword: "second pass", newPassword: "second pass", hint: "still two")
        info = try await client.passwordInfo()
        XCTAssertEqual(info.hint, "still two")
        try await assertPasswordLogin(dc, phone: phone, password: "second pass")

        // Remove: current password, no new one.
        try await client.edit2FA(currentPassword: "second pass")
        info = try await client.passwordInfo()
        XCTAssertFalse(info.hasPassword)

        // Nothing to do.
        let nothing = try await client.edit2FA()
        XCTAssertFalse(nothing)
    }

    func testSetWithRecoveryEmailAndRecoverByEmail() async throws {
        let dc = try ClientTestServer(test: self)
        let phone = "9996621101"
        let client = try await dc.loggedInClient(phone: phone)
        do {
            try await client.edit2FA(newPassword: "pw", email: "me@example.com")
            XCTFail("an email without a code provider must be refused")
        } catch ClientError.invalidParameters {}

        let asked = AskLog()
        try await client.edit2FA(newPassword: "pw", hint: "h", email: "me@example.com", emailCode: { length in
            asked.add("\(length)")
            return dc.loggedCodes(method: "email").last?["code"] ?? ""
        })
        XCTAssertEqual(asked.all, ["6"], "the code length from EMAIL_UNCONFIRMED_6 is passed on")
        let info = try await client.passwordInfo()
        XCTAssertTrue(info.hasPassword)
        XCTAssertTrue(info.hasRecovery)

        // A new device that forgot the password recovers with the emailed code.
        let device = dc.client()
        _ = try await device.sendCodeRequest(phone: phone)
        do { try await device.signIn(code: "22222"); XCTFail("expected 2FA") } catch TelegramError.sessionPasswordNeeded {}
        let pattern = try await device.requestPasswordRecovery()
        XCTAssertTrue(pattern.contains("@"))
        XCTAssertFalse(pattern.contains("me@example.com"), "Telegram masks the address")
        let code = try XCTUnwrap(dc.loggedCodes(method: "recovery").last?["code"])
        let user = try await device.recoverPassword(code: code, newPassword: "new pw", hint: "new")
        XCTAssertNotNil(user.id)
        try await assertPasswordLogin(dc, phone: phone, password: "new pw")
    }

    /// A fresh device needs `password` after the code.
    func assertPasswordLogin(_ dc: ClientTestServer, phone: String, password: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let device = dc.client()
        _ = try await device.sendCodeRequest(phone: phone)
        do {
            try await device.signIn(code: ClientTestServer.testCode(phone))
            XCTFail("expected SESSION_PASSWORD_NEEDED", file: file, line: line)
        } catch TelegramError.sessionPasswordNeeded {}
        try await device.signIn(password: password)
        let authorized = try await device.isUserAuthorized()
        XCTAssertTrue(authorized, file: file, line: line)
    }
}
