import Foundation
@testable import Workflow

/// A scripted stand-in for Telegram with the rules the interpreter depends on: test
/// numbers' codes, one phone_code_hash per sendCode, a 2FA password whose salt changes
/// with every change, and RANDOM_ID_DUPLICATE. It can "lose the answer" of a method
/// (apply it, then never return), which leaves the checkpoint exactly as a killed
/// process would.
final class ScriptedTelegram: WorkflowTelegram, @unchecked Sendable {
    private let lock = NSLock()
    var authorized = false
    var password: String?
    var salt = "00"
    var sentCodes: [String: String] = [:]    // hash → phone
    var sendCodeCalls = 0
    var editPasswordCalls = 0
    var invoked: [(String, Value)] = []
    var randomIDs: Set<Int64> = []
    /// Methods that apply their effect and then hang forever (the answer never arrives).
    var hangAfterApplying: Set<String> = []
    private var hung: [CheckedContinuation<Void, Never>] = []

    private func hangIfScripted(_ method: String) async {
        let hang = lock.withLock { hangAfterApplying.contains(method) }
        if hang { await withCheckedContinuation { c in lock.withLock { hung.append(c) } } }
    }

    func connect() async throws -> Int { 2 }
    func isUserAuthorized() async throws -> Bool { lock.withLock { authorized } }
    func pendingCode(phone: String) async throws -> SentLoginCode? { nil }

    func sendCode(phone: String) async throws -> SentLoginCode {
        let hash = lock.withLock { () -> String in
            sendCodeCalls += 1
            let h = "hash\(sendCodeCalls)"
            sentCodes[h] = phone
            return h
        }
        await hangIfScripted("auth.sendCode")
        return SentLoginCode(phoneCodeHash: hash, type: "app", length: 5)
    }

    func resendCode(phone: String, phoneCodeHash: String) async throws -> SentLoginCode { try await sendCode(phone: phone) }

    func signIn(phone: String, phoneCodeHash: String, code: String) async throws -> Value {
        try lock.withLock {
            guard sentCodes[phoneCodeHash] == phone else { throw TelegramFailure(name: "PHONE_CODE_EXPIRED", code: 400) }
            // Test numbers have their rule's code; any other number gets the code 24680.
            guard code == (WorkflowRunner.testCode(phone: phone, length: 5) ?? "24680") else { throw TelegramFailure(name: "PHONE_CODE_INVALID", code: 400) }
            if password != nil { throw TelegramFailure(name: "SESSION_PASSWORD_NEEDED", code: 401) }
            authorized = true
        }
        return user
    }

    func signUp(phone: String, phoneCodeHash: String, firstName: String, lastName: String) async throws -> Value { user }

    func checkPassword(_ candidate: String) async throws -> Value {
        try lock.withLock {
            guard candidate == password else { throw TelegramFailure(name: "PASSWORD_HASH_INVALID", code: 400) }
            authorized = true
        }
        return user
    }

    var qrURLs: [String] = []
    func qrLogin(timeout: Double, show: @escaping @Sendable (String) async -> Void) async throws -> Value {
        await show("tg://login?token=c2NyaXB0ZWQ")
        lock.withLock { qrURLs.append("shown"); authorized = true }
        return user
    }

    func signIn(botToken: String) async throws -> Value { lock.withLock { authorized = true }; return user }
    var user: Value { .object(["_": .string("user"), "id": .int(777), "first_name": .string("Test")]) }
    func getMe() async throws -> Value {
        guard lock.withLock({ authorized }) else { throw TelegramFailure(name: "AUTH_KEY_UNREGISTERED", code: 401) }
        return user
    }

    func passwordState() async throws -> PasswordState {
        lock.withLock { PasswordState(hasPassword: password != nil, hint: nil, currentSaltHex: password == nil ? nil : salt) }
    }

    func editPassword(current: String?, new: String?, hint: String?, email: String?, emailCode: (@Sendable (Int) async throws -> String)?) async throws {
        try lock.withLock {
            if password != nil, current != password { throw TelegramFailure(name: "PASSWORD_HASH_INVALID", code: 400) }
            password = new
            editPasswordCalls += 1
            salt = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        }
        await hangIfScripted("account.updatePasswordSettings")
    }

    func logOut() async throws { lock.withLock { authorized = false } }

    func invoke(method: String, params: Value) async throws -> Value {
        try lock.withLock {
            invoked.append((method, params))
            if method == "messages.sendMessage", let id = params["random_id"]?.intValue {
                if randomIDs.contains(id) { throw TelegramFailure(name: "RANDOM_ID_DUPLICATE", code: 400) }
                randomIDs.insert(id)
            }
        }
        await hangIfScripted(method)
        return .object(["_": .string("updates"), "updates": .array([.object(["_": .string("updateMessageID"), "id": .int(5), "random_id": params["random_id"] ?? .null])])])
    }

    func exportSession(format: String, to path: String?) async throws -> String? { "1BVtsOKABu0secretsessionstring==" }
    func loginCode(fromSession sessionPath: String) async throws -> String? { nil }
    func disconnect() async {}
}

/// Records events for assertions.
final class EventRecorder: RunEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var events: [RunEvent] = []
    func emit(_ event: RunEvent) { lock.withLock { events.append(event) } }
    var lines: [String] { lock.withLock { events.map(\.json) } }
}
