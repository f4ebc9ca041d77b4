import Foundation
import MTCrypto
import MTNetwork
import MTProto
import TL

/// A Telegram client: the Swift counterpart of Telethon's `TelegramClient`.
/// It keeps its state in a `SessionStorage` (a Telethon-compatible file from
/// SessionStore, or memory), logs in (code, 2FA, sign-up, bot, QR), manages
/// 2FA, follows data-centre migrations, applies the flood-wait policy, and
/// calls any API method by name.
public actor TelegramClient {
    public nonisolated let session: SessionStorage
    public nonisolated let apiID: Int
    let apiHash: String
    public nonisolated let configuration: ClientConfiguration

    var server: (dataCenters: [DataCenter], rsaKeys: [RSAPublicKey], homeDC: Int)?
    var homeDC: Int?
    var senders: [Int: MTSender] = [:]
    var importedDCs: Set<Int> = []
    /// Terms of service shown with `auth.authorizationSignUpRequired`, accepted after sign-up.
    var pendingTerms: TLObject?

    /// - Parameters:
    ///   - session: where keys and login state live (`SQLiteSession(path:)` for a
    ///     Telethon-compatible file, `MemorySession()` for none).
    ///   - apiID, apiHash: the application's credentials from my.telegram.org.
    public init(session: SessionStorage, apiID: Int, apiHash: String, configuration: ClientConfiguration = ClientConfiguration()) {
        self.session = session
        self.apiID = apiID
        self.apiHash = apiHash
        self.configuration = configuration
    }

    // MARK: Connection

    /// Connects to the home data centre (creating an auth key if the session has
    /// none) and sends `initConnection`; safe to call again.
    public func connect() async throws {
        let server = try resolvedServer()
        var home: DCAddress
        if let stored = try session.home() {
            home = stored
            // A custom server or testdc may have moved (new ports): its configuration wins.
            if configuresAddresses, let configured = server.dataCenters.first(where: { $0.id == stored.id }) {
                home = DCAddress(id: stored.id, host: configured.host, port: configured.port)
            }
        } else {
            guard let dc = server.dataCenters.first(where: { $0.id == server.homeDC }) else {
                throw ClientError.unknownDataCenter(server.homeDC)
            }
            home = DCAddress(id: dc.id, host: dc.host, port: dc.port)
        }
        if try session.home() != home { try session.setHome(home) }
        homeDC = home.id
        try await sender(for: home.id).connect()
    }

    /// Closes every connection; the client can connect again later.
    public func disconnect() async {
        let all = senders.values
        senders = [:]
        importedDCs = []
        for sender in all { await sender.shutdown() }
    }

    /// The home data centre's id, once connected.
    public var homeDataCenter: Int? { homeDC }

    func resolvedServer() throws -> (dataCenters: [DataCenter], rsaKeys: [RSAPublicKey], homeDC: Int) {
        if let server { return server }
        let resolved = try configuration.server.resolve()
        server = resolved
        return resolved
    }

    /// Custom servers and testdc give their own addresses; Telegram's come from help.getConfig.
    var configuresAddresses: Bool {
        switch configuration.server {
        case .custom, .testdcInfo: return true
        case .production, .test: return false
        }
    }

    var isTestServer: Bool {
        if case .test = configuration.server { return true }
        return false
    }

    /// Where data centre `dc` is: the configured address for custom servers and
    /// testdc, else the last `help.getConfig` list, else the built-in table.
    func address(for dc: Int) throws -> DataCenter {
        let server = try resolvedServer()
        if configuresAddresses, let d = server.dataCenters.first(where: { $0.id == dc }) { return d }
        if let d = try session.dcList().first(where: { $0.id == dc && !$0.isMedia && !$0.isIPv6 }) {
            return DataCenter(id: d.id, host: d.host, port: d.port, isTest: isTestServer)
        }
        if let d = server.dataCenters.first(where: { $0.id == dc }) { return d }
        throw ClientError.unknownDataCenter(dc)
    }

    /// The sender for a data centre, created on first use with the stored key and salt.
    func sender(for dc: Int) throws -> MTSender {
        if let s = senders[dc] { return s }
        let address = try address(for: dc)
        let key = try session.authKey(dc: dc).flatMap { try? AuthKey($0) }
        let salt = try session.serverSalt(dc: dc)
        let device = configuration.device
        var params = InitConnectionParams(apiID: Int32(truncatingIfNeeded: apiID), deviceModel: device.deviceModel,
                                          systemVersion: device.systemVersion, appVersion: device.appVersion,
                                          systemLangCode: device.systemLangCode, langPack: device.langPack,
                                          langCode: device.langCode)
        if case let .mtproxy(host, port, _)? = configuration.proxy { params.proxy = (host, Int32(port)) }
        let getConfig = try TLSchema.shared.encode(TLObject(name: "help.getConfig"))
        let store = session
        let isHome = dc == homeDC
        let hooks = SenderHooks(
            onAuthKey: { key in try? store.setAuthKey(key.bytes, dc: dc) },
            onSalt: { salt in try? store.setServerSalt(salt, dc: dc) },
            onAuthKeyRejected: { try? store.setAuthKey(nil, dc: dc) },
            onInit: { body in if isHome { TelegramClient.storeConfig(body, in: store) } })
        let config = SenderConfiguration(
            dataCenter: address, serverKeys: try resolvedServer().rsaKeys, transport: configuration.transport,
            obfuscated: configuration.obfuscated, proxy: configuration.proxy, connectTimeout: configuration.connectTimeout,
            keyExchangeTimeout: configuration.keyExchangeTimeout, requestTimeout: configuration.requestTimeout, reconnectAttempts: configuration.reconnectAttempts,
            initRequest: InitConnection.wrap(getConfig, params: params))
        let sender = MTSender(configuration: config, authKey: key, serverSalt: salt, hooks: hooks)
        senders[dc] = sender
        return sender
    }

    /// Keeps the DC list from a `help.getConfig` answer (`config.dc_options`).
    static func storeConfig(_ body: [UInt8], in session: SessionStorage) {
        guard let config = try? TLSchema.shared.decode(body), config.name == "config",
              let options = config["dc_options"]?.vector else { return }
        let dcs: [DCAddress] = options.compactMap { option in
            guard let o = option.object, o["cdn"]?.boolValue != true, o["tcpo_only"]?.boolValue != true,
                  let id = o["id"]?.int32, let host = o["ip_address"]?.stringValue, let port = o["port"]?.int32 else { return nil }
            return DCAddress(id: Int(id), host: host, port: Int(port), isIPv6: o["ipv6"]?.boolValue ?? false,
                             isMedia: o["media_only"]?.boolValue ?? false)
        }
        if !dcs.isEmpty { try? session.setDCList(dcs) }
    }

    /// Makes `dc` the home data centre (after `PHONE/USER/NETWORK_MIGRATE`).
    func migrateHome(to dc: Int) async throws {
        let target = try address(for: dc)
        try session.setHome(DCAddress(id: dc, host: target.host, port: target.port))
        homeDC = dc
        importedDCs = []
        try await sender(for: dc).connect()
    }

    // MARK: Calling methods

    /// Calls any API method by name with its parameters (an object value whose
    /// fields are the method's parameters; flags are computed). The result is
    /// decoded with the method's result type from the schema.
    public func invoke(method: String, params: TLValue = .object(TLObject(name: ""))) async throws -> TLValue {
        guard case .object(let object) = params else {
            throw ClientError.invalidParameters(method: method, reason: "parameters must be an object")
        }
        return try await call(TLObject(name: method, fields: object.fields))
    }

    /// Calls a method given as a `TLObject` (its name is the method's name).
    public func invoke(_ request: TLObject) async throws -> TLValue {
        try await call(request)
    }

    /// Calls a method on another data centre (files, stats), copying the login
    /// there first with `auth.exportAuthorization`/`importAuthorization`.
    public func invoke(_ request: TLObject, onDataCenter dc: Int) async throws -> TLValue {
        try await call(request, dc: dc)
    }

    /// The request pipeline: flood deadlines, migrations, retries, entity caching.
    func call(_ request: TLObject, dc fixedDC: Int? = nil) async throws -> TLValue {
        let schema = TLSchema.shared
        guard let method = schema.method(named: request.name) else {
            throw ClientError.unknownMethod(request.name, suggestions: schema.suggestions(for: request.name))
        }
        let body: [UInt8]
        do { body = try schema.encode(request) } catch {
            throw ClientError.invalidParameters(method: request.name, reason: "\(error)")
        }
        if homeDC == nil { try await connect() }
        var targetDC = fixedDC
        var attempt = 0
        while true {
            try await waitForFloodDeadline(method.name)
            let dc = targetDC ?? homeDC!
            do {
                let sender = try sender(for: dc)
                if dc != homeDC { try await ensureAuthorization(on: dc) }
                let raw = try await sender.invoke(body)
                let value: TLValue
                do { value = try schema.decode(raw, type: method.resultType) } catch {
                    throw ClientError.unexpectedAnswer(method: method.name, got: "an undecodable \(method.resultType) (\(error))")
                }
                rememberEntities(in: value)
                return value
            } catch let rpc as RPCError {
                let error = TelegramError(rpc)
                attempt += 1
                switch error {
                case .floodWait(let seconds):
                    try? session.setFloodDeadline(Date().addingTimeInterval(Double(seconds)), method: method.name)
                    guard Double(seconds) <= configuration.floodSleepThreshold.seconds else { throw error }
                    try await Task.sleep(for: .seconds(seconds))
                case .migrate(let newDC):
                    guard attempt <= configuration.requestRetries else { throw error }
                    if fixedDC == nil, ["PHONE_MIGRATE", "USER_MIGRATE", "NETWORK_MIGRATE"].contains(rpc.name) {
                        try await migrateHome(to: newDC)
                    } else {
                        targetDC = newDC
                    }
                case .other(let e) where e.code >= 500 && method.name != "auth.sendCode":
                    guard attempt <= configuration.requestRetries else { throw error }
                    try await Task.sleep(for: .seconds(1))
                default:
                    throw error
                }
            }
        }
    }

    /// A re-run after a long `FLOOD_WAIT` fails fast (or sleeps a short remainder)
    /// instead of calling the method again.
    func waitForFloodDeadline(_ method: String) async throws {
        guard let until = try session.floodDeadline(method: method) else { return }
        let remaining = until.timeIntervalSinceNow
        guard remaining > 0 else { return }
        guard remaining <= configuration.floodSleepThreshold.seconds else {
            throw TelegramError.floodWait(seconds: Int(remaining.rounded(.up)))
        }
        try await Task.sleep(for: .milliseconds(Int(remaining * 1000)))
    }

    /// Copies the login to another data centre (`auth.exportAuthorization` at
    /// home, `auth.importAuthorization` there) before the first call to it.
    func ensureAuthorization(on dc: Int) async throws {
        guard !importedDCs.contains(dc), try session.selfUserID() != nil else { return }
        importedDCs.insert(dc)
        do {
            let exported = try await call(TLObject(name: "auth.exportAuthorization", fields: ["dc_id": .int(Int32(dc))]))
            guard let id = exported["id"], let bytes = exported["bytes"] else {
                throw ClientError.unexpectedAnswer(method: "auth.exportAuthorization", got: exported.object?.name ?? "a non-object")
            }
            _ = try await call(TLObject(name: "auth.importAuthorization", fields: ["id": id, "bytes": bytes]), dc: dc)
        } catch {
            importedDCs.remove(dc)
            throw error
        }
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
