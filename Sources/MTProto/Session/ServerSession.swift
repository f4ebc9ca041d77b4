import Foundation
import MTCrypto

/// What a packet from the client meant for the server.
public enum ServerSessionEvent: Sendable, Equatable {
    /// An API request to answer with `reply(to:result:)` or `replyError(to:code:message:)`
    /// (gzip already inflated; `invokeWithLayer`/`initConnection` still wrapped).
    case request(msgID: Int64, body: [UInt8])
    /// The client began a new session (`new_session_created` is queued).
    case newSession(sessionID: Int64)
    /// The client asked to be disconnected after `seconds` of silence (`ping_delay_disconnect`).
    case disconnectAfter(seconds: Int)
    /// The packet or message was dropped (and counted).
    case rejected(SessionError)
}

/// The server side of an encrypted session, for the test server: decrypts with x = 0,
/// encrypts with x = 8, issues odd msg_ids, answers a wrong salt with `bad_server_salt`
/// and a bad clock with `bad_msg_notification` 16/17, announces new sessions, acks,
/// unpacks containers and gzip, answers pings and service requests itself, and wraps
/// replies in `rpc_result`.
public struct ServerSession {
    public let authKey: AuthKey
    /// The salt clients must use; change it to make them take a new one.
    public var serverSalt: Int64
    /// The salt the auth key exchange gave the client (`new_nonce ^ server_nonce`), accepted
    /// besides `serverSalt` until the client uses `serverSalt`, as Telegram accepts a new key's
    /// first messages; `new_session_created` hands out the current salt meanwhile.
    public var exchangeSalt: Int64?
    /// The client's session id (nil until its first valid message).
    public private(set) var sessionID: Int64?
    /// The server's clock; set its offset to simulate a server whose time differs.
    public var clock: MessageIDClock
    /// Packets and messages dropped by the checks.
    public private(set) var rejectedPackets = 0
    /// Answers `get_future_salts(num)` at server time `now`; when nil, the current salt for
    /// the next hour followed by random ones. Set it to match a real salt schedule.
    public var futureSalts: (@Sendable (_ now: Int, _ count: Int, _ current: Int64) -> [FutureSalt])?

    /// Bodies to send; `resultOf` marks a result that goes inside `rpc_result` (see `InnerMessage`).
    private var outgoing: [(body: [UInt8], contentRelated: Bool, isResponse: Bool, resultOf: Int64?)] = []
    private var pendingAcks: [Int64] = []
    private var received = MessageIDWindow()
    private var contentCount: Int32 = 0
    private var announceSession = false

    public init(authKey: AuthKey, serverSalt: Int64, clock: MessageIDClock = MessageIDClock(role: .server)) {
        self.authKey = authKey
        self.serverSalt = serverSalt
        self.clock = clock
    }

    /// Decrypts and checks one packet from the client; service messages are answered
    /// (queued for `nextPacket`), API requests are returned.
    public mutating func handle(_ packet: [UInt8], now: Date) -> [ServerSessionEvent] {
        var events: [ServerSessionEvent] = []
        do {
            let message = try EncryptedMessage.unpack(packet, authKey: authKey, x: 0)
            guard message.msgID & 3 == 0 else { throw SessionError.messageIDNotDivisibleBy4(message.msgID) }
            if message.sessionID != sessionID {
                startSession(message.sessionID)
                events.append(.newSession(sessionID: message.sessionID))
            }
            let skew = Int(message.msgID >> 32) - clock.serverTime(now: now)
            if skew < -300 || skew > 30 {
                queueNotification(badMsgID: message.msgID, seqNo: message.seqNo, code: skew < 0 ? 16 : 17)
                return events
            }
            if message.salt == serverSalt { exchangeSalt = nil }
            guard message.salt == serverSalt || message.salt == exchangeSalt else {
                var w = WireWriter()
                w.uint32(Wire.badServerSalt); w.int64(message.msgID); w.int32(message.seqNo); w.int32(48); w.int64(serverSalt)
                outgoing.append((w.bytes, false, true, nil))
                return events
            }
            guard received.insert(message.msgID) else { throw SessionError.duplicateMessageID(message.msgID) }
            if announceSession {
                // Announced with the first message the session accepts, as Telegram does.
                announceSession = false
                var w = WireWriter()
                w.uint32(Wire.newSessionCreated); w.int64(message.msgID); w.int64(SecureRandom.int64()); w.int64(serverSalt)
                outgoing.append((w.bytes, true, false, nil))
            }
            let outer = InnerMessage(msgID: message.msgID, seqNo: message.seqNo, body: message.body)
            for m in try MessageContainer.unpack(outer) {
                if m.msgID != outer.msgID {
                    guard m.msgID & 3 == 0, received.insert(m.msgID) else { rejectedPackets += 1; continue }
                }
                if m.isContentRelated { pendingAcks.append(m.msgID) }
                do { try process(m, now: now, events: &events) } catch {
                    rejectedPackets += 1
                    events.append(.rejected(SessionError(error)))
                }
            }
        } catch {
            rejectedPackets += 1
            events.append(.rejected(SessionError(error)))
        }
        return events
    }

    /// Answers request `msgID` with `result` (a boxed TL value) inside `rpc_result`.
    public mutating func reply(to msgID: Int64, result: [UInt8]) {
        outgoing.append((ClientSession.wireBody(result), true, true, msgID))
    }

    /// Answers request `msgID` with `rpc_error` (e.g. 420, `FLOOD_WAIT_30`).
    public mutating func replyError(to msgID: Int64, code: Int, message: String) {
        reply(to: msgID, result: RPCError.encode(code: code, message: message))
    }

