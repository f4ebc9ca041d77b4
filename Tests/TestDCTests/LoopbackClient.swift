import Foundation
import MTCrypto
import MTProto
import TL
@testable import TestDC

/// A sans-IO client wired straight to a `DCConnection`: our own client-side protocol
/// core against the server side, no sockets.
struct LoopbackClient {
    var connection: DCConnection
    var session: ClientSession?
    let publicKey: RSAPublicKey
    /// Actions the connection asked for besides sending (close, transport errors).
    var otherActions: [ConnectionAction] = []

    init(context: DCContext) {
        connection = DCConnection(context: context)
        publicKey = context.privateKey.publicKey
    }

    struct Failure: Error { let what: String }

    mutating func deliver(_ packet: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for action in connection.handle(packet) {
            switch action {
            case .send(let p): out.append(p)
            case .delay, .closeWhenSilent: break
            default: otherActions.append(action)
            }
        }
        return out
    }

    /// Runs the auth-key exchange and starts a session on the new key.
    mutating func createKey() throws {
        var exchange = ClientAuthKeyExchange(dcID: connection.context.dcID, serverKeys: [publicKey])
        var outgoing = [exchange.start(now: Date())]
        while let packet = outgoing.popLast() {
            for reply in deliver(packet) {
                switch try exchange.handle(reply, now: Date()) {
                case .send(let next): outgoing.append(next)
                case .done(let created):
                    session = ClientSession(authKey: created.authKey, serverSalt: created.serverSalt, timeOffset: created.timeOffset)
                    return
                }
            }
        }
        throw Failure(what: "key exchange ended without a key")
    }

    /// Sends one request (wrapped in invokeWithLayer/initConnection) and waits for its answer.
    mutating func call(_ request: TLObject) throws -> Result<TLValue, RPCError> {
        guard var s = session else { throw Failure(what: "no session") }
        defer { session = s }
        let body = InitConnection.wrap(try TLSchema.shared.encode(request), params: InitConnectionParams(apiID: 1, deviceModel: "loopback", systemVersion: "test", appVersion: "1", systemLangCode: "en", langPack: "", langCode: "en"))
        let id = s.enqueue(body)
        let resultType = TLSchema.shared.method(named: request.name)!.resultType
        for _ in 0..<10 {
            guard let packet = s.nextPacket(now: Date()) else { continue }
            for reply in deliver(packet) {
                for event in s.handle(reply, now: Date()) {
                    switch event {
                    case .result(id, let bytes): return .success(try TLSchema.shared.decode(bytes, type: resultType))
                    case .rpcError(id, let error): return .failure(error)
                    case .failed(id, let error): throw Failure(what: "\(error)")
                    default: break
                    }
                }
            }
            if !otherActions.isEmpty { throw Failure(what: "connection: \(otherActions)") }
        }
        throw Failure(what: "no answer to \(request.name)")
    }
}
