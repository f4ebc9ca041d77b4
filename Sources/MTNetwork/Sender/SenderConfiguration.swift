import Foundation
import MTCrypto
import MTProto
import NIOCore

/// Something that carries MTProto packets both ways: an `MTConnection`, or an
/// in-memory pipe in tests.
public protocol PacketConnection: Sendable {
    func send(_ packet: [UInt8]) async throws
    var packets: AsyncThrowingStream<[UInt8], Error> { get }
    func close() async
}

extension MTConnection: PacketConnection {}

/// A connection that queues packets without suspending, so `MTSender` writes from its
/// own executor instead of handing each packet to a writer task.
protocol DirectPacketWriter: Sendable {
    /// Queues `packets` in order; `completion` runs once all are written (nil) or the
    /// connection failed.
    func write(_ packets: [[UInt8]], completion: @escaping @Sendable (Error?) -> Void)
    /// Runs `body` where writes go out without a hop (the connection's event loop).
    func executeOnWriteThread(_ body: @escaping @Sendable () -> Void)
}

/// A connection that decodes packets on its event loop and hands them over there, so the
/// sender handles answers where they are read instead of in a reader task.
protocol PushPacketConnection: DirectPacketWriter {
    /// Starts delivery: `deliver` gets each read's packets in order; `ended` runs once
    /// (nil: the server closed cleanly).
    func deliverPackets(to deliver: @escaping ([[UInt8]]) -> Void, ended: @escaping (Error?) -> Void)
}

/// How an `MTSender` reaches and talks to one data centre.
public struct SenderConfiguration: Sendable {
    public var dataCenter: DataCenter
    /// The server's RSA keys trusted for a new auth key.
    public var serverKeys: [RSAPublicKey]
    public var transport: TransportProtocol
    public var obfuscated: Bool
    public var proxy: Proxy?
    /// For opening a connection (TCP, proxy handshake, transport opening).
    public var connectTimeout: Duration
    /// For the auth key exchange once connected.
    public var keyExchangeTimeout: Duration
    /// Default time a request may wait for its answer.
    public var requestTimeout: Duration
    /// How often a keep-alive `ping_delay_disconnect` is sent.
    public var pingInterval: Duration
    /// The server closes the connection after this long without a ping.
    public var disconnectDelay: Int
    /// Reconnect attempts after a lost connection before pending requests fail.
    public var reconnectAttempts: Int
    /// First reconnect delay; doubled each attempt up to `maxReconnectDelay`.
    public var reconnectDelay: Duration
    public var maxReconnectDelay: Duration
    /// Sent as the first request of a new session (typically
    /// `invokeWithLayer(initConnection(help.getConfig))`); its result is handed
    /// to `SenderHooks.onInit`.
    public var initRequest: [UInt8]?
    /// Where the connection runs (nil: NIO's shared group), e.g. an application's own group.
    public var eventLoopGroup: (any EventLoopGroup)?

    public init(dataCenter: DataCenter, serverKeys: [RSAPublicKey], transport: TransportProtocol = .intermediate,
                obfuscated: Bool = false, proxy: Proxy? = nil, connectTimeout: Duration = .seconds(10),
                keyExchangeTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(30),
                pingInterval: Duration = .seconds(60), disconnectDelay: Int = 75, reconnectAttempts: Int = 5,
                reconnectDelay: Duration = .milliseconds(250), maxReconnectDelay: Duration = .seconds(8),
                initRequest: [UInt8]? = nil) {
        self.dataCenter = dataCenter
        self.serverKeys = serverKeys
        self.transport = transport
        self.obfuscated = obfuscated
        self.proxy = proxy
        self.connectTimeout = connectTimeout
        self.keyExchangeTimeout = keyExchangeTimeout
        self.requestTimeout = requestTimeout
        self.pingInterval = pingInterval
        self.disconnectDelay = disconnectDelay
        self.reconnectAttempts = reconnectAttempts
        self.reconnectDelay = reconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.initRequest = initRequest
    }
}

/// What the sender reports to its owner, so that keys and salts are persisted
/// and updates reach whoever wants them. Called in order, one at a time, never on the
/// connection's event loop; keep them short.
public struct SenderHooks: Sendable {
    /// A new auth key was created (persist it).
    public var onAuthKey: @Sendable (AuthKey) -> Void
    /// The server's salt changed (persist it so the next run starts with it).
    public var onSalt: @Sendable (Int64) -> Void
    /// The server rejected the auth key (`-404`): it was forgotten.
    public var onAuthKeyRejected: @Sendable () -> Void
    /// The result of `SenderConfiguration.initRequest` on each new session.
    public var onInit: @Sendable ([UInt8]) -> Void
    /// A message that is not an answer (updates).
    public var onUpdate: @Sendable ([UInt8]) -> Void

    public init(onAuthKey: @escaping @Sendable (AuthKey) -> Void = { _ in },
                onSalt: @escaping @Sendable (Int64) -> Void = { _ in },
                onAuthKeyRejected: @escaping @Sendable () -> Void = {},
                onInit: @escaping @Sendable ([UInt8]) -> Void = { _ in },
                onUpdate: @escaping @Sendable ([UInt8]) -> Void = { _ in }) {
        self.onAuthKey = onAuthKey
        self.onSalt = onSalt
        self.onAuthKeyRejected = onAuthKeyRejected
        self.onInit = onInit
        self.onUpdate = onUpdate
    }
}

/// Why a request sent through an `MTSender` did not get an answer.
public enum SenderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No answer within `seconds`; the request may or may not have been executed.
    case timeout(seconds: Double)
    /// The sender was shut down before the answer came; it cannot be used again.
    case shutDown
    /// The connection could not be (re)established after `attempts` tries.
    case unreachable(attempts: Int, lastError: String)
    /// The server did not finish the auth key exchange within `seconds` (retried on connect).
    case keyExchangeTimeout(seconds: Double)
    /// The auth key exchange failed; the reason says at which step.
    case keyExchangeFailed(String)
    /// The session refused the request (a bad_msg_notification that cannot be fixed).
    case session(SessionError)
    /// The server no longer knows our auth key (transport error -404); the key was
    /// dropped and the next request creates a new one (the login is lost).
    case authKeyRejected

    public var description: String {
        switch self {
        case let .timeout(s): return "no answer from Telegram within \(s) s; check the network or raise the timeout"
        case .shutDown: return "the connection was shut down before the answer arrived"
        case let .unreachable(n, e): return "cannot reach the data centre after \(n) attempts (\(e)); check the address, proxy and network"
        case let .keyExchangeTimeout(s): return "the server did not finish creating an auth key within \(s) s; check that it is a Telegram server"
        case let .keyExchangeFailed(why): return "creating an auth key failed: \(why)"
        case let .session(e): return "the server refused the request: \(e)"
        case .authKeyRejected: return "the server does not know this session's auth key (-404); log in again"
        }
    }
}
