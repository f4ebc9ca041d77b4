import MTProto

/// A Telegram data centre address: where to connect, and what the obfuscated2 header says about it.
public struct DataCenter: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var id: Int
    public var host: String
    public var port: Int
    /// One of Telegram's test servers (the header's dc id is then +10000).
    public var isTest: Bool
    /// A media-only data centre (the header's dc id is then negative).
    public var isMedia: Bool

    public init(id: Int, host: String, port: Int, isTest: Bool = false, isMedia: Bool = false) {
        self.id = id
        self.host = host
        self.port = port
        self.isTest = isTest
        self.isMedia = isMedia
    }

    /// The dc id to write into an obfuscated2 or MTProxy header.
    public var headerDCID: Int { MTProto.Obfuscation.headerDCID(id: id, isTest: isTest, isMedia: isMedia) }

    public var description: String {
        "DC \(id)\(isTest ? " (test)" : "")\(isMedia ? " (media)" : "") at \(host):\(port)"
    }

    /// Telegram's well-known production data centres 1–5 (IPv4, port 443). Clients learn the
    /// current list from `help.getConfig`; these are where the first connection goes.
    public static let production: [DataCenter] = [
        DataCenter(id: 1, host: "149.154.175.53", port: 443),
        DataCenter(id: 2, host: "149.154.167.51", port: 443),
        DataCenter(id: 3, host: "149.154.175.100", port: 443),
        DataCenter(id: 4, host: "149.154.167.91", port: 443),
        DataCenter(id: 5, host: "91.108.56.130", port: 443),
    ]

    /// Telegram's public test servers, DC 1–3 (port 443; they also listen on 80).
    public static let test: [DataCenter] = [
        DataCenter(id: 1, host: "149.154.175.10", port: 443, isTest: true),
        DataCenter(id: 2, host: "149.154.167.40", port: 443, isTest: true),
        DataCenter(id: 3, host: "149.154.175.117", port: 443, isTest: true),
    ]

    /// The built-in address of data centre `id`, production or test.
    public static func builtIn(id: Int, test: Bool = false) -> DataCenter? {
        (test ? Self.test : Self.production).first { $0.id == id }
    }
}
