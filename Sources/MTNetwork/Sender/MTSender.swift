import Foundation
import MTCrypto
import MTProto
import NIOPosix

/// Sends requests to one data centre and returns their answers: owns the
/// connection, creates the auth key when there is none, drives a
/// `ClientSession` with many requests in flight (those submitted while a packet is
/// being written leave together in one container), times requests out, keeps the
/// connection alive with `ping_delay_disconnect`, reconnects with exponential
/// backoff (resending what was not answered), and shuts down cleanly.
public actor MTSender {
    public typealias Connector = @Sendable (SenderConfiguration) async throws -> PacketConnection

    public nonisolated let configuration: SenderConfiguration
    private let hooks: SenderHooks
    private let connector: Connector
    /// The session, waiting requests and writes: the path answers take without this actor.
    private let core: SenderCore
    /// Where a caller's task may prefer to run for the shortest round trips (see `ConnectionExecutor`).
    public nonisolated let taskExecutor: ConnectionExecutor

    private var authKey: AuthKey?
    private var savedSalt: Int64?
    private var connection: PacketConnection?
    private var connecting: Task<Void, Error>?
    private var isShutDown = false

    private var readerTask: Task<Void, Never>?
    private var writerTask: Task<Void, Never>?
    private var pingTask: Task<Void, Never>?

    /// The init request of a connection being opened: failed (and the connect
    /// retried) if that connection is lost before it is answered.
    private var initTicket: SenderCore.Ticket?
    private var exchange: ClientAuthKeyExchange?
    private var exchangeWaiter: CheckedContinuation<CreatedAuthKey, Error>?

    /// Connections opened so far (1 after the first connect; more after reconnects).
    public private(set) var connectionsOpened = 0
    /// Packets handed to the connection so far (requests share packets when many are in flight).
    public var packetsSent: Int { core.packetsSent }

    /// - Parameters:
    ///   - authKey: the stored key for this data centre, or nil to create one on connect.
    ///   - serverSalt: the last known salt (0 works too: the server corrects it).
    ///   - connector: opens the connection; `MTConnection.open` by default.
    public init(configuration: SenderConfiguration, authKey: AuthKey?, serverSalt: Int64? = nil,
                hooks: SenderHooks = SenderHooks(), connector: Connector? = nil) {
        self.configuration = configuration
        self.authKey = authKey
        self.savedSalt = serverSalt
        self.hooks = hooks
        self.connector = connector ?? { c in
            try await MTConnection.open(to: c.dataCenter, transport: c.transport, obfuscated: c.obfuscated,
                                        proxy: c.proxy, timeout: c.connectTimeout,
                                        group: c.eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton)
        }
        let core = SenderCore(hooks: hooks)
        self.core = core
        self.taskExecutor = ConnectionExecutor(core: core)
        let owner = WeakSender()
        core.setReceivers(plain: { packet, gen in Task { await owner.sender?.receivedPlain(packet, gen) } },
                          lost: { gen, error in Task { await owner.sender?.lost(gen, error) } })
        owner.sender = self
    }


    /// The auth key in use (created on the first connect when there was none).
    public var currentAuthKey: AuthKey? { authKey }
    public var isConnected: Bool { connection != nil && core.hasSession && connecting == nil }

    /// Opens the connection (creating an auth key if needed) and, on a new
    /// session, sends the configured init request. Idempotent.
    public func connect() async throws {
        try await ensureConnected()
    }

    /// Sends a request body (a boxed TL method call) and returns the raw result
    /// bytes. Throws `RPCError` for Telegram's errors, `SenderError` otherwise.
    /// Once connected, requests go straight to the session without waiting for this actor.
    public nonisolated(nonsending) func invoke(_ body: [UInt8], timeout: Duration? = nil) async throws -> [UInt8] {
        let timeout = timeout ?? configuration.requestTimeout
        do {
            return try await core.submit(body, timeout: timeout, onlyWhenReady: true)
        } catch is SenderCore.NotReady {
            try await ensureConnected()
            return try await core.submit(body, timeout: timeout)
        }
    }

    /// Fails every pending request with `.shutDown`, stops the timers and closes
    /// the connection. The sender cannot be used afterwards.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        core.close()
        let conn = connection
        tearDown()
        connecting?.cancel()
        core.failAll(SenderError.shutDown)
        failExchange(SenderError.shutDown)
        await conn?.close()
    }

    // MARK: Connecting

    private func ensureConnected() async throws {
        if isShutDown { throw SenderError.shutDown }
        if let connecting { return try await connecting.value }
        if connection != nil, core.hasSession { return }
        let task = Task { try await self.connectWithRetries() }
        connecting = task
        do {
            try await task.value
            connecting = nil
        } catch {
            connecting = nil
            throw error
        }
    }

    /// The first connection: retried with backoff when the server is silent or
    /// the connection fails (not when the exchange itself is refused).
    private func connectWithRetries() async throws {
        var delay = configuration.reconnectDelay
        var attempt = 1
        while true {
            do {
                return try await connectOnce()
            } catch let error where attempt < configuration.reconnectAttempts && MTSender.isRetryable(error) && !isShutDown {
                attempt += 1
                try await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.maxReconnectDelay)
            }
        }
    }

    static func isRetryable(_ error: Error) -> Bool {
        switch error {
        case SenderError.timeout, SenderError.keyExchangeTimeout: return true
        case let e as ConnectionError:
            if case .unsupported = e { return false }
            return true
        default: return false
        }
    }

    private func connectOnce() async throws {
        let conn = try await connector(configuration)
        if isShutDown { await conn.close(); throw SenderError.shutDown }
        connectionsOpened += 1
        connection = conn
        let gen: Int
        if let pushing = conn as? PushPacketConnection {
            gen = core.attach(.direct(pushing))
            pushing.deliverPackets(to: { [core] packets in core.received(packets, gen: gen) },
                                   ended: { [core] error in core.connectionLost(gen, error ?? ConnectionError.closed) })
        } else {
            let (signal, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            gen = core.attach(.task(continuation))
            startWriter(conn, signal, gen)
            startReader(conn, gen)
        }
        do {
            var fresh = false
            if authKey == nil {
                core.installSession(nil)
                let created = try await exchangeKey()
                authKey = created.authKey
                hooks.onAuthKey(created.authKey)
                hooks.onSalt(created.serverSalt)
                core.installSession(ClientSession(authKey: created.authKey, serverSalt: created.serverSalt, timeOffset: created.timeOffset))
                fresh = true
            } else if !core.hasSession, let key = authKey {
                core.installSession(ClientSession(authKey: key, serverSalt: savedSalt ?? 0, timeOffset: 0))
                fresh = true
            } else {
                core.requeueUnanswered()
            }
            startPing(gen)
            if fresh, let initRequest = configuration.initRequest {
                let ticket = SenderCore.Ticket()
                initTicket = ticket
                defer { initTicket = nil }
                let result = try await core.submit(initRequest, timeout: configuration.requestTimeout, ticket: ticket)
                hooks.onInit(result)
            } else {
                core.flush()
            }
            if gen == core.currentGeneration { core.setReady(true) }
        } catch {
            if gen == core.currentGeneration {
                tearDown()
                await conn.close()
            }
            throw error
        }
    }

    private func exchangeKey() async throws -> CreatedAuthKey {
        var ex = ClientAuthKeyExchange(dcID: configuration.dataCenter.id, serverKeys: configuration.serverKeys)
        let first = ex.start(now: Date())
        exchange = ex
        let timeout = configuration.keyExchangeTimeout
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { await self?.failExchange(SenderError.keyExchangeTimeout(seconds: timeout.seconds)) }
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { c in
            exchangeWaiter = c
            core.sendPlain(first)
        }
    }

    private func failExchange(_ error: Error) {
        exchange = nil
        exchangeWaiter?.resume(throwing: error)
        exchangeWaiter = nil
    }

    /// A packet that came while there was no session: a step of the key exchange.
    fileprivate func receivedPlain(_ packet: [UInt8], _ gen: Int) {
        guard gen == core.currentGeneration, exchange != nil else { return }
        do {
            switch try exchange!.handle(packet, now: Date()) {
            case .send(let next):
                core.sendPlain(next)
            case .done(let created):
                exchange = nil
                exchangeWaiter?.resume(returning: created)
                exchangeWaiter = nil
            }
        } catch {
            failExchange(SenderError.keyExchangeFailed("\(error)"))
        }
    }

    // MARK: Connection tasks (for connections that are not an MTConnection)

    private func startWriter(_ conn: PacketConnection, _ signal: AsyncStream<Void>, _ gen: Int) {
        writerTask = Task { [core] in
            for await _ in signal {
                // While a packet is being written, new requests queue up in the session
                // and leave together in the next one.
                while case let packets = core.takePackets(gen), !packets.isEmpty {
                    do {
                        for packet in packets { try await conn.send(packet) }
                    } catch {
                        core.connectionLost(gen, error)
                        return
                    }
                }
            }
        }
    }

    private func startReader(_ conn: PacketConnection, _ gen: Int) {
        readerTask = Task { [core] in
            do {
                for try await packet in conn.packets {
                    core.received([packet], gen: gen)
                }
                core.connectionLost(gen, ConnectionError.closed)
            } catch {
                core.connectionLost(gen, error)
            }
        }
    }

    private func startPing(_ gen: Int) {
        pingTask?.cancel()
        let interval = configuration.pingInterval
        let delay = configuration.disconnectDelay
        pingTask = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                await self?.ping(gen, disconnectDelay: delay)
            }
        }
    }

    private func ping(_ gen: Int, disconnectDelay: Int) async {
        guard gen == core.currentGeneration, core.hasSession else { return }
        let body = ServiceMessages.pingDelayDisconnect(pingID: SecureRandom.int64(), disconnectDelay: disconnectDelay)
        do {
            _ = try await core.submit(body, timeout: configuration.requestTimeout)
        } catch SenderError.timeout {
            lost(gen, SenderError.timeout(seconds: configuration.requestTimeout.seconds))
        } catch {}
    }

    /// Stops the tasks of the current connection (not the requests).
    private func tearDown() {
        core.detach()
        readerTask?.cancel(); readerTask = nil
        pingTask?.cancel(); pingTask = nil
        writerTask = nil
        connection = nil
    }

    fileprivate func lost(_ gen: Int, _ error: Error) {
        guard gen == core.currentGeneration, !isShutDown else { return }
        let conn = connection
        tearDown()
        Task { await conn?.close() }
        if case ConnectionError.serverTransportError(code: -404)? = error as? ConnectionError {
            authKey = nil
            core.installSession(nil)
            hooks.onAuthKeyRejected()
            failExchange(SenderError.authKeyRejected)
            core.failAll(SenderError.authKeyRejected)
            return
        }
        if exchangeWaiter != nil {
            failExchange(ConnectionError.closed)
            return
        }
        if let ticket = initTicket {
            initTicket = nil
            core.fail(ticket, ConnectionError.closed)
            return
        }
        guard connecting == nil, core.hasWaiters else { return }
        let task = Task { try await self.reconnect(after: error) }
        connecting = task
        Task {
            do { try await task.value } catch { self.core.failAll(error) }
            self.clearConnecting(task)
        }
    }

    private func clearConnecting(_ task: Task<Void, Error>) {
        if connecting == task { connecting = nil }
    }

    private func reconnect(after error: Error) async throws {
        var lastError = "\(error)"
        var delay = configuration.reconnectDelay
        for attempt in 1...max(1, configuration.reconnectAttempts) {
            try await Task.sleep(for: delay)
            if isShutDown { throw SenderError.shutDown }
            do {
                try await connectOnce()
                return
            } catch {
                lastError = "\(error)"
                if attempt == configuration.reconnectAttempts { break }
                delay = min(delay * 2, configuration.maxReconnectDelay)
            }
        }
        throw SenderError.unreachable(attempts: configuration.reconnectAttempts, lastError: lastError)
    }
}

/// Lets the core reach its sender without keeping it alive.
private final class WeakSender: @unchecked Sendable {
    weak var sender: MTSender?
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
