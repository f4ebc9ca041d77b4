import TL
import Foundation
import NIOCore
import NIOPosix
import MTCrypto
import MTNetwork
import MTProto

/// How to run a test server (the `tgflow testdc` options).
public struct TestDCOptions: Sendable {
    public var host = "127.0.0.1"
    /// The first DC's port; DC n listens on port + n - 1. 0: any free ports.
    public var port = 0
    public var dcCount = 3
    /// A PEM RSA private key to reuse; created there when missing. nil: a fresh key each run.
    public var keyPath: String?
    /// The SQLite state file; nil keeps the world in memory.
    public var statePath: String?
    public var codeLogPath: String?
    public var config = TestDCConfig()
    /// Serve as an MTProxy with this secret (`dd…` or `ee…`) in front of every DC.
    public var mtproxySecret: MTProxySecret?
    /// Seconds a connection may stay silent before it is closed.
    public var idleTimeout = 180
    /// Seconds a new connection has to show its transport.
    public var openingTimeout = 20
    /// Client connections open at once across all DCs; more are closed as they are accepted.
    public var maxConnections = 20_000
    /// Where the server's sockets run (nil: NIO's shared group). A group of its own keeps the
    /// server off the event loops of in-process clients, as a remote server would be.
    public var eventLoopGroup: (any EventLoopGroup)?

    public init() {}
}

/// A running loopback Telegram: N data centres sharing one world.
public final class TestDCServer: @unchecked Sendable {
    public let dcs: [DCAddress]
    public let publicKey: RSAPublicKey
    public let world: World
    /// Client connections open right now (all DCs).
    public var openConnections: Int { connections.current }
    private let listeners: [MTListener]
    private let connections: MTConnectionCounter

    /// The largest MTProto packet a client may send (Telegram's own limit is about 1 MiB).
    static let maxFrameSize = 1 << 20

    private let hub: UpdateHub

    private init(dcs: [DCAddress], publicKey: RSAPublicKey, world: World, listeners: [MTListener], connections: MTConnectionCounter, hub: UpdateHub) {
        self.dcs = dcs; self.publicKey = publicKey; self.world = world; self.listeners = listeners; self.connections = connections; self.hub = hub
    }

    /// Loads or makes the key and the world, then listens on every DC.
    public static func start(_ options: TestDCOptions) async throws -> TestDCServer {
        let key = try loadOrCreateKey(options.keyPath)
        let store: WorldStore = try options.statePath.map { try SQLiteWorldStore(path: $0) } ?? InMemoryWorldStore()
        let now = Int(Date().timeIntervalSince1970) + (options.config.faults.clockSkewSeconds ?? 0)
        let world = try World(config: options.config, dcCount: options.dcCount, store: store, codeLog: options.codeLogPath.map(CodeLog.init), now: now)
        let salts = SaltSchedule(rotateEvery: options.config.faults.rotateSaltSeconds, now: now)

        // Bind first (ports must be known before help.getConfig can list them), then hand out contexts.
        let box = ContextBox()
        let counter = MTConnectionCounter(limit: options.maxConnections)
        let limits = MTListener.Limits(maxFrameSize: maxFrameSize, openingTimeout: .seconds(options.openingTimeout),
                                       idleTimeout: .seconds(options.idleTimeout), connections: counter)
        let proxied = options.mtproxySecret != nil
        var listeners: [MTListener] = []
        var dcs: [DCAddress] = []
        do {
            for n in 1...max(1, options.dcCount) {
                let port = options.port == 0 ? 0 : options.port + n - 1
                let listener: MTListener
                do {
                    // An MTProxy forwards to the DC the client names in its header; a DC serves itself.
                    listener = try await MTListener.bind(host: options.host, port: port, mtproxySecret: options.mtproxySecret, limits: limits,
                                                         group: options.eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton) { link in
                        await ServedConnection.serve(link, proxied: proxied) { wanted in
                            proxied ? (wanted.flatMap { box.context($0) } ?? box.context(n)) : box.context(n)
                        }
                    }
                } catch {
                    throw TestDCError.bindFailed(host: options.host, port: port, reason: "\(error)")
                }
                listeners.append(listener)
                dcs.append(DCAddress(id: n, host: options.host, port: listener.port))
            }
        } catch {
            for l in listeners { await l.close() }
            throw error
        }
        let dispatcher = APIDispatcher(world: world, dcs: dcs)
        let hub = UpdateHub(world: world)
        box.set(dcs.map { DCContext(dcID: $0.id, world: world, dispatcher: dispatcher, privateKey: key, salts: salts, hub: hub) })
        return TestDCServer(dcs: dcs, publicKey: key.publicKey, world: world, listeners: listeners, connections: counter, hub: hub)
    }

    /// Stops listening and closes the state.
    public func close() async {
        for l in listeners { await l.close() }
    }

    /// The info file's JSON: `{"dcs":[{"id","host","port"}],"rsa_public_key","fingerprint"}`.
    public var infoJSON: String {
        let dcList = dcs.map { "{\"id\":\($0.id),\"host\":\(JSONValue.quoted($0.host)),\"port\":\($0.port)}" }.joined(separator: ",")
        return "{\"dcs\":[\(dcList)],\"rsa_public_key\":\(JSONValue.quoted(publicKey.pkcs1PEM)),\"fingerprint\":\"\(publicKey.fingerprint)\"}"
    }

    /// Writes the info file atomically (readers never see half of it).
    public func writeInfo(to path: String) throws {
        let temp = path + ".tmp-\(getpid())"
        do {
            try Data((infoJSON + "\n").utf8).write(to: URL(fileURLWithPath: temp))
            guard rename(temp, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw TestDCError.infoUnwritable(path: path, reason: error.localizedDescription)
        }
    }

    static func loadOrCreateKey(_ path: String?) throws -> RSAPrivateKey {
        guard let path else { return try RSAPrivateKey.generate(bits: 2048) }
        if FileManager.default.fileExists(atPath: path) {
            do {
                return try RSAPrivateKey(pem: try String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw TestDCError.keyUnreadable(path: path, reason: "\(error)")
            }
        }
        let key = try RSAPrivateKey.generate(bits: 2048)
        // Written aside and renamed into place, so a server starting at the same moment never reads half a key.
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temp, contents: Data(key.pem.utf8), attributes: [.posixPermissions: 0o600]),
              rename(temp, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw TestDCError.keyUnreadable(path: path, reason: "cannot write a new key there")
        }
        return key
    }
}

/// The per-DC contexts, filled in once every DC's port is known.
private final class ContextBox: @unchecked Sendable {
    private var contexts: [DCContext] = []
    private let lock = NSLock()
    func set(_ c: [DCContext]) { lock.withLock { contexts = c } }
    func context(_ dc: Int) -> DCContext? { lock.withLock { contexts.indices.contains(dc - 1) ? contexts[dc - 1] : nil } }
}
