import Foundation
import MTCrypto
import MTProto

/// What the network edge must do for one connection.
public enum ConnectionAction: Equatable, Sendable {
    /// Send this MTProto packet (framed by the transport).
    case send([UInt8])
    /// Send a transport error (`-404`: unknown auth key; `-429`: too many connections).
    case transportError(Int32)
    /// Wait this long before the actions that follow (fault injection).
    case delay(milliseconds: Int)
    /// Frame this packet, write only the first half of the frame, then close (fault injection).
    case sendHalfAndClose([UInt8])
    /// The client asked (`ping_delay_disconnect`) to be disconnected after this many seconds without a packet.
    case closeWhenSilent(seconds: Int)
    /// Close the connection.
    case close
}

/// Everything the connections of one data centre share.
public final class DCContext: @unchecked Sendable {
    public let dcID: Int
    public let world: World
    public let dispatcher: APIDispatcher
    public let privateKey: RSAPrivateKey
    let salts: SaltSchedule
    /// Seconds added to the server's clock (fault injection).
    public let clockSkew: Int
    /// Where live connections register for pushed updates (nil: no pushes).
    let hub: UpdateHub?

    init(dcID: Int, world: World, dispatcher: APIDispatcher, privateKey: RSAPrivateKey, salts: SaltSchedule, hub: UpdateHub? = nil) {
        self.hub = hub
        self.dcID = dcID
        self.world = world
        self.dispatcher = dispatcher
        self.privateKey = privateKey
        self.salts = salts
        self.clockSkew = world.config.faults.clockSkewSeconds ?? 0
    }

    /// Writes a diagnostic line to stderr when `TESTDC_DEBUG` is set (never secrets: errors and method names only).
    func log(_ line: @autoclosure () -> String) {
        guard DCContext.debug else { return }
        FileHandle.standardError.write(Data("testdc dc\(dcID): \(line())\n".utf8))
    }
    static let debug = ProcessInfo.processInfo.environment["TESTDC_DEBUG"] != nil

    /// The server's (possibly skewed) clock.
    func serverDate(_ now: Date) -> Date { now.addingTimeInterval(TimeInterval(clockSkew)) }
}

/// One client connection to a data centre, sans-IO: MTProto packets in, actions out.
/// Plain packets run the auth-key exchange; encrypted ones go through a `ServerSession`
/// to the API dispatcher. Untrusted input is rejected and counted, never fatal.
public struct DCConnection {
    public let context: DCContext
    var exchange: ServerAuthKeyExchange?
    var sessions: [Int64: ServerSession] = [:]
    /// Salts of keys created on this connection, accepted for their first messages.
    var exchangeSalts: [Int64: Int64] = [:]
    var info = ConnectionInfo()
    /// Packets received so far (for `drop_after_frames`).
    public private(set) var packetsReceived = 0
    /// Packets and messages that failed the protocol's checks.
    public private(set) var rejected = 0

    /// The most auth keys one connection may use at once (each has its own session).
    static let maxSessions = 4

    public init(context: DCContext) { self.context = context }

