import Foundation
import MTCrypto

/// The client side of an encrypted MTProto 2.0 session, sans-IO: requests in, packets
/// out; packets in, results and events out. It assigns msg_ids and seq_nos, batches
/// acks, packs containers, gzips large bodies, routes `rpc_result`s to their
/// `RequestID`, and fixes salt, clock and sequence problems itself by resending.
/// Every check on incoming packets is enforced; failures are dropped and counted.
public struct ClientSession {
    public let authKey: AuthKey
    public private(set) var sessionID: Int64
    public private(set) var serverSalt: Int64
    public private(set) var clock: MessageIDClock
    /// Salts announced by `future_salts`, newest last.
    public private(set) var futureSalts: [FutureSalt] = []
    /// Packets dropped by the checks (wrong key, msg_key, session, msg_id, …).
    public private(set) var rejectedPackets = 0

    /// Acks alone are sent once this many are pending … (high enough that the answers to a
    /// full container are acked by the requests that follow them, not by a packet of their own)
    public var ackBatchSize = 256
    /// … or when the oldest has waited this long (they ride along with any request sooner).
    public var ackDelay: TimeInterval = 0.5
    /// A request is failed after this many resends (salt, clock, sequence fixes).
    public var maxResends = 5
    /// Messages per container. The protocol allows 1020, but Telegram has answered large
    /// containers with `bad_msg_notification` 64; Telethon's 100 is known to be accepted.
    public static let maxContainerMessages = 100

    private struct Request {
        var body: [UInt8]
        var contentRelated: Bool
        /// The msg_ids it was sent under, latest last (one unless resent).
        var msgIDs: MsgIDs = .none
        var resends = 0
    }

    /// Nearly every request is sent once: its msg_id is kept without an array.
    private enum MsgIDs {
        case none
        case one(Int64)
        case several([Int64])

        mutating func append(_ id: Int64) {
            switch self {
            case .none: self = .one(id)
            case .one(let first): self = .several([first, id])
            case .several(var all): all.append(id); self = .several(all)
            }
        }

        func forEach(_ body: (Int64) -> Void) {
            switch self {
            case .none: break
            case .one(let id): body(id)
            case .several(let all): all.forEach(body)
            }
        }
    }

    private var nextRequestID: UInt64 = 1
    private var requests = IDMap<Request>()  // by RequestID.rawValue
    private var queue: [RequestID] = []
    private var serviceQueue: [[UInt8]] = []
    private var requestByMsgID = IDMap<RequestID>()  // by msg_id (its bit pattern)
    private var containers: [Int64: [Int64]] = [:]
    private var containerOrder: [Int64] = []
    private var pendingAcks: [Int64] = []
    private var oldestPendingAck: Date?
    private var received = MessageIDWindow()
    private var contentCount: Int32 = 0

    public init(authKey: AuthKey, serverSalt: Int64, timeOffset: Int, sessionID: Int64 = SecureRandom.int64()) {
        self.authKey = authKey
        self.serverSalt = serverSalt
        self.sessionID = sessionID
        self.clock = MessageIDClock(role: .client, timeOffset: timeOffset)
    }

    /// Requests not yet answered (queued or in flight).
    public var pendingRequests: Int { requests.count }

    /// When `nextPacket` will have acks to send even if nothing else is queued.
    public var ackDeadline: Date? { oldestPendingAck.map { $0.addingTimeInterval(ackDelay) } }

    /// Queues a request body (a boxed TL method call); the id stays the same across resends.
    @discardableResult
    public mutating func enqueue(_ body: [UInt8], contentRelated: Bool = true) -> RequestID {
        let id = RequestID(rawValue: nextRequestID)
        nextRequestID += 1
        requests[id.rawValue] = Request(body: body, contentRelated: contentRelated)
        queue.append(id)
        return id
    }

    /// Forgets a request (timed out or abandoned); a late answer is ignored.
    public mutating func cancel(_ id: RequestID) {
        guard let request = requests.removeValue(forKey: id.rawValue) else { return }
        request.msgIDs.forEach { requestByMsgID.removeValue(forKey: UInt64(bitPattern: $0)) }
        queue.removeAll { $0 == id }
    }

