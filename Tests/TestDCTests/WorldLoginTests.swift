import XCTest
@testable import TestDC

/// Telegram's login rules as the world enforces them (no sockets, time passed in).
final class WorldLoginTests: XCTestCase {
    let t0 = 1_800_000_000

    func makeWorld(_ edit: (inout TestDCConfig) -> Void = { _ in }, log: CodeLog? = nil) throws -> World {
        var config = TestDCConfig()
        edit(&config)
        return try World(config: config, dcCount: 3, codeLog: log, now: t0)
    }

    func signUp(_ w: World, phone: String, key: Int64, dc: Int) throws -> Account {
        let sent = try w.sendCode(phone: phone, apiID: 1, apiHash: "h", dc: dc, now: t0)
        XCTAssertEqual(try w.signIn(phone: phone, phoneCodeHash: sent.phoneCodeHash, code: PhoneRules.testCode(of: phone), authKeyID: key, dc: dc, device: ClientDevice(), now: t0), .signUpRequired)
        return try w.signUp(phone: phone, phoneCodeHash: sent.phoneCodeHash, firstName: "Ann", lastName: "Lee", authKeyID: key, dc: dc, device: ClientDevice(), now: t0)
    }

    func testTestNumbersLiveOnTheirDCWithRepeatedDigitCode() throws {
        XCTAssertEqual(PhoneRules.testDC(of: "9996621234"), 2)
        XCTAssertEqual(PhoneRules.testCode(of: "9996621234"), "22222")
        XCTAssertNil(PhoneRules.testDC(of: "15551234567"))
        XCTAssertEqual(PhoneRules.normalize("+999 66-1 0001"), "9996610001")
        XCTAssertNil(PhoneRules.normalize("99966abc"))
        let w = try makeWorld()
        XCTAssertThrowsError(try w.sendCode(phone: "9996621234", apiID: 1, apiHash: "h", dc: 1, now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .phoneMigrate(dc: 2))
        }
        XCTAssertEqual(try w.sendCode(phone: "9996621234", apiID: 1, apiHash: "h", dc: 2, now: t0).length, 5)
        XCTAssertThrowsError(try w.sendCode(phone: "9996671234", apiID: 1, apiHash: "h", dc: 1, now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .phoneNumberInvalid)
        }
    }