    /// Handles one MTProto packet from the client.
    public mutating func handle(_ packet: [UInt8], now: Date = Date()) -> [ConnectionAction] {
        packetsReceived += 1
        let faults = context.world.config.faults
        if let limit = faults.dropAfterFrames, packetsReceived > limit { return [.close] }
        guard packet.count >= 8 else { rejected += 1; return [.transportError(-404)] }
        let keyID = packet.prefix(8).enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * Int64($1.offset)) }
        let serverNow = context.serverDate(now)
        if keyID == 0 { return handlePlain(packet, now: serverNow) }
        return handleEncrypted(packet, keyID: keyID, now: serverNow)
    }

    mutating func handlePlain(_ packet: [UInt8], now: Date) -> [ConnectionAction] {
        if exchange == nil {
            exchange = ServerAuthKeyExchange(privateKey: context.privateKey, clock: MessageIDClock(role: .server, timeOffset: context.clockSkew))
        }
        context.log("plain packet of \(packet.count) bytes")
        do {
            switch try exchange!.handle(packet, now: now) {
            case .send(let reply):
                context.log("auth key exchange step answered")
                return [.send(reply)]
            case .done(let created, let reply):
                context.world.register(authKeyID: created.authKey.id, key: created.authKey.bytes)
                if exchangeSalts.count >= DCConnection.maxSessions { exchangeSalts.removeAll() }
                exchangeSalts[created.authKey.id] = created.serverSalt
                exchange = nil
                context.log("auth key created")
                return [.send(reply)]
            }
        } catch {
            rejected += 1
            exchange = nil
            context.log("auth key exchange refused: \(error)")
            return [.close]
        }
    }

    /// Auth keys this connection has sessions for (where pushed updates go).
    public var activeKeys: [Int64] { Array(sessions.keys) }

    /// Sends an unprompted `Updates` body on the session of `keyID`, if this connection has one.
    public mutating func push(_ body: [UInt8], keyID: Int64, now: Date = Date()) -> [ConnectionAction] {
        guard var session = sessions.removeValue(forKey: keyID) else { return [] }
        guard session.sessionID != nil else { sessions[keyID] = session; return [] }
        session.push(body)
        var actions: [ConnectionAction] = []
        while let out = session.nextPacket(now: context.serverDate(now)) { actions.append(.send(out)) }
        sessions[keyID] = session
        return actions
    }

    mutating func handleEncrypted(_ packet: [UInt8], keyID: Int64, now: Date) -> [ConnectionAction] {
        let unixNow = Int(now.timeIntervalSince1970)
        if sessions[keyID] == nil {
            guard let bytes = context.world.authKey(id: keyID), let key = try? AuthKey(bytes) else {
                rejected += 1
                context.log("unknown auth key \(keyID): -404")
                return [.transportError(-404)]
            }
            if sessions.count >= DCConnection.maxSessions { sessions.removeAll() }
            var fresh = ServerSession(authKey: key, serverSalt: context.salts.current(now: unixNow), clock: MessageIDClock(role: .server, timeOffset: 0))
            fresh.exchangeSalt = exchangeSalts.removeValue(forKey: keyID)
            sessions[keyID] = fresh
        }
        // Taken out of the dictionary while it is changed, so its buffers are not copied.
        var session = sessions.removeValue(forKey: keyID)!
        session.serverSalt = context.salts.current(now: unixNow)
        var actions: [ConnectionAction] = []
        let faults = context.world.config.faults
        for event in session.handle(packet, now: now) {
            switch event {
            case .request(let msgID, let body):
                let outcome = context.dispatcher.dispatch(body, dcID: context.dcID, authKeyID: keyID, connection: &info, now: unixNow)
                if case .failure(let failure) = outcome.reply { context.log("\(outcome.method ?? "?") -> \(failure)") } else { context.log("\(outcome.method ?? "?") ok") }
                if let m = outcome.method, m == faults.dropAtMethod {
                    sessions[keyID] = session
                    return actions + [.close]
                }
                switch outcome.reply {
                case .success(let result): session.reply(to: msgID, result: result)
                case .failure(let failure): session.replyError(to: msgID, code: failure.code, message: failure.message)
                }
                if let m = outcome.method, m == faults.closeMidFrameAtMethod, let packet = session.nextPacket(now: now) {
                    sessions[keyID] = session
                    return actions + [.sendHalfAndClose(packet)]
                }
                if let ms = faults.delayMilliseconds, ms > 0 { actions.append(.delay(milliseconds: ms)) }
            case .rejected(let error):
                rejected += 1
                context.log("message rejected: \(error)")
            case .disconnectAfter(let seconds):
                actions.append(.closeWhenSilent(seconds: max(1, min(seconds, 3600))))
            case .newSession:
                break
            }
        }
        while let out = session.nextPacket(now: now) { actions.append(.send(out)) }
        sessions[keyID] = session
        return actions
    }
}