    /// Queues every unanswered request again (after a reconnect); they get new msg_ids.
    public mutating func requeueUnanswered() {
        let unanswered = requests.entries.map { RequestID(rawValue: $0.key) }.sorted()
        for id in unanswered where !queue.contains(id) { queue.append(id) }
    }

    /// Starts a new session (new session_id, sequence from zero), keeping the key, salt
    /// and clock. Unanswered requests are queued again for the new session.
    public mutating func startNewSession(sessionID: Int64 = SecureRandom.int64()) {
        self.sessionID = sessionID
        contentCount = 0
        pendingAcks.removeAll()
        oldestPendingAck = nil
        received.removeAll()
        containers.removeAll()
        containerOrder.removeAll()
        serviceQueue.removeAll()
        requeueUnanswered()
    }

    /// The next packet to send, or nil when nothing is due. Call until nil after each
    /// `enqueue`/`handle`, and again at `ackDeadline`.
    public mutating func nextPacket(now: Date) -> [UInt8]? {
        let acksDue = !pendingAcks.isEmpty
            && (pendingAcks.count >= ackBatchSize || !queue.isEmpty || !serviceQueue.isEmpty
                || (oldestPendingAck.map { now.timeIntervalSince($0) >= ackDelay } ?? false))
        guard acksDue || !queue.isEmpty || !serviceQueue.isEmpty else { return nil }
        adoptFutureSalt(now: now)

        var messages: [InnerMessage] = []
        var size = 0
        if acksDue {
            let acks = Array(pendingAcks.prefix(8192))
            pendingAcks.removeFirst(acks.count)
            if pendingAcks.isEmpty { oldestPendingAck = nil }
            var w = WireWriter(); w.uint32(Wire.msgsAck); w.longVector(acks)
            messages.append(InnerMessage(msgID: clock.next(now: now), seqNo: nextSeqNo(contentRelated: false), body: w.bytes))
            size += w.bytes.count
        }
        let limit = min(Self.maxContainerMessages, MessageContainer.maxMessages)
        let services = serviceQueue.prefix(limit - messages.count)
        for body in services {
            messages.append(InnerMessage(msgID: clock.next(now: now), seqNo: nextSeqNo(contentRelated: false), body: body))
            size += body.count
        }
        serviceQueue.removeFirst(services.count)
        var taken = 0
        while taken < queue.count, messages.count < limit {
            let id = queue[taken]
            guard let (body, contentRelated) = requests.modify(id.rawValue, { (Self.wireBody($0.body), $0.contentRelated) }) else {
                taken += 1
                continue
            }
            if !messages.isEmpty, size + body.count + 16 > MessageContainer.maxContainerBytes { break }
            taken += 1
            let msgID = clock.next(now: now)
            messages.append(InnerMessage(msgID: msgID, seqNo: nextSeqNo(contentRelated: contentRelated), body: body))
            size += body.count + 16
            requests.modify(id.rawValue) { $0.msgIDs.append(msgID) }
            requestByMsgID[UInt64(bitPattern: msgID)] = id
        }
        queue.removeFirst(taken)
        guard !messages.isEmpty else { return nil }

        let outer: InnerMessage
        if messages.count == 1 {
            outer = messages[0]
        } else {
            let containerID = clock.next(now: now)
            containers[containerID] = messages.map(\.msgID)
            containerOrder.append(containerID)
            pruneContainers()
            outer = InnerMessage(msgID: containerID, seqNo: nextSeqNo(contentRelated: false), body: MessageContainer.pack(messages))
        }
        let message = EncryptedMessage(salt: serverSalt, sessionID: sessionID, msgID: outer.msgID, seqNo: outer.seqNo, body: outer.body)
        return try? message.pack(authKey: authKey, x: 0)
    }

