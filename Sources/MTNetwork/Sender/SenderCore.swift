import Foundation
import MTCrypto
import MTProto
import NIOPosix

/// The path every request and answer takes through an `MTSender`, behind one lock: the
/// session, the requests waiting for answers, and the writes. An `MTConnection`'s packets
/// are handled on its event loop as they are read and the waiting callers resumed from
/// there (those on the cooperative pool by one job per packet), so a round trip crosses
/// neither a reader task nor the sender's actor; connecting, the key exchange and
/// keep-alive stay in the actor.
final class SenderCore: @unchecked Sendable {
    /// Unsafe continuations: each is resumed once, by whoever removes its waiter under the lock.
    struct Waiter {
        var continuation: UnsafeContinuation<[UInt8], Error>
        var deadline: ContinuousClock.Instant
        var timeout: Duration
        /// Submitted on an event-loop thread (a caller on `ConnectionExecutor`): resumed where
        /// its answer is handled. The others in a packet are resumed together by one pool job,
        /// so the loop hands the pool one job per packet instead of one per caller.
        var fromEventLoop: Bool
    }

    private typealias Answer = (continuation: UnsafeContinuation<[UInt8], Error>, result: Result<[UInt8], Error>)

    /// A request before and after it has an id, so that it can be failed (cancelled, or its
    /// connection lost) at any moment. Guarded by the core's lock.
    final class Ticket: @unchecked Sendable {
        fileprivate var id: RequestID?
        fileprivate var failure: Error?
        init() {}
    }

    /// How packets reach the connection.
    enum Writer {
        case none
        /// Queued without suspending (`MTConnection`).
        case direct(DirectPacketWriter)
        /// Taken by a writer task, woken through this signal.
        case task(AsyncStream<Void>.Continuation)
    }

    private let lock = AdaptiveLock()
    private let hooks: SenderHooks
    /// Salt and update hooks run here, in order and off the event loop (they may write storage).
    private let hookQueue = DispatchQueue(label: "tgflow.sender.hooks")

    private var session: ClientSession?
    private var waiters = IDMap<Waiter>()  // by RequestID.rawValue
    private var generation = 0
    private var writer: Writer = .none
    /// A direct write has not completed yet; what is due meanwhile leaves in the next packet.
    private var writing = false
    /// Nested flushes on one thread (a write that completes at once flushes again).
    private var flushDepth = 0
    /// A flush is waiting to run on the connection's event loop.
    private var flushScheduled = false
    private var ready = false
    private var closed = false
    /// Plain packets of the auth key exchange, sent before anything the session has.
    private var plainOutbox: [[UInt8]] = []
    /// One timer for all requests, set for the earliest deadline.
    private var deadlineTask: Task<Void, Never>?
    private var deadlineTaskFires: ContinuousClock.Instant?
    private var ackTask: Task<Void, Never>?
    private var sent = 0

    /// Packets without a session (the key exchange) go here, with their connection's generation.
    private var plainReceiver: @Sendable ([UInt8], Int) -> Void = { _, _ in }
    /// A connection failed or closed.
    private var lostReceiver: @Sendable (Int, Error) -> Void = { _, _ in }

    init(hooks: SenderHooks) { self.hooks = hooks }

    func setReceivers(plain: @escaping @Sendable ([UInt8], Int) -> Void, lost: @escaping @Sendable (Int, Error) -> Void) {
        lock.withLock {
            plainReceiver = plain
            lostReceiver = lost
        }
    }

    // MARK: State the actor reads and sets

    var currentGeneration: Int { lock.withLock { generation } }
    var hasSession: Bool { lock.withLock { session != nil } }
    var hasWaiters: Bool { lock.withLock { !waiters.isEmpty } }
    var packetsSent: Int { lock.withLock { sent } }
    /// Connected, with a session, and not reconnecting: requests may go straight in.
    func setReady(_ value: Bool) { lock.withLock { ready = value } }

    /// Refuses every later request (the sender is shut down).
    func close() { lock.withLock { closed = true; ready = false } }

    func installSession(_ new: ClientSession?) { lock.withLock { session = new } }

    func requeueUnanswered() { lock.withLock { session?.requeueUnanswered() } }

    /// A new connection: packets and write completions of older ones are ignored from now on.
    func attach(_ newWriter: Writer) -> Int {
        lock.withLock {
            generation += 1
            writer = newWriter
            writing = false
            flushScheduled = false
            plainOutbox.removeAll()
            return generation
        }
    }

    /// The connection is gone (or being replaced).
    func detach() {
        lock.withLock {
            generation += 1
            if case .task(let signal) = writer { signal.finish() }
            writer = .none
            writing = false
            ready = false
            plainOutbox.removeAll()
            ackTask?.cancel()
            ackTask = nil
        }
    }

    // MARK: Requests

