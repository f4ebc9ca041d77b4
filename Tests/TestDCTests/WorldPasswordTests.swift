import MTCrypto
import XCTest
@testable import TestDC

/// 2FA as the world keeps it: SRP verifiers only, proofs checked with our client-side SRP.
final class WorldPasswordTests: XCTestCase {
    let t0 = 1_800_000_000

    func loggedIn(_ edit: (inout TestDCConfig) -> Void = { _ in }) throws -> (World, Account) {
        var config = TestDCConfig()
        edit(&config)
        let w = try World(config: config, dcCount: 3, now: t0)
        let sent = try w.sendCode(phone: "9996610100", apiID: 1, apiHash: "h", dc: 1, now: t0)
        _ = try w.signIn(phone: "9996610100", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: 1, dc: 1, device: ClientDevice(), now: t0)
        return (w, try w.signUp(phone: "9996610100", phoneCodeHash: sent.phoneCodeHash, firstName: "P", lastName: "", authKeyID: 1, dc: 1, device: ClientDevice(), now: t0))
    }

    /// What a client sends to set `password` after `account.getPassword`.
    func newSettings(_ w: World, _ password: String, hint: String = "", email: String? = nil) throws -> NewPasswordSettings {
        let info = try w.passwordInfo(authKeyID: 1, now: t0)
        let salt1 = info.newSalt1 + SecureRandom.bytes(32)
        let v = try SRP.newVerifier(password: password, salt1: salt1, salt2: info.newSalt2, g: TelegramDH.g, p: TelegramDH.prime)
        return NewPasswordSettings(password: (salt1, info.newSalt2, v, hint), remove: false, email: email)
    }

    func proof(_ w: World, _ password: String, key: Int64 = 1) throws -> PasswordProof {
        let info = try w.passwordInfo(authKeyID: key, now: t0)
        let c = try XCTUnwrap(info.current)
        let check = try SRP.check(password: password, salt1: c.salt1, salt2: c.salt2, g: TelegramDH.g, p: TelegramDH.prime, srpB: c.srpB)
        return .srp(id: c.srpID, A: check.A, M1: check.M1)
    }

    func testSetChangeRemoveAndTheVerifierIsAllThatIsStored() throws {
        let (w, me) = try loggedIn()
        try w.updatePasswordSettings(.empty, try newSettings(w, "hunter2", hint: "h1"), authKeyID: 1, now: t0)
        let stored = try XCTUnwrap(w.account(id: me.userID)?.password)
        XCTAssertEqual(stored.verifier.count, 256)
        XCTAssertEqual(stored.hint, "h1")
        XCTAssertFalse(String(describing: stored).contains("hunter2"))

        XCTAssertThrowsError(try w.updatePasswordSettings(.empty, try newSettings(w, "x"), authKeyID: 1, now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .passwordHashInvalid)
        }
        try w.updatePasswordSettings(try proof(w, "hunter2"), try newSettings(w, "hunter3"), authKeyID: 1, now: t0)
        XCTAssertThrowsError(try w.updatePasswordSettings(try proof(w, "hunter2"), NewPasswordSettings(password: nil, remove: true, email: nil), authKeyID: 1, now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .passwordHashInvalid)
        }
        try w.updatePasswordSettings(try proof(w, "hunter3"), NewPasswordSettings(password: nil, remove: true, email: nil), authKeyID: 1, now: t0)
        XCTAssertNil(w.account(id: me.userID)?.password)
    }

    func testLoginNeedsThePasswordAndWrongOnesLeadToFloodWait() throws {
        let (w, _) = try loggedIn { $0.limits.passwordAttempts = 2 }
        try w.updatePasswordSettings(.empty, try newSettings(w, "pw"), authKeyID: 1, now: t0)
        let sent = try w.sendCode(phone: "9996610100", apiID: 1, apiHash: "h", dc: 1, now: t0)
        XCTAssertThrowsError(try w.signIn(phone: "9996610100", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .sessionPasswordNeeded)
        }
        XCTAssertThrowsError(try w.requireUser(authKeyID: 2), "password pending is not logged in")
        for _ in 0..<2 {
            XCTAssertThrowsError(try w.checkPassword(try proof(w, "wrong", key: 2), authKeyID: 2, now: t0)) {
                XCTAssertEqual($0 as? RPCFailure, .passwordHashInvalid)
            }
        }
        XCTAssertThrowsError(try w.checkPassword(try proof(w, "pw", key: 2), authKeyID: 2, now: t0)) {
            guard case .floodWait? = $0 as? RPCFailure else { return XCTFail("\($0)") }
        }
        XCTAssertNoThrow(try w.checkPassword(try proof(w, "pw", key: 2), authKeyID: 2, now: t0 + 3600))
        XCTAssertNoThrow(try w.requireUser(authKeyID: 2))
    }