    /// Sends `body` (an `Updates` or any other object) unprompted.
    public mutating func push(_ body: [UInt8]) {
        outgoing.append((ClientSession.wireBody(body), true, false, nil))
    }

    /// Tells the client its message `badMsgID` was wrong (`bad_msg_notification` `code`).
    public mutating func queueNotification(badMsgID: Int64, seqNo: Int32, code: Int) {
        var w = WireWriter()
        w.uint32(Wire.badMsgNotification); w.int64(badMsgID); w.int32(seqNo); w.int32(Int32(code))
        outgoing.append((w.bytes, false, true, nil))
    }

    /// The next packet for the client (replies, acks and pushes in one container), or nil.
    public mutating func nextPacket(now: Date) -> [UInt8]? {
        guard let sessionID, !(outgoing.isEmpty && pendingAcks.isEmpty) else { return nil }
        var messages: [InnerMessage] = []
        if !pendingAcks.isEmpty {
            var w = WireWriter(); w.uint32(Wire.msgsAck); w.longVector(pendingAcks)
            pendingAcks.removeAll()
            messages.append(InnerMessage(msgID: clock.next(now: now, isResponse: false), seqNo: nextSeqNo(false), body: w.bytes))
        }
        var size = 0
        var taken = 0
        while taken < outgoing.count, messages.count < MessageContainer.maxMessages {
            let next = outgoing[taken]
            let count = next.body.count + (next.resultOf == nil ? 0 : 12)
            if !messages.isEmpty, size + count > MessageContainer.maxContainerBytes { break }
            taken += 1
            size += count + 16
            messages.append(InnerMessage(msgID: clock.next(now: now, isResponse: next.isResponse),
                                         seqNo: nextSeqNo(next.contentRelated), body: next.body, resultOf: next.resultOf))
        }
        outgoing.removeFirst(taken)
        let outer = messages.count == 1 ? InnerMessage(msgID: messages[0].msgID, seqNo: messages[0].seqNo, body: messages[0].wireBody)
            : InnerMessage(msgID: clock.next(now: now, isResponse: false), seqNo: nextSeqNo(false), body: MessageContainer.pack(messages))
        let message = EncryptedMessage(salt: serverSalt, sessionID: sessionID, msgID: outer.msgID, seqNo: outer.seqNo, body: outer.body)
        return try? message.pack(authKey: authKey, x: 8)
    }

    // MARK: - Private

    private mutating func startSession(_ id: Int64) {
        sessionID = id
        contentCount = 0
        pendingAcks.removeAll()
        received.removeAll()
        outgoing.removeAll()
        announceSession = true
    }

    private mutating func nextSeqNo(_ contentRelated: Bool) -> Int32 {
        guard contentRelated else { return contentCount * 2 }
        defer { contentCount += 1 }
        return contentCount * 2 + 1
    }

    private mutating func process(_ m: InnerMessage, now: Date, events: inout [ServerSessionEvent]) throws {
        var r = WireReader(m.body)
        switch try r.uint32() {
        case Wire.msgsAck, Wire.httpWait, Wire.msgResendReq, Wire.msgsStateInfo:
            break
        case Wire.ping:
            queuePong(msgID: m.msgID, pingID: try r.int64())
        case Wire.pingDelayDisconnect:
            let pingID = try r.int64()
            let delay = Int(try r.int32())
            queuePong(msgID: m.msgID, pingID: pingID)
            events.append(.disconnectAfter(seconds: delay))
        case Wire.getFutureSalts:
            let count = max(1, min(64, Int(try r.int32())))
            let time = clock.serverTime(now: now)
            let salts = (futureSalts?(time, count, serverSalt) ?? defaultFutureSalts(time, count)).prefix(64)
            var w = WireWriter()
            w.uint32(Wire.futureSalts); w.int64(m.msgID); w.int32(Int32(truncatingIfNeeded: time))
            w.int32(Int32(salts.count))  // future_salts holds a bare vector: no vector id
            for salt in salts {
                w.int32(Int32(truncatingIfNeeded: salt.validSince)); w.int32(Int32(truncatingIfNeeded: salt.validUntil))
                w.int64(salt.salt)
            }
            outgoing.append((w.bytes, true, true, nil))
        case Wire.destroySession:
            let id = try r.int64()
            var w = WireWriter()
            w.uint32(id == sessionID ? Wire.destroySessionNone : Wire.destroySessionOK); w.int64(id)
            reply(to: m.msgID, result: w.bytes)
        case Wire.msgsStateReq:
            let ids = try r.longVector()
            var w = WireWriter(); w.uint32(Wire.msgsStateInfo); w.int64(m.msgID)
            w.tlBytes(ids.map { received.contains($0) ? 4 : 2 })
            outgoing.append((w.bytes, false, true, nil))
        case Wire.rpcDropAnswer:
            var w = WireWriter(); w.uint32(Wire.rpcAnswerUnknown)
            reply(to: m.msgID, result: w.bytes)
        default:
            events.append(.request(msgID: m.msgID, body: m.body))
        }
    }

    private func defaultFutureSalts(_ now: Int, _ count: Int) -> [FutureSalt] {
        (0..<count).map { i in
            FutureSalt(validSince: now + i * 3600, validUntil: now + (i + 1) * 3600, salt: i == 0 ? serverSalt : SecureRandom.int64())
        }
    }

    private mutating func queuePong(msgID: Int64, pingID: Int64) {
        var w = WireWriter(); w.uint32(Wire.pong); w.int64(msgID); w.int64(pingID)
        outgoing.append((w.bytes, true, true, nil))
    }
}