    func testEveryCodeIsAppendedToTheCodeLog() throws {
        let path = NSTemporaryDirectory() + "codes-\(UUID()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try makeWorld(log: CodeLog(path: path))
        _ = try w.sendCode(phone: "9996611111", apiID: 1, apiHash: "h", dc: 1, now: t0)
        let other = try w.sendCode(phone: "15550001111", apiID: 1, apiHash: "h", dc: 1, now: t0)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let second = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: String]
        XCTAssertEqual(second["phone"], "15550001111")
        XCTAssertEqual(second["method"], "sms")
        XCTAssertEqual(second["code"]?.count, other.length)
        XCTAssertTrue(lines[0].contains("\"code\":\"11111\""))
    }

    func testSignUpThenSignInAndWrongCodesLeadToFloodWait() throws {
        let w = try makeWorld { $0.limits.codeAttempts = 3 }
        let ann = try signUp(w, phone: "9996610001", key: 1, dc: 1)
        XCTAssertEqual(try w.requireUser(authKeyID: 1).userID, ann.userID)

        let sent = try w.sendCode(phone: "9996610001", apiID: 1, apiHash: "h", dc: 1, now: t0)
        XCTAssertTrue(sent.inApp, "an account with a logged-in session gets the code in-app")
        for _ in 0..<2 {
            XCTAssertThrowsError(try w.signIn(phone: "9996610001", phoneCodeHash: sent.phoneCodeHash, code: "00000", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0)) {
                XCTAssertEqual($0 as? RPCFailure, .phoneCodeInvalid)
            }
        }
        XCTAssertEqual(try w.signIn(phone: "9996610001", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0), .authorized(w.account(id: ann.userID)!))
        // The in-app delivery is a message from 777000 in the account's box.
        let box = try w.history(authKeyID: 1, peer: World.serviceUserID, offsetID: 0, addOffset: 0, limit: 10, maxID: 0, minID: 0)
        XCTAssertTrue(box.messages.first?.text.contains("11111") ?? false)

        let again = try w.sendCode(phone: "9996610001", apiID: 1, apiHash: "h", dc: 1, now: t0 + 1)
        XCTAssertThrowsError(try w.signIn(phone: "9996610001", phoneCodeHash: again.phoneCodeHash, code: "1", authKeyID: 3, dc: 1, device: ClientDevice(), now: t0 + 1)) {
            XCTAssertEqual($0 as? RPCFailure, .phoneCodeInvalid)
        }
        XCTAssertThrowsError(try w.signIn(phone: "9996610001", phoneCodeHash: again.phoneCodeHash, code: "11111", authKeyID: 3, dc: 1, device: ClientDevice(), now: t0 + 2)) {
            guard case .floodWait(let s)? = $0 as? RPCFailure else { return XCTFail("\($0)") }
            XCTAssertGreaterThan(s, 3000)
        }
    }

    func testCodesExpireAndCannotBeReused() throws {
        let w = try makeWorld { $0.limits.codeTTL = 60 }
        _ = try signUp(w, phone: "9996610002", key: 1, dc: 1)
        let sent = try w.sendCode(phone: "9996610002", apiID: 1, apiHash: "h", dc: 1, now: t0)
        XCTAssertThrowsError(try w.signIn(phone: "9996610002", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0 + 61)) {
            XCTAssertEqual($0 as? RPCFailure, .phoneCodeExpired)
        }
        let fresh = try w.sendCode(phone: "9996610002", apiID: 1, apiHash: "h", dc: 1, now: t0 + 62)
        _ = try w.signIn(phone: "9996610002", phoneCodeHash: fresh.phoneCodeHash, code: "11111", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0 + 62)
        XCTAssertThrowsError(try w.signIn(phone: "9996610002", phoneCodeHash: fresh.phoneCodeHash, code: "11111", authKeyID: 3, dc: 1, device: ClientDevice(), now: t0 + 63))
    }

    func testTooManySendCodeGetsFloodWait() throws {
        let w = try makeWorld { $0.limits.sendCodePerWindow = 2; $0.limits.floodWindow = 600 }
        _ = try w.sendCode(phone: "9996610003", apiID: 1, apiHash: "h", dc: 1, now: t0)
        _ = try w.sendCode(phone: "9996610003", apiID: 1, apiHash: "h", dc: 1, now: t0 + 10)
        XCTAssertThrowsError(try w.sendCode(phone: "9996610003", apiID: 1, apiHash: "h", dc: 1, now: t0 + 20)) {
            XCTAssertEqual($0 as? RPCFailure, .floodWait(seconds: 580))
        }
        XCTAssertNoThrow(try w.sendCode(phone: "9996610003", apiID: 1, apiHash: "h", dc: 1, now: t0 + 601))
    }

    func testLoggedOutAndRevokedKeysAreUnregistered() throws {
        let w = try makeWorld()
        _ = try signUp(w, phone: "9996610004", key: 1, dc: 1)
        let sent = try w.sendCode(phone: "9996610004", apiID: 1, apiHash: "h", dc: 1, now: t0)
        _ = try w.signIn(phone: "9996610004", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: 2, dc: 1, device: ClientDevice(deviceModel: "second"), now: t0)
        let list = try w.authorizations(authKeyID: 1)
        XCTAssertEqual(list.map(\.current), [true, false])
        try w.resetAuthorization(hash: list[1].0.hash, authKeyID: 1)
        XCTAssertThrowsError(try w.updateState(authKeyID: 2, now: t0)) { XCTAssertEqual($0 as? RPCFailure, .authKeyUnregistered) }
        try w.logOut(authKeyID: 1)
        XCTAssertThrowsError(try w.updateProfile(firstName: "X", lastName: nil, about: nil, authKeyID: 1)) { XCTAssertEqual($0 as? RPCFailure, .authKeyUnregistered) }
        XCTAssertThrowsError(try w.logOut(authKeyID: 1)) { XCTAssertEqual($0 as? RPCFailure, .authKeyUnregistered) }
    }

    func testApiIDRestrictionsAndBots() throws {
        let w = try makeWorld {
            $0.apps = [TestDCConfig.App(apiID: 7, apiHash: "seven")]
            $0.bots = [TestDCConfig.Bot(token: "555:abc", firstName: "B", username: "the_bot", dc: 2)]
        }
        XCTAssertThrowsError(try w.sendCode(phone: "9996610005", apiID: 8, apiHash: "seven", dc: 1, now: t0)) { XCTAssertEqual($0 as? RPCFailure, .apiIDInvalid) }
        XCTAssertThrowsError(try w.importBotAuthorization(token: "555:abc", apiID: 7, apiHash: "seven", authKeyID: 1, dc: 1, device: ClientDevice(), now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .userMigrate(dc: 2))
        }
        XCTAssertThrowsError(try w.importBotAuthorization(token: "555:abd", apiID: 7, apiHash: "seven", authKeyID: 1, dc: 2, device: ClientDevice(), now: t0)) {
            XCTAssertEqual($0 as? RPCFailure, .accessTokenInvalid)
        }
        let bot = try w.importBotAuthorization(token: "555:abc", apiID: 7, apiHash: "seven", authKeyID: 1, dc: 2, device: ClientDevice(), now: t0)
        XCTAssertEqual(bot.userID, 555)
        XCTAssertTrue(bot.isBot)
    }

    func testMessagesGetIncreasingPtsAndDifference() throws {
        let w = try makeWorld()
        let me = try signUp(w, phone: "9996610006", key: 1, dc: 1)
        let a = try w.sendMessage(authKeyID: 1, to: me.userID, text: "one", randomID: 11, now: t0)
        let b = try w.sendMessage(authKeyID: 1, to: me.userID, text: "two", randomID: 12, now: t0)
        XCTAssertEqual(try w.sendMessage(authKeyID: 1, to: me.userID, text: "two", randomID: 12, now: t0), b, "a resent random_id is not stored twice")
        XCTAssertEqual(b.pts, a.pts + 1)
        XCTAssertEqual(try w.updateState(authKeyID: 1, now: t0).pts, b.pts)
        XCTAssertEqual(try w.difference(authKeyID: 1, pts: a.pts, now: t0).messages.map(\.text), ["two"])
        XCTAssertEqual(try w.history(authKeyID: 1, peer: me.userID, offsetID: 0, addOffset: 0, limit: 1, maxID: 0, minID: 0).messages.map(\.text), ["two"])
        XCTAssertEqual(try w.messages(authKeyID: 1, ids: [a.id, 999]).map { $0?.text }, ["one", nil])
    }

    func testStateSurvivesARestartInSQLite() throws {
        let path = NSTemporaryDirectory() + "world-\(UUID()).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = [UInt8](repeating: 7, count: 256)
        do {
            let w = try World(config: TestDCConfig(), dcCount: 3, store: try SQLiteWorldStore(path: path), now: t0)
            w.register(authKeyID: 99, key: key)
            _ = try signUp(w, phone: "9996610007", key: 99, dc: 1)
            _ = try w.sendMessage(authKeyID: 99, to: try w.requireUser(authKeyID: 99).userID, text: "kept", randomID: 1, now: t0)
        }
        let w = try World(config: TestDCConfig(), dcCount: 3, store: try SQLiteWorldStore(path: path), now: t0)
        XCTAssertEqual(w.authKey(id: 99), key)
        let me = try w.requireUser(authKeyID: 99)
        XCTAssertEqual(me.phone, "9996610007")
        XCTAssertEqual(try w.history(authKeyID: 99, peer: me.userID, offsetID: 0, addOffset: 0, limit: 5, maxID: 0, minID: 0).messages.map(\.text), ["kept"])
        let again = try signUp(w, phone: "9996610008", key: 100, dc: 1)
        XCTAssertNotEqual(again.userID, me.userID)
    }

    func testAnonymousAuthKeysAreBounded() throws {
        let w = try makeWorld()
        for id in 1...Int64(World.maxAnonymousKeys + 10) { w.register(authKeyID: id, key: [1]) }
        XCTAssertNil(w.authKey(id: 1))
        XCTAssertNotNil(w.authKey(id: Int64(World.maxAnonymousKeys + 10)))
    }

    func testQRLoginTokenAcceptedByAnotherSession() throws {
        let w = try makeWorld()
        let me = try signUp(w, phone: "9996610009", key: 1, dc: 1)
        guard case .token(let token, _) = try w.exportLoginToken(apiID: 1, apiHash: "h", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0) else { return XCTFail() }
        _ = try w.acceptLoginToken(token, authKeyID: 1, now: t0 + 1)
        XCTAssertEqual(try w.exportLoginToken(apiID: 1, apiHash: "h", authKeyID: 2, dc: 1, device: ClientDevice(), now: t0 + 2), .success(w.account(id: me.userID)!))
        XCTAssertEqual(try w.requireUser(authKeyID: 2).userID, me.userID)
    }
}