    func testSRPChallengesAreSingleUse() throws {
        let (w, _) = try loggedIn()
        try w.updatePasswordSettings(.empty, try newSettings(w, "pw"), authKeyID: 1, now: t0)
        let p = try proof(w, "pw")
        XCTAssertNoThrow(try w.passwordSettings(p, authKeyID: 1, now: t0))
        XCTAssertThrowsError(try w.passwordSettings(p, authKeyID: 1, now: t0)) { XCTAssertEqual($0 as? RPCFailure, .srpIDInvalid) }
    }

    func testRecoveryEmailMustBeConfirmedThenAllowsRecovery() throws {
        let path = NSTemporaryDirectory() + "codes-\(UUID()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = TestDCConfig()
        config.limits = .init()
        let w = try World(config: config, dcCount: 3, codeLog: CodeLog(path: path), now: t0)
        let sent = try w.sendCode(phone: "9996610101", apiID: 1, apiHash: "h", dc: 1, now: t0)
        _ = try w.signIn(phone: "9996610101", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: 1, dc: 1, device: ClientDevice(), now: t0)
        let me = try w.signUp(phone: "9996610101", phoneCodeHash: sent.phoneCodeHash, firstName: "E", lastName: "", authKeyID: 1, dc: 1, device: ClientDevice(), now: t0)

        XCTAssertThrowsError(try w.updatePasswordSettings(.empty, try newSettings(w, "pw", email: "me@example.com"), authKeyID: 1, now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .emailUnconfirmed(codeLength: 6))
        }
        XCTAssertNil(w.account(id: me.userID)?.password, "the password waits for the email")
        XCTAssertEqual(try w.passwordInfo(authKeyID: 1, now: t0).emailUnconfirmedPattern, "m***@example.com")
        XCTAssertThrowsError(try w.confirmPasswordEmail(code: "000000x", authKeyID: 1)) { XCTAssertEqual($0 as? RPCFailure, .codeInvalid) }
        let code = try lastCode(path, method: "email")
        try w.confirmPasswordEmail(code: code, authKeyID: 1)
        XCTAssertEqual(w.account(id: me.userID)?.password?.email, "me@example.com")
        XCTAssertTrue(try w.passwordInfo(authKeyID: 1, now: t0).hasRecovery)

        // A new device that forgot the password recovers it by email.
        let again = try w.sendCode(phone: "9996610101", apiID: 1, apiHash: "h", dc: 1, now: t0)
        XCTAssertThrowsError(try w.signIn(phone: "9996610101", phoneCodeHash: again.phoneCodeHash, code: "11111", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0))
        XCTAssertEqual(try w.requestPasswordRecovery(authKeyID: 2, now: t0), "m***@example.com")
        XCTAssertEqual(try w.recoverPassword(code: try lastCode(path, method: "recovery"), newSettings: nil, authKeyID: 2, now: t0).userID, me.userID)
        XCTAssertNil(w.account(id: me.userID)?.password)
        XCTAssertNoThrow(try w.requireUser(authKeyID: 2))
    }

    func lastCode(_ path: String, method: String) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        for line in lines.reversed() {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
            if o["method"] == method { return o["code"]! }
        }
        throw NSError(domain: "no \(method) code", code: 1)
    }
}

/// Secrets held by the world never print.
final class RedactionTests: XCTestCase {
    func testCodesVerifiersTokensAndHashesDoNotPrint() throws {
        let code = LoginCode(phone: "9996610001", phoneCodeHash: "h", code: "13579", issuedAt: 0, expiresAt: 1, attempts: 0, verified: false)
        let pw = PasswordState(salt1: [1], salt2: [2], verifier: [0xAB, 0xCD, 0xEF], hint: "", email: nil)
        let pending = PendingPasswordEmail(password: pw, email: "a@b.c", code: "246802", sentAt: 0)
        let bot = TestDCConfig.Bot(token: "555:SECRETTOKEN", firstName: "B", username: "b_bot", dc: 1)
        let app = TestDCConfig.App(apiID: 1, apiHash: "HASHSECRET")
        var printed = ""
        for value in [code, pw, pending, bot, app] as [Any] {
            printed += "\(value) \(String(reflecting: value)) "
            dump(value, to: &printed)
        }
        for secret in ["13579", "246802", "SECRETTOKEN", "HASHSECRET", "171", "205", "239"] {
            XCTAssertFalse(printed.contains(secret), "\(secret) printed: \(printed)")
        }
    }
}
