import Foundation
import MTCrypto
import MTProto

/// Sends requests to one data centre and returns their answers: owns the
/// connection, creates the auth key when there is none, drives a
/// `ClientSession` with many requests in flight (those submitted while a packet is
/// being written leave together in one container), times requests out, keeps the
/// connection alive with `ping_delay_disconnect`, reconnects with exponential
/// backoff (resending what was not answered), and shuts down cleanly.
public actor MTSender {
    public typealias Connector = @Sendable (SenderConfiguration) async throws -> PacketConnection

    public let configuration: SenderConfiguration
    private let hooks: SenderHooks
    private let connector: Connector

    private var authKey: AuthKey?
    private var savedSalt: Int64?
    private var session: ClientSession?
    private var connection: PacketConnection?
    /// `connection` when it can be written without suspending (looked up once per connection).
    private var directWriter: DirectPacketWriter?
    private var generation = 0
    private var connecting: Task<Void, Error>?
    private var isShutDown = false

    /// Wakes the writer, which then takes everything due in one go (see `takePackets`).
    private var writerSignal: AsyncStream<Void>.Continuation?
    /// Plain packets of the auth key exchange, sent before anything the session has.
    private var plainOutbox: [[UInt8]] = []
    /// A direct write (see `flush`) has not completed yet.
    private var writing = false
    private var readerTask: Task<Void, Never>?
    private var writerTask: Task<Void, Never>?
    private var pingTask: Task<Void, Never>?
    private var ackTask: Task<Void, Never>?

    /// The init request of a connection being opened: failed (and the connect
    /// retried) if that connection is lost before it is answered.
    private var initRequestID: RequestID?
    private var exchange: ClientAuthKeyExchange?
    private var exchangeWaiter: CheckedContinuation<CreatedAuthKey, Error>?

    private struct Waiter {
        var continuation: CheckedContinuation<[UInt8], Error>
        var deadline: ContinuousClock.Instant
        var timeout: Duration
    }
    private var waiters: [RequestID: Waiter] = [:]
    /// One timer for all requests, set for the earliest deadline.
    private var deadlineTask: Task<Void, Never>?
    private var deadlineTaskFires: ContinuousClock.Instant?

    /// Connections opened so far (1 after the first connect; more after reconnects).
    public private(set) var connectionsOpened = 0
    /// Packets handed to the connection so far (requests share packets when many are in flight).
    public private(set) var packetsSent = 0

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
                                        proxy: c.proxy, timeout: c.connectTimeout)
        }
    }

    /// The auth key in use (created on the first connect when there was none).
    public var currentAuthKey: AuthKey? { authKey }
    public var isConnected: Bool { connection != nil && session != nil && connecting == nil }

    /// Opens the connection (creating an auth key if needed) and, on a new
    /// session, sends the configured init request. Idempotent.
    public func connect() async throws {
        try await ensureConnected()
    }

    /// Sends a request body (a boxed TL method call) and returns the raw result
    /// bytes. Throws `RPCError` for Telegram's errors, `SenderError` otherwise.
    public func invoke(_ body: [UInt8], timeout: Duration? = nil) async throws -> [UInt8] {
        try await ensureConnected()
        return try await submit(body, timeout: timeout ?? configuration.requestTimeout)
    }

    /// Fails every pending request with `.shutDown`, stops the timers and closes
    /// the connection. The sender cannot be used afterwards.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        let conn = connection
        tearDown()
        connecting?.cancel()
        failAll(SenderError.shutDown)
        failExchange(SenderError.shutDown)
        await conn?.close()
    }

    // MARK: Connecting

    private func ensureConnected() async throws {
        if isShutDown { throw SenderError.shutDown }
        if let connecting { return try await connecting.value }
        if connection != nil, session != nil { return }
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
        generation += 1
        let gen = generation
        connection = conn
        directWriter = conn as? DirectPacketWriter
        writing = false
        if directWriter == nil { startWriter(conn, gen) }
        startReader(conn, gen)
        do {
            var fresh = false
            if authKey == nil {
                session = nil
                let created = try await exchangeKey()
                authKey = created.authKey
                hooks.onAuthKey(created.authKey)
                hooks.onSalt(created.serverSalt)
                session = ClientSession(authKey: created.authKey, serverSalt: created.serverSalt, timeOffset: created.timeOffset)
                fresh = true
            } else if session == nil, let key = authKey {
                session = ClientSession(authKey: key, serverSalt: savedSalt ?? 0, timeOffset: 0)
                fresh = true
            } else {
                session?.requeueUnanswered()
            }
            startPing(gen)
            if fresh, let initRequest = configuration.initRequest {
                defer { initRequestID = nil }
                let result = try await submit(initRequest, timeout: configuration.requestTimeout) { self.initRequestID = $0 }
                hooks.onInit(result)
            } else {
                flush()
            }
        } catch {
            if gen == generation {
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
            sendPlain(first)
        }
    }

    private func failExchange(_ error: Error) {
        exchange = nil
        exchangeWaiter?.resume(throwing: error)
        exchangeWaiter = nil
    }

    // MARK: Requests

    private func submit(_ body: [UInt8], timeout: Duration, enqueued: (RequestID) -> Void = { _ in }) async throws -> [UInt8] {
        guard session != nil else { throw SenderError.shutDown }
        let id = session!.enqueue(body)
        enqueued(id)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8], Error>) in
                let deadline = ContinuousClock.now + timeout
                waiters[id] = Waiter(continuation: c, deadline: deadline, timeout: timeout)
                armDeadlineTimer(for: deadline)
                flush()
            }
        } onCancel: {
            Task { await self.cancelRequest(id) }
        }
    }

    /// Makes sure the shared timer fires by `deadline` (requests usually share one
    /// timeout, so a new request rarely moves it).
    private func armDeadlineTimer(for deadline: ContinuousClock.Instant) {
        if let fires = deadlineTaskFires, fires <= deadline { return }
        deadlineTask?.cancel()
        deadlineTaskFires = deadline
        deadlineTask = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            if !Task.isCancelled { await self?.deadlinePassed() }
        }
    }

    /// Fails the requests whose time is up and sets the timer for the next deadline.
    private func deadlinePassed() {
        deadlineTask = nil
        deadlineTaskFires = nil
        let now = ContinuousClock.now
        var next: ContinuousClock.Instant?
        for (id, waiter) in waiters {
            if waiter.deadline <= now {
                waiters[id] = nil
                session?.cancel(id)
                waiter.continuation.resume(throwing: SenderError.timeout(seconds: waiter.timeout.seconds))
            } else if next == nil || waiter.deadline < next! {
                next = waiter.deadline
            }
        }
        if let next { armDeadlineTimer(for: next) }
    }

    private func cancelRequest(_ id: RequestID) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        session?.cancel(id)
        waiter.continuation.resume(throwing: CancellationError())
    }

    private func finish(_ id: RequestID, _ result: Result<[UInt8], Error>) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.continuation.resume(with: result)
    }

    private func failAll(_ error: Error) {
        let all = waiters
        waiters = [:]
        deadlineTask?.cancel(); deadlineTask = nil; deadlineTaskFires = nil
        for (id, waiter) in all {
            session?.cancel(id)
            waiter.continuation.resume(throwing: error)
        }
    }

    /// Sends what is due. Requests submitted while the previous packet is still being
    /// written share the next packet — one container — instead of one packet each.
    /// A connection that can queue bytes without suspending (`DirectPacketWriter`) is
    /// written from here; others go through the writer task.
    private func flush() {
        guard let direct = directWriter else {
            writerSignal?.yield()
            return
        }
        guard !writing else { return }  // `written` sends what queued up meanwhile
        let gen = generation
        let packets = takePackets(gen)
        guard !packets.isEmpty else { return }
        writing = true
        direct.write(packets) { error in
            Task { await self.written(gen, error) }
        }
    }

    private func written(_ gen: Int, _ error: Error?) {
        guard gen == generation else { return }
        writing = false
        if let error { return lost(gen, error) }
        flush()
    }

    private func sendPlain(_ packet: [UInt8]) {
        plainOutbox.append(packet)
        flush()
    }

    /// Everything due on connection `gen`, in order: exchange packets, then what the
    /// session packs from its queue (many requests per container).
    private func takePackets(_ gen: Int) -> [[UInt8]] {
        guard gen == generation else { return [] }
        var packets = plainOutbox
        plainOutbox.removeAll()
        if session != nil {
            while let packet = session!.nextPacket(now: Date()) { packets.append(packet) }
            scheduleAcks()
        }
        packetsSent += packets.count
        return packets
    }

    private func scheduleAcks() {
        guard ackTask == nil, let deadline = session?.ackDeadline else { return }
        let delay = max(0, deadline.timeIntervalSinceNow)
        ackTask = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000) + 1))
            await self?.ackTimerFired()
        }
    }

    private func ackTimerFired() {
        ackTask = nil
        flush()
    }

    // MARK: Connection tasks

    private func startWriter(_ conn: PacketConnection, _ gen: Int) {
        let (signal, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        writerSignal = continuation
        plainOutbox.removeAll()
        writerTask = Task { [weak self] in
            for await _ in signal {
                // While a packet is being written, new requests queue up in the session
                // and leave together in the next one.
                while let packets = await self?.takePackets(gen), !packets.isEmpty {
                    do {
                        for packet in packets { try await conn.send(packet) }
                    } catch {
                        await self?.lost(gen, error)
                        return
                    }
                }
            }
        }
    }

    private func startReader(_ conn: PacketConnection, _ gen: Int) {
        readerTask = Task { [weak self] in
            do {
                for try await packet in conn.packets {
                    await self?.received(packet, gen)
                }
                await self?.lost(gen, ConnectionError.closed)
            } catch {
                await self?.lost(gen, error)
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
        guard gen == generation, session != nil else { return }
        let body = ServiceMessages.pingDelayDisconnect(pingID: SecureRandom.int64(), disconnectDelay: disconnectDelay)
        do {
            _ = try await submit(body, timeout: configuration.requestTimeout)
        } catch SenderError.timeout {
            lost(gen, SenderError.timeout(seconds: configuration.requestTimeout.seconds))
        } catch {}
    }

    private func received(_ packet: [UInt8], _ gen: Int) {
        guard gen == generation else { return }
        if exchange != nil {
            do {
                switch try exchange!.handle(packet, now: Date()) {
                case .send(let next):
                    sendPlain(next)
                case .done(let created):
                    exchange = nil
                    exchangeWaiter?.resume(returning: created)
                    exchangeWaiter = nil
                }
            } catch {
                failExchange(SenderError.keyExchangeFailed("\(error)"))
            }
            return
        }
        guard session != nil else { return }
        let saltBefore = session!.serverSalt
        for event in session!.handle(packet, now: Date()) {
            switch event {
            case let .result(id, body): finish(id, .success(body))
            case let .rpcError(id, error): finish(id, .failure(error))
            case let .failed(id, error): finish(id, .failure(SenderError.session(error)))
            case let .update(body): hooks.onUpdate(body)
            default: break
            }
        }
        if session!.serverSalt != saltBefore { hooks.onSalt(session!.serverSalt) }
        flush()
    }

    /// Stops the tasks of the current connection (not the requests).
    private func tearDown() {
        generation += 1
        readerTask?.cancel(); readerTask = nil
        pingTask?.cancel(); pingTask = nil
        ackTask?.cancel(); ackTask = nil
        writerSignal?.finish(); writerSignal = nil
        plainOutbox.removeAll()
        writerTask = nil
        connection = nil
        directWriter = nil
    }

    private func lost(_ gen: Int, _ error: Error) {
        guard gen == generation, !isShutDown else { return }
        let conn = connection
        tearDown()
        Task { await conn?.close() }
        if case ConnectionError.serverTransportError(code: -404)? = error as? ConnectionError {
            authKey = nil
            session = nil
            hooks.onAuthKeyRejected()
            failExchange(SenderError.authKeyRejected)
            failAll(SenderError.authKeyRejected)
            return
        }
        if exchangeWaiter != nil {
            failExchange(ConnectionError.closed)
            return
        }
        if let id = initRequestID {
            initRequestID = nil
            session?.cancel(id)
            finish(id, .failure(ConnectionError.closed))
            return
        }
        guard connecting == nil, !waiters.isEmpty else { return }
        let task = Task { try await self.reconnect(after: error) }
        connecting = task
        Task {
            do { try await task.value } catch { self.failAll(error) }
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

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