/// Memory stays bounded whatever many clients do.
final class WorldBoundsTests: XCTestCase {
    func testAuthorizationsPerAccountAreCapped() throws {
        let t0 = 1_800_000_000
        var config = TestDCConfig()
        config.limits.sendCodePerWindow = .max
        let w = try World(config: config, dcCount: 3, now: t0)
        for key in 1...Int64(World.maxAuthorizationsPerUser + 5) {
            let sent = try w.sendCode(phone: "9996610300", apiID: 1, apiHash: "h", dc: 1, now: t0 + Int(key))
            if key == 1 {
                _ = try w.signIn(phone: "9996610300", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: key, dc: 1, device: ClientDevice(), now: t0)
                _ = try w.signUp(phone: "9996610300", phoneCodeHash: sent.phoneCodeHash, firstName: "Many", lastName: "", authKeyID: key, dc: 1, device: ClientDevice(), now: t0)
            } else {
                _ = try w.signIn(phone: "9996610300", phoneCodeHash: sent.phoneCodeHash, code: "11111", authKeyID: key, dc: 1, device: ClientDevice(), now: t0 + Int(key))
            }
        }
        XCTAssertLessThanOrEqual(try w.authorizations(authKeyID: Int64(World.maxAuthorizationsPerUser + 5)).count, World.maxAuthorizationsPerUser)
        XCTAssertThrowsError(try w.requireUser(authKeyID: 1), "the least recently used key was forgotten")
    }

    func testFloodCountersForManyPhonesAreBounded() throws {
        var counters: [String: FloodCounter] = [:]
        for i in 0..<(World.maxPending + 100) { var c = FloodCounter(); c.record(i); counters["p\(i)"] = c }
        World.bound(&counters, window: 1_000_000, now: World.maxPending + 100)
        XCTAssertEqual(counters.count, World.maxPending)
        XCTAssertNotNil(counters["p\(World.maxPending + 99)"])
        XCTAssertNil(counters["p0"])
    }
}
