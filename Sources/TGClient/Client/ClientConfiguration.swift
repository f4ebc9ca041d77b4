import Foundation
import MTCrypto
import MTNetwork
import MTProto
import TL

/// Which Telegram the client talks to.
public enum TelegramServer: Sendable, Equatable {
    /// Telegram's production data centres, home DC 2 until told otherwise.
    case production
    /// Telegram's public test data centres.
    case test
    /// Any servers: their addresses, the RSA public keys (PKCS#1 PEM) to trust,
    /// and the data centre to start at.
    case custom(dataCenters: [DataCenter], rsaPublicKeys: [String], homeDC: Int)
    /// A `tgflow testdc` instance, from the info JSON file it writes
    /// (`{"dcs":[{"id","host","port"}…],"rsa_public_key":PEM,…}`).
    case testdcInfo(path: String)

    /// The addresses, trusted keys and first DC this server stands for.
    public func resolve() throws -> (dataCenters: [DataCenter], rsaKeys: [RSAPublicKey], homeDC: Int) {
        switch self {
        case .production:
            return (DataCenter.production, try TelegramServer.telegramKeys(), 2)
        case .test:
            return (DataCenter.test, try TelegramServer.telegramKeys(), 2)
        case let .custom(dcs, pems, home):
            let keys = try pems.map { pem -> RSAPublicKey in
                do { return try RSAPublicKey(pem: pem) } catch {
                    throw ClientError.badServerConfiguration("an RSA public key could not be read: \(error)")
                }
            }
            guard !dcs.isEmpty else { throw ClientError.badServerConfiguration("no data centres given") }
            return (dcs, keys, dcs.contains { $0.id == home } ? home : dcs[0].id)
        case let .testdcInfo(path):
            let info = try TestDCInfo(contentsOf: path)
            let home = info.dataCenters.contains { $0.id == 2 } ? 2 : info.dataCenters[0].id
            return try TelegramServer.custom(dataCenters: info.dataCenters, rsaPublicKeys: [info.rsaPublicKey], homeDC: home).resolve()
        }
    }

    static func telegramKeys() throws -> [RSAPublicKey] {
        try TelegramKeys.pems.map { try RSAPublicKey(pem: $0) }
    }
}

/// The info file `tgflow testdc --info FILE` writes.
public struct TestDCInfo: Sendable, Equatable {
    public var dataCenters: [DataCenter]
    public var rsaPublicKey: String

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClientError.badServerConfiguration("cannot read the testdc info file \(path)")
        }
        try self.init(json: data, source: path)
    }

    public init(json data: Data, source: String = "testdc info") throws {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let dcs = root["dcs"] as? [[String: Any]], let pem = root["rsa_public_key"] as? String else {
            throw ClientError.badServerConfiguration("\(source) is not a testdc info file (needs \"dcs\" and \"rsa_public_key\")")
        }
        var list: [DataCenter] = []
        for dc in dcs {
            guard let id = (dc["id"] as? NSNumber)?.intValue, let host = dc["host"] as? String,
                  let port = (dc["port"] as? NSNumber)?.intValue, (1...65535).contains(port) else {
                throw ClientError.badServerConfiguration("\(source): each entry of \"dcs\" needs id, host and port")
            }
            list.append(DataCenter(id: id, host: host, port: port))
        }
        guard !list.isEmpty else { throw ClientError.badServerConfiguration("\(source) lists no data centres") }
        dataCenters = list
        rsaPublicKey = pem
    }
}

/// What the client tells Telegram about itself in `initConnection`.
public struct DeviceInfo: Sendable, Equatable {
    public var deviceModel: String
    public var systemVersion: String
    public var appVersion: String
    public var systemLangCode: String
    public var langPack: String
    public var langCode: String

    public init(deviceModel: String = DeviceInfo.defaultDeviceModel, systemVersion: String = DeviceInfo.defaultSystemVersion,
                appVersion: String = "tgflow 0.1", systemLangCode: String = "en", langPack: String = "", langCode: String = "en") {
        self.deviceModel = deviceModel
        self.systemVersion = systemVersion
        self.appVersion = appVersion
        self.systemLangCode = systemLangCode
        self.langPack = langPack
        self.langCode = langCode
    }

    public static var defaultDeviceModel: String {
        #if arch(x86_64)
        return "PC 64bit"
        #else
        return "PC"
        #endif
    }

    public static var defaultSystemVersion: String {
        let v = ProcessInfo.processInfo.operatingSystemVersion
        #if os(Linux)
        return "Linux \(v.majorVersion).\(v.minorVersion).\(v.patchVersion)"
        #else
        return "\(v.majorVersion).\(v.minorVersion).\(v.patchVersion)"
        #endif
    }
}

/// Everything about how a `TelegramClient` connects and behaves, with defaults
/// that match Telethon's.
public struct ClientConfiguration: Sendable {
    public var server: TelegramServer
    public var transport: TransportProtocol
    /// obfuscated2 on top of the transport (not with `.full`).
    public var obfuscated: Bool
    public var proxy: Proxy?
    public var device: DeviceInfo
    /// `FLOOD_WAIT`s up to this long are slept through; longer ones are thrown.
    public var floodSleepThreshold: Duration
    /// How often a request is retried after 500-class errors, lost connections
    /// and migrations.
    public var requestRetries: Int
    public var connectTimeout: Duration
    /// How long the server may take to finish creating an auth key (a silent
    /// server is retried up to `reconnectAttempts` times).
    public var keyExchangeTimeout: Duration
    public var requestTimeout: Duration
    /// Reconnect attempts after a lost connection.
    public var reconnectAttempts: Int

    public init(server: TelegramServer = .production, transport: TransportProtocol = .intermediate, obfuscated: Bool = false,
                proxy: Proxy? = nil, device: DeviceInfo = DeviceInfo(), floodSleepThreshold: Duration = .seconds(60),
                requestRetries: Int = 5, connectTimeout: Duration = .seconds(10), keyExchangeTimeout: Duration = .seconds(10),
                requestTimeout: Duration = .seconds(30),
                reconnectAttempts: Int = 5) {
        self.server = server
        self.transport = transport
        self.obfuscated = obfuscated
        self.proxy = proxy
        self.device = device
        self.floodSleepThreshold = floodSleepThreshold
        self.requestRetries = requestRetries
        self.connectTimeout = connectTimeout
        self.keyExchangeTimeout = keyExchangeTimeout
        self.requestTimeout = requestTimeout
        self.reconnectAttempts = reconnectAttempts
    }
}