    /// Queues `body` and waits for its answer. Throws `RPCError` for Telegram's errors,
    /// `SenderError.timeout` after `timeout`, `CancellationError` when the caller is cancelled.
    /// With `onlyWhenReady`, throws `NotReady` instead when not connected (or reconnecting).
    nonisolated(nonsending) func submit(_ body: [UInt8], timeout: Duration, ticket: Ticket = Ticket(), onlyWhenReady: Bool = false) async throws -> [UInt8] {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<[UInt8], Error>) in
                let deadline = ContinuousClock.now + timeout
                let fromEventLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
                var wake: Writer = .none
                let refusal: Error? = lock.withLock {
                    if let failure = ticket.failure { return failure }
                    if onlyWhenReady, !ready || closed { return NotReady() }
                    guard !closed, session != nil else { return SenderError.shutDown }
                    let id = session!.enqueue(body)
                    ticket.id = id
                    waiters[id.rawValue] = Waiter(continuation: c, deadline: deadline, timeout: timeout, fromEventLoop: fromEventLoop)
                    armDeadlineTimer(for: deadline)
                    wake = flushNeeded()
                    return nil
                }
                if let refusal { return c.resume(throwing: refusal) }
                wakeWriter(wake)
            }
        } onCancel: {
            fail(ticket, CancellationError())
        }
    }

    /// `submit(onlyWhenReady: true)` found no ready connection.
    struct NotReady: Error {}

    /// Fails one request (or, before it is queued, makes `submit` throw at once).
    func fail(_ ticket: Ticket, _ error: Error) {
        let waiter: Waiter? = lock.withLock {
            guard let id = ticket.id else {
                ticket.failure = error
                return nil
            }
            session?.cancel(id)
            return waiters.removeValue(forKey: id.rawValue)
        }
        waiter?.continuation.resume(throwing: error)
    }

    func failAll(_ error: Error) {
        let all: [Waiter] = lock.withLock {
            deadlineTask?.cancel()
            deadlineTask = nil
            deadlineTaskFires = nil
            let all = waiters.entries
            waiters.removeAll()
            for (raw, _) in all { session?.cancel(RequestID(rawValue: raw)) }
            return all.map(\.value)
        }
        for waiter in all { waiter.continuation.resume(throwing: error) }
    }

    /// Makes sure the shared timer fires by `deadline` (requests usually share one timeout,
    /// so a new request rarely moves it). Under the lock.
    private func armDeadlineTimer(for deadline: ContinuousClock.Instant) {
        if let fires = deadlineTaskFires, fires <= deadline { return }
        deadlineTask?.cancel()
        deadlineTaskFires = deadline
        deadlineTask = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            if !Task.isCancelled { self?.deadlinePassed() }
        }
    }

    /// Fails the requests whose time is up and sets the timer for the next deadline.
    private func deadlinePassed() {
        let expired: [Waiter] = lock.withLock {
            deadlineTask = nil
            deadlineTaskFires = nil
            let now = ContinuousClock.now
            var next: ContinuousClock.Instant?
            var expired: [Waiter] = []
            for (raw, waiter) in waiters.entries {
                if waiter.deadline <= now {
                    waiters.removeValue(forKey: raw)
                    session?.cancel(RequestID(rawValue: raw))
                    expired.append(waiter)
                } else if next == nil || waiter.deadline < next! {
                    next = waiter.deadline
                }
            }
            if let next { armDeadlineTimer(for: next) }
            return expired
        }
        for waiter in expired { waiter.continuation.resume(throwing: SenderError.timeout(seconds: waiter.timeout.seconds)) }
    }

    // MARK: Packets in

    /// Handles packets read on connection `gen` (on its event loop for an `MTConnection`):
    /// answers resume their callers, updates and salt changes go to the hooks, and
    /// whatever is due (acks, resends) is sent.
    func received(_ packets: [[UInt8]], gen: Int) {
        var resumeHere: [Answer] = []
        var resumeOnPool: [Answer] = []
        var updates: [[UInt8]] = []
        var newSalt: Int64?
        var plain: [[UInt8]] = []
        var receiver: (@Sendable ([UInt8], Int) -> Void)?
        lock.withLock {
            guard gen == generation else { return }
            guard session != nil else {
                plain = packets
                receiver = plainReceiver
                return
            }
            let saltBefore = session!.serverSalt
            let now = Date()
            for packet in packets {
                for event in session!.handle(packet, now: now) {
                    let id: RequestID, result: Result<[UInt8], Error>
                    switch event {
                    case let .result(rid, body): (id, result) = (rid, .success(body))
                    case let .rpcError(rid, error): (id, result) = (rid, .failure(error))
                    case let .failed(rid, error): (id, result) = (rid, .failure(SenderError.session(error)))
                    case let .update(body): updates.append(body); continue
                    default: continue
                    }
                    guard let waiter = waiters.removeValue(forKey: id.rawValue) else { continue }
                    if waiter.fromEventLoop { resumeHere.append((waiter.continuation, result)) } else { resumeOnPool.append((waiter.continuation, result)) }
                }
            }
            if session!.serverSalt != saltBefore { newSalt = session!.serverSalt }
        }
        if let receiver {
            for packet in plain { receiver(packet, gen) }
            return
        }
        for answer in resumeHere { answer.continuation.resume(with: answer.result) }
        if resumeOnPool.count == 1 {
            resumeOnPool[0].continuation.resume(with: resumeOnPool[0].result)
        } else if !resumeOnPool.isEmpty {
            DispatchQueue.global().async { [resumeOnPool] in
                for answer in resumeOnPool { answer.continuation.resume(with: answer.result) }
            }
        }
        if newSalt != nil || !updates.isEmpty {
            hookQueue.async { [hooks, newSalt, updates] in
                if let newSalt { hooks.onSalt(newSalt) }
                for update in updates { hooks.onUpdate(update) }
            }
        }
        flush()
    }

    /// Connection `gen` failed or the server closed it.
    func connectionLost(_ gen: Int, _ error: Error) {
        let receiver: (@Sendable (Int, Error) -> Void)? = lock.withLock { gen == generation ? lostReceiver : nil }
        receiver?(gen, error)
    }

    /// Runs `body` on the current connection's event loop; false when there is none.
    func executeOnConnection(_ body: @escaping @Sendable () -> Void) -> Bool {
        let direct: DirectPacketWriter? = lock.withLock {
            if case .direct(let direct) = writer { return direct }
            return nil
        }
        direct?.executeOnWriteThread(body)
        return direct != nil
    }

    // MARK: Packets out

    func sendPlain(_ packet: [UInt8]) {
        lock.withLock { plainOutbox.append(packet) }
        flush()
    }

    /// Sends what is due. The packing and writing is left to the connection's event loop,
    /// once: everything submitted before it runs (on any thread, the loop included) shares a
    /// packet, and requests submitted while a packet is being written share the next one.
    func flush() {
        wakeWriter(lock.withLock { flushNeeded() })
    }

    /// What to wake so that a flush happens: nothing when one is already on its way. Under the lock.
    private func flushNeeded() -> Writer {
        // Only ever set for a direct writer: most requests of a burst stop here, without copying `writer`.
        if flushScheduled { return .none }
        switch writer {
        case .none:
            return .none
        case .task:
            return writer
        case .direct:
            flushScheduled = true
            return writer
        }
    }

    private func wakeWriter(_ writer: Writer) {
        switch writer {
        case .none: break
        case .task(let signal): signal.yield()
        case .direct(let direct): direct.executeOnWriteThread { [self] in flushOnLoop() }
        }
    }

    /// Packs and writes what is due; on the connection's event loop.
    private func flushOnLoop() {
        let job: (DirectPacketWriter, [[UInt8]], Int)? = lock.withLock {
            flushScheduled = false
            guard case .direct(let direct) = writer else { return nil }
            guard !writing else { return nil }  // `written` sends what queued up meanwhile
            let packets = takePacketsLocked()
            guard !packets.isEmpty else { return nil }
            writing = true
            flushDepth += 1
            return (direct, packets, generation)
        }
        guard let (direct, packets, gen) = job else { return }
        direct.write(packets) { [self] error in written(gen, error) }
        lock.withLock { flushDepth -= 1 }
    }

    private func written(_ gen: Int, _ error: Error?) {
        let (current, deep): (Bool, Bool) = lock.withLock {
            guard gen == generation else { return (false, false) }
            writing = false
            return (true, flushDepth > 8)
        }
        guard current else { return }
        if let error { return connectionLost(gen, error) }
        // A write that completes inside `write` would otherwise nest flushes without bound.
        if deep { flush() } else { flushOnLoop() }
    }

    /// Everything due on connection `gen`, for a writer task.
    func takePackets(_ gen: Int) -> [[UInt8]] {
        lock.withLock { gen == generation ? takePacketsLocked() : [] }
    }

    /// Exchange packets first, then what the session packs from its queue. Under the lock.
    private func takePacketsLocked() -> [[UInt8]] {
        var packets = plainOutbox
        plainOutbox.removeAll()
        if session != nil {
            let now = Date()
            while let packet = session!.nextPacket(now: now) { packets.append(packet) }
            scheduleAcks()
        }
        sent += packets.count
        return packets
    }

    /// Acks that nothing else carries leave on their own at the session's ack deadline. Under the lock.
    private func scheduleAcks() {
        guard ackTask == nil, let deadline = session?.ackDeadline else { return }
        let delay = max(0, deadline.timeIntervalSinceNow)
        ackTask = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000) + 1))
            guard !Task.isCancelled, let self else { return }
            self.lock.withLock { self.ackTask = nil }
            self.flush()
        }
    }
}
