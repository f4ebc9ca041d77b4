import Foundation
import MTNetwork
import MTProto
import SessionStore
import TGClient
import TL

/// `WorkflowTelegram` over TGClient's `TelegramClient` and a SessionStore session file.
public final class TelegramClientAdapter: WorkflowTelegram, @unchecked Sendable {
    /// api_id/api_hash used on test servers when the workflow gives none.
    public static let testAPIID = 12345
    public static let testAPIHash = "0123456789abcdef0123456789abcdef"

    let client: TelegramClient
    let configuration: ClientConfiguration
    let sessionFile: SQLiteSession?

    init(client: TelegramClient, configuration: ClientConfiguration, sessionFile: SQLiteSession?) {
        self.client = client
        self.configuration = configuration
        self.sessionFile = sessionFile
    }

    /// Builds the client a run asked for in its `client:` block.
    public static let factory: WorkflowRunner.TelegramFactory = { request in try make(request) }

    static func make(_ request: ClientRequest) throws -> TelegramClientAdapter {
        func field(_ key: String) -> Value? { request.fields[key]?.value }
        var configuration = ClientConfiguration()
        if let info = request.serverInfoPath {
            configuration.server = .testdcInfo(path: info)
        } else {
            switch field("server") {
            case .string("test")?: configuration.server = .test
            case .string(let s)? where s.hasSuffix(".json"):
                configuration.server = .testdcInfo(path: resolvePath(s, against: URL(fileURLWithPath: request.baseDirectory)).path)
            case .object(let o)?:
                if let info = o["info"]?.stringValue {
                    configuration.server = .testdcInfo(path: info)
                } else if let host = o["host"]?.stringValue, let port = o["port"]?.intValue, let key = o["rsa_key"]?.stringValue {
                    let dc = Int(o["dc"]?.intValue ?? 2)
                    configuration.server = .custom(dataCenters: [DataCenter(id: dc, host: host, port: Int(port), isTest: false, isMedia: false)], rsaPublicKeys: [key], homeDC: dc)
                } else {
                    throw StepFailure(message: "client.server needs 'info', or 'host', 'port' and 'rsa_key'")
                }
            default: configuration.server = .production
            }
        }
        switch field("transport")?.stringValue {
        case "abridged"?: configuration.transport = .abridged
        case "padded_intermediate"?: configuration.transport = .paddedIntermediate
        case "full"?: configuration.transport = .full
        case "obfuscated"?: configuration.transport = .intermediate; configuration.obfuscated = true
        default: break
        }
        if case .object(let p)? = field("proxy") {
            let host = p["host"]?.stringValue ?? "127.0.0.1"
            let port = Int(p["port"]?.intValue ?? 1080)
            switch p["type"]?.stringValue ?? "socks5" {
            case "http": configuration.proxy = .http(host: host, port: port, username: p["username"]?.stringValue, password: p["password"]?.stringValue)
            case "mtproxy":
                if let link = p["link"]?.stringValue {
                    let parsed = try MTProxyLink(parsing: link)
                    configuration.proxy = .mtproxy(host: parsed.server, port: parsed.port, secret: parsed.secret)
                } else {
                    guard let secret = p["secret"]?.stringValue else { throw StepFailure(message: "an mtproxy proxy needs 'secret' or 'link'") }
                    configuration.proxy = .mtproxy(host: host, port: port, secret: try MTProxySecret(parsing: secret))
                }
            default: configuration.proxy = .socks5(host: host, port: port, username: p["username"]?.stringValue, password: p["password"]?.stringValue)
            }
        }
        if case .object(let d)? = field("device") {
            if let v = d["device_model"]?.stringValue { configuration.device.deviceModel = v }
            if let v = d["system_version"]?.stringValue { configuration.device.systemVersion = v }
            if let v = d["app_version"]?.stringValue { configuration.device.appVersion = v }
            if let v = d["lang_code"]?.stringValue { configuration.device.langCode = v }
            if let v = d["system_lang_code"]?.stringValue { configuration.device.systemLangCode = v }
        }
        if let t = field("flood_sleep_threshold")?.doubleValue { configuration.floodSleepThreshold = .milliseconds(Int64(t * 1000)) }
        if let t = field("timeout")?.doubleValue { configuration.requestTimeout = .milliseconds(Int64(t * 1000)) }

        var apiID = Int(field("api_id")?.intValue ?? 0)
        var apiHash = field("api_hash")?.stringValue ?? ""
        if apiID == 0 || apiHash.isEmpty {
            guard request.isTestServer else {
                throw StepFailure(message: "client.api_id and client.api_hash are required for Telegram's production servers (get them at https://my.telegram.org)")
            }
            if apiID == 0 { apiID = testAPIID }
            if apiHash.isEmpty { apiHash = testAPIHash }
        }

        let storage: SessionStorage
        var file: SQLiteSession?
        let session = field("session")?.stringValue ?? ""
        if request.fields["session"]?.secret == true, !session.isEmpty {
            storage = try StringSession(parsing: session).memorySession()
        } else if session.isEmpty {
            storage = try SQLiteSession()
        } else {
            let path = session.hasPrefix("/") ? session : URL(fileURLWithPath: request.baseDirectory).appendingPathComponent(session).path
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            let opened = try SQLiteSession(path: path)
            file = opened
            storage = opened
        }
        let client = TelegramClient(session: storage, apiID: apiID, apiHash: apiHash, configuration: configuration)
        return TelegramClientAdapter(client: client, configuration: configuration, sessionFile: file)
    }