    /// Decrypts and checks one packet from the server and returns what it meant.
    public mutating func handle(_ packet: [UInt8], now: Date) -> [SessionEvent] {
        do {
            let message = try EncryptedMessage.unpack(packet, authKey: authKey, x: 8)
            guard message.sessionID == sessionID else {
                throw SessionError.wrongSessionID(expected: sessionID, got: message.sessionID)
            }
            try checkServerMessageID(message.msgID)
            let outer = InnerMessage(msgID: message.msgID, seqNo: message.seqNo, body: message.body)
            var inner = try MessageContainer.unpack(outer)
            let skew = Int(message.msgID >> 32) - clock.serverTime(now: now)
            if skew < -300 || skew > 30 {
                // Only the server's complaints about our pending messages are heard from this far off.
                let all = inner.count
                inner = inner.filter { isComplaintAboutPendingMessage($0.body) }
                if inner.isEmpty { throw SessionError.messageIDOutOfWindow(msgID: message.msgID, skew: skew) }
                rejectedPackets += all - inner.count
            }
            guard received.insert(message.msgID) else { throw SessionError.duplicateMessageID(message.msgID) }
            var events: [SessionEvent] = []
            // Each message is moved out of the array, so that a result can be cut from its body in place.
            inner.reverse()
            while var m = inner.popLast() {
                if m.msgID != outer.msgID {
                    guard m.msgID & 1 == 1, received.insert(m.msgID) else { rejectedPackets += 1; continue }
                }
                if m.isContentRelated { ack(m.msgID, now: now) }
                do { try process(&m, now: now, events: &events) } catch {
                    rejectedPackets += 1
                    events.append(.rejected(SessionError(error)))
                }
            }
            return events
        } catch {
            rejectedPackets += 1
            return [.rejected(SessionError(error))]
        }
    }

    // MARK: - Incoming

    private func checkServerMessageID(_ msgID: Int64) throws {
        guard msgID & 1 == 1 else { throw SessionError.evenMessageID(msgID) }
    }

    /// The server's complaint about a message we sent and have not had answered — a
    /// `bad_server_salt`, or a `bad_msg_notification` about our clock (16/17) — is heard
    /// even when its id is outside the time window: a clock that far off is exactly what
    /// it reports, and the salt must be taken before the clock can be fixed.
    private func isComplaintAboutPendingMessage(_ body: [UInt8]) -> Bool {
        let constructor = Wire.constructor(of: body)
        guard constructor == Wire.badMsgNotification || constructor == Wire.badServerSalt else { return false }
        var r = WireReader(body, offset: 4)
        guard let badID = try? r.int64(), (try? r.int32()) != nil, let code = try? r.int32() else { return false }
        guard constructor == Wire.badServerSalt || code == 16 || code == 17 else { return false }
        return requestID(sentAs: badID) != nil || containers[badID] != nil
    }

    private mutating func process(_ m: inout InnerMessage, now: Date, events: inout [SessionEvent]) throws {
        if Wire.constructor(of: m.body) == Wire.rpcResult {
            guard m.body.count >= 12 else { throw WireError.truncated(needed: 12, available: m.body.count) }
            guard let id = requestID(sentAs: Wire.int64(m.body[4..<12])) else { return }
            complete(id)
            m.body.removeFirst(12)  // the result, without a copy when the body is not shared
            do {
                let result = try MessageContainer.inflateIfPacked(m.body)
                if Wire.constructor(of: result) == Wire.rpcError {
                    events.append(.rpcError(id, try RPCError.parse(result)))
                } else {
                    events.append(.result(id, body: result))
                }
            } catch {
                events.append(.failed(id, SessionError(error)))
            }
            return
        }
        var r = WireReader(m.body)
        let constructor = try r.uint32()
        switch constructor {
        case Wire.msgsAck:
            _ = try r.longVector()
        case Wire.badServerSalt:
            let badMsgID = try r.int64()
            _ = try r.int32(); _ = try r.int32()
            serverSalt = try r.int64()
            events.append(.saltChanged(serverSalt))
            resend(badMsgID, events: &events)
        case Wire.badMsgNotification:
            let badMsgID = try r.int64()
            _ = try r.int32()
            let code = Int(try r.int32())
            switch code {
            case 16, 17:
                clock.correct(serverMessageID: m.msgID, now: now)
                events.append(.clockCorrected(timeOffset: clock.timeOffset))
                resend(badMsgID, events: &events)
            case 32:
                contentCount += 64
                resend(badMsgID, events: &events)
            case 33:
                contentCount = max(0, contentCount - 16)
                resend(badMsgID, events: &events)
            default:
                for id in requestIDs(for: badMsgID) {
                    complete(id)
                    events.append(.failed(id, .badMessage(code: code)))
                }
            }
        case Wire.newSessionCreated:
            _ = try r.int64(); _ = try r.int64()
            serverSalt = try r.int64()
            events.append(.newSession)
        case Wire.pong:
            let msgID = try r.int64()
            let pingID = try r.int64()
            events.append(.pong(pingID: pingID))
            if let id = requestID(sentAs: msgID) {
                complete(id)
                events.append(.result(id, body: m.body))
            }
        case Wire.futureSalts:
            let reqMsgID = try r.int64()
            futureSalts = try ServiceMessages.parseFutureSalts(m.body).salts
            if let id = requestID(sentAs: reqMsgID) {
                complete(id)
                events.append(.result(id, body: m.body))
            }
        case Wire.msgDetailedInfo, Wire.msgNewDetailedInfo:
            if constructor == Wire.msgDetailedInfo { _ = try r.int64() }
            let answerMsgID = try r.int64()
            if received.contains(answerMsgID) {
                ack(answerMsgID, now: now)
            } else {
                var w = WireWriter(); w.uint32(Wire.msgResendReq); w.longVector([answerMsgID])
                serviceQueue.append(w.bytes)
            }
        case Wire.msgsStateReq:
            let ids = try r.longVector()
            var w = WireWriter(); w.uint32(Wire.msgsStateInfo); w.int64(m.msgID)
            w.tlBytes(ids.map { received.contains($0) ? 4 : 2 })
            serviceQueue.append(w.bytes)
        case Wire.msgResendReq:
            for msgID in try r.longVector() { resend(msgID, events: &events) }
        case Wire.destroySessionOK, Wire.destroySessionNone, Wire.msgsStateInfo, Wire.msgsAllInfo:
            break
        default:
            events.append(.update(body: m.body))
        }
    }

