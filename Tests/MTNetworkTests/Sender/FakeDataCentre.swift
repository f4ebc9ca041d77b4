import Foundation
import MTCrypto
import MTProto
@testable import MTNetwork

/// An in-memory data centre for sender tests: the real server halves of the
/// key exchange and the encrypted session, behind a scriptable request handler.
final class FakeDataCentre: @unchecked Sendable {
    enum Reply {
        case result([UInt8])
        case error(code: Int, message: String)
        /// Never answer.
        case ignore
        /// Close the connection without answering (the client must resend).
        case dropConnection
        /// Answer after a delay.
        case delayed(Duration, [UInt8])
        /// Send transport error -404 and close.
        case unknownAuthKey
        /// Send these garbage packets first, then the result.
        case garbageThen([[UInt8]], [UInt8])
    }

    private let lock = NSLock()
    let privateKey: RSAPrivateKey
    private var exchange: ServerAuthKeyExchange
    private var session: ServerSession?
    private var current: PipeConnection?
    private(set) var connections = 0
    private(set) var requests: [[UInt8]] = []
    private(set) var disconnectDelays: [Int] = []
    var refuseConnections = false
    var handler: @Sendable ([UInt8]) -> Reply = { .result($0) }

    static let sharedKey: RSAPrivateKey = try! RSAPrivateKey.generate(bits: 2048)

    init() {
        privateKey = FakeDataCentre.sharedKey
        exchange = ServerAuthKeyExchange(privateKey: privateKey)
    }

    var publicKey: RSAPublicKey { privateKey.publicKey }

    func connector() -> MTSender.Connector {
        { [self] _ in
            try self.locked {
                if self.refuseConnections {
                    throw ConnectionError.unreachable(host: "fake", port: 1, reason: "refused by the test")
                }
                self.connections += 1
                let pipe = PipeConnection(server: self)
                self.current = pipe
                return pipe
            }
        }
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    var requestCount: Int { locked { requests.count } }

    /// Called for every packet the client writes.
    fileprivate func receive(_ packet: [UInt8], on pipe: PipeConnection) {
        var toSend: [[UInt8]] = []
        var after: [(Duration, Int64, [UInt8])] = []
        var close: Int32?? = nil
        locked {
            if session == nil {
                guard let step = try? exchange.handle(packet, now: Date()) else { return }
                switch step {
                case .send(let p): toSend.append(p)
                case let .done(created, p):
                    toSend.append(p)
                    session = ServerSession(authKey: created.authKey, serverSalt: created.serverSalt)
                }
                return
            }
            for event in session!.handle(packet, now: Date()) {
                switch event {
                case let .request(msgID, body):
                    requests.append(body)
                    switch handler(body) {
                    case .result(let r): session!.reply(to: msgID, result: r)
                    case let .error(code, message): session!.replyError(to: msgID, code: code, message: message)
                    case .ignore: break
                    case .dropConnection: close = .some(nil)
                    case let .delayed(d, r): after.append((d, msgID, r))
                    case let .garbageThen(junk, r):
                        toSend.append(contentsOf: junk)
                        session!.reply(to: msgID, result: r)
                    case .unknownAuthKey:
                        close = .some(-404)
                        session = nil
                        exchange = ServerAuthKeyExchange(privateKey: privateKey)
                        return
                    }
                case .disconnectAfter(let s): disconnectDelays.append(s)
                default: break
                }
            }
            while let p = session!.nextPacket(now: Date()) { toSend.append(p) }
        }
        if let close {
            pipe.finish(transportError: close)
            return
        }
        for p in toSend { pipe.deliver(p) }
        for (delay, msgID, result) in after {
            Task {
                try? await Task.sleep(for: delay)
                var out: [[UInt8]] = []
                self.locked {
                    self.session?.reply(to: msgID, result: result)
                    while let p = self.session?.nextPacket(now: Date()) { out.append(p) }
                }
                for p in out { pipe.deliver(p) }
            }
        }
    }
}

/// Both ends of one in-memory connection.
final class PipeConnection: PacketConnection, @unchecked Sendable {
    let packets: AsyncThrowingStream<[UInt8], Error>
    private let continuation: AsyncThrowingStream<[UInt8], Error>.Continuation
    private weak var server: FakeDataCentre?
    private let lock = NSLock()
    private var closed = false

    init(server: FakeDataCentre) {
        (packets, continuation) = AsyncThrowingStream.makeStream()
        self.server = server
    }

    func send(_ packet: [UInt8]) async throws {
        let isClosed = lock.withLock { closed }
        if isClosed { throw ConnectionError.closed }
        server?.receive(packet, on: self)
    }

    func deliver(_ packet: [UInt8]) {
        continuation.yield(packet)
    }

    func finish(transportError: Int32?) {
        lock.withLock { closed = true }
        if let code = transportError {
            continuation.finish(throwing: ConnectionError.serverTransportError(code: code))
        } else {
            continuation.finish()
        }
    }

    func close() async {
        lock.withLock { closed = true }
        continuation.finish()
    }
}