    // MARK: errors

    /// Runs `body`, turning TGClient's errors into `TelegramFailure`s the interpreter understands.
    func translate<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TelegramError {
            throw TelegramFailure(name: error.name, code: error.code, value: error.parameter, hint: error.hint)
        } catch let error as ClientError {
            throw TelegramFailure(name: "CLIENT", code: -1, hint: "\(error)")
        } catch let failure as TelegramFailure {
            throw failure
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TelegramFailure(name: "NETWORK", code: -1, hint: "\(error)")
        }
    }

    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(value))
        case .object(let o): return .object(o.mapValues(value))
        }
    }

    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(json))
        case .object(let o): return .object(o.mapValues(json))
        }
    }

    static func value(_ tl: TLValue) -> Value { value(TLSchema.shared.json(from: tl)) }
    static func value(_ user: User) -> Value { value(.object(user.raw)) }

    // MARK: WorkflowTelegram

    public func connect() async throws -> Int {
        try await translate {
            try await client.connect()
            return await client.homeDataCenter ?? 0
        }
    }

    public func isUserAuthorized() async throws -> Bool { try await translate { try await client.isUserAuthorized() } }

    public func pendingCode(phone: String) async throws -> SentLoginCode? {
        try await translate {
            guard let pending = try client.pendingLogin(), pending.phone == String(phone.filter(\.isNumber)) else { return nil }
            return SentLoginCode(phoneCodeHash: pending.phoneCodeHash, type: "app")
        }
    }

    private static func sent(_ s: TGClient.SentCode) -> SentLoginCode {
        SentLoginCode(phoneCodeHash: s.phoneCodeHash, type: s.type, length: s.length, timeout: s.timeout)
    }

    public func sendCode(phone: String) async throws -> SentLoginCode {
        try await translate { Self.sent(try await client.sendCodeRequest(phone: phone)) }
    }

    public func resendCode(phone: String, phoneCodeHash: String) async throws -> SentLoginCode {
        try await translate {
            let result = try await client.invoke(method: "auth.resendCode", params: .object(TLObject(name: "", fields: [
                "phone_number": .string(String(phone.filter(\.isNumber))), "phone_code_hash": .string(phoneCodeHash)])))
            guard let object = result.object, let hash = object["phone_code_hash"]?.stringValue else {
                throw StepFailure(message: "auth.resendCode gave no auth.sentCode")
            }
            let type = object["type"]?.object
            return SentLoginCode(phoneCodeHash: hash, type: type?.name ?? "unknown", length: type?["length"]?.int32.map { Int($0) },
                                 timeout: object["timeout"]?.int32.map { Int($0) })
        }
    }

    public func signIn(phone: String, phoneCodeHash: String, code: String) async throws -> Value {
        try await translate { Self.value(try await client.signIn(phone: phone, code: code, phoneCodeHash: phoneCodeHash)) }
    }

    public func signUp(phone: String, phoneCodeHash: String, firstName: String, lastName: String) async throws -> Value {
        try await translate { Self.value(try await client.signUp(firstName: firstName, lastName: lastName)) }
    }

    public func checkPassword(_ password: String) async throws -> Value {
        try await translate { Self.value(try await client.signIn(password: password)) }
    }

    public func signIn(botToken: String) async throws -> Value {
        try await translate { Self.value(try await client.signIn(botToken: botToken)) }
    }

    public func qrLogin(timeout: Double, show: @escaping @Sendable (String) async -> Void) async throws -> Value {
        try await translate {
            Self.value(try await client.qrLogin(timeout: .milliseconds(Int64(timeout * 1000))) { token in await show(token.url) })
        }
    }

    public func getMe() async throws -> Value {
        try await translate {
            guard let me = try await client.getMe() else { throw TelegramFailure(name: "AUTH_KEY_UNREGISTERED", code: 401, hint: "the session is not logged in") }
            return Self.value(me)
        }
    }

    public func passwordState() async throws -> PasswordState {
        try await translate {
            let info = try await client.passwordInfo()
            let salt = info.raw["current_algo"]?.object?["salt1"]?.bytesValue
            return PasswordState(hasPassword: info.hasPassword, hint: info.hint, currentSaltHex: salt.map { $0.map { String(format: "%02x", $0) }.joined() })
        }
    }

    public func editPassword(current: String?, new: String?, hint: String?, email: String?, emailCode: (@Sendable (Int) async throws -> String)?) async throws {
        try await translate {
            _ = try await client.edit2FA(currentPassword: current, newPassword: new, hint: hint ?? "", email: email, emailCode: emailCode)
        }
    }

    public func logOut() async throws { try await translate { try await client.logOut() } }

    public func invoke(method: String, params: Value) async throws -> Value {
        try await translate {
            guard let tlMethod = TLSchema.shared.method(named: method) else {
                throw StepFailure(message: "unknown Telegram method '\(method)'")
            }
            guard case .object(var fields) = params else { throw StepFailure(message: "parameters of \(method) must be a mapping") }
            for p in tlMethod.params {
                guard let given = fields[p.name] else { continue }
                fields[p.name] = try await resolvePeers(given, type: p.type.description)
            }
            fields["_"] = .string(method)
            let tlParams = try TLSchema.shared.value(fromJSON: Self.json(.object(fields)), type: method, path: "with")
            guard case .object(let object) = tlParams else { throw StepFailure(message: "parameters of \(method) did not form an object") }
            return Self.value(try await client.invoke(object))
        }
    }

    /// Peers written as `me`, `@username` or a phone become input peers of the right kind.
    private func resolvePeers(_ value: Value, type: String) async throws -> Value {
        if type.hasPrefix("Vector<"), case .array(let items) = value {
            let inner = String(type.dropFirst(7).dropLast())
            var out: [Value] = []
            for item in items { out.append(try await resolvePeers(item, type: inner)) }
            return .array(out)
        }
        guard case .string(let text) = value, ["InputPeer", "InputUser", "InputChannel"].contains(type) else { return value }
        let peer = try await client.resolvePeer(text)
        switch (type, peer.name) {
        case ("InputUser", "inputPeerSelf"): return .object(["_": .string("inputUserSelf")])
        case ("InputUser", "inputPeerUser"):
            return .object(["_": .string("inputUser"), "user_id": Self.value(peer["user_id"] ?? .long(0)), "access_hash": Self.value(peer["access_hash"] ?? .long(0))])
        case ("InputChannel", "inputPeerChannel"):
            return .object(["_": .string("inputChannel"), "channel_id": Self.value(peer["channel_id"] ?? .long(0)), "access_hash": Self.value(peer["access_hash"] ?? .long(0))])
        default: return Self.value(.object(peer))
        }
    }

    public func exportSession(format: String, to path: String?) async throws -> String? {
        try await translate {
            let exported = try StringSession(from: client.session)
            if format == "telethon", let path {
                let target = try SQLiteSession(path: path)
                defer { target.close() }
                try exported.apply(to: target)
                return nil
            }
            return try exported.encoded()
        }
    }

    /// Reads the other session's recent messages (`updates.getDifference` from the start, a
    /// read-only call) and takes the digits of the newest message from Telegram (777000).
    public func loginCode(fromSession sessionPath: String) async throws -> String? {
        try await translate {
            let other = try SQLiteSession(path: sessionPath)
            defer { other.close() }
            let peer = TelegramClient(session: other, apiID: client.apiID, apiHash: Self.testAPIHash, configuration: configuration)
            defer { Task { await peer.disconnect() } }
            let difference = Self.value(try await peer.invoke(method: "updates.getDifference", params: .object(TLObject(name: "", fields: [
                "pts": .int(0), "date": .int(0), "qts": .int(0)]))))
            guard case .array(let messages)? = difference["new_messages"] else { return nil }
            func fromTelegram(_ m: Value) -> Bool {
                m["from_id"]?["user_id"] == .int(777000) || (m["from_id"] == nil && m["peer_id"]?["user_id"] == .int(777000))
            }
            let newest = messages.filter(fromTelegram).max { ($0["id"]?.intValue ?? 0) < ($1["id"]?.intValue ?? 0) }
            guard let text = newest?["message"]?.stringValue else { return nil }
            let digits = text.split(whereSeparator: { !$0.isNumber }).first { (5...6).contains($0.count) }
            return digits.map { String($0) }
        }
    }

    public func disconnect() async {
        await client.disconnect()
        sessionFile?.close()
    }
}