    // MARK: - Bookkeeping

    private mutating func nextSeqNo(contentRelated: Bool) -> Int32 {
        guard contentRelated else { return contentCount * 2 }
        defer { contentCount += 1 }
        return contentCount * 2 + 1
    }

    private mutating func ack(_ msgID: Int64, now: Date) {
        if pendingAcks.isEmpty { oldestPendingAck = now }
        pendingAcks.append(msgID)
    }

    private func requestID(sentAs msgID: Int64) -> RequestID? {
        requestByMsgID[UInt64(bitPattern: msgID)]
    }

    private func requestIDs(for msgID: Int64) -> [RequestID] {
        let ids = containers[msgID] ?? [msgID]
        return ids.compactMap { requestID(sentAs: $0) }
    }

    private mutating func resend(_ msgID: Int64, events: inout [SessionEvent]) {
        for id in requestIDs(for: msgID) where !queue.contains(id) {
            guard var request = requests[id.rawValue] else { continue }
            request.resends += 1
            if request.resends > maxResends {
                complete(id)
                events.append(.failed(id, .tooManyResends(count: request.resends - 1)))
                continue
            }
            requests[id.rawValue] = request
            queue.append(id)
        }
    }

    private mutating func complete(_ id: RequestID) {
        guard let request = requests.removeValue(forKey: id.rawValue) else { return }
        request.msgIDs.forEach { requestByMsgID.removeValue(forKey: UInt64(bitPattern: $0)) }
        queue.removeAll { $0 == id }
    }

    /// Moves to a salt from `future_salts` once the server's clock reaches it, so requests
    /// do not bounce off `bad_server_salt` when the current one expires.
    private mutating func adoptFutureSalt(now: Date) {
        guard !futureSalts.isEmpty else { return }
        let time = clock.serverTime(now: now)
        futureSalts.removeAll { $0.validUntil <= time }
        if let salt = futureSalts.last(where: { $0.validSince <= time }), salt.salt != serverSalt {
            serverSalt = salt.salt
        }
    }

    /// Remembers the most recent containers only: the server names a container in
    /// `bad_server_salt`/`bad_msg_notification` soon after it was sent.
    private mutating func pruneContainers() {
        guard containerOrder.count > 1024 else { return }
        for id in containerOrder.prefix(512) { containers[id] = nil }
        containerOrder.removeFirst(512)
    }

    /// Large bodies go as `gzip_packed` when that is smaller.
    static func wireBody(_ body: [UInt8]) -> [UInt8] {
        guard body.count > 512, let packed = Gzip.packIfSmaller(body) else { return body }
        return packed
    }
}
