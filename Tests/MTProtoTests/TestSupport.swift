import Foundation
import MTCrypto
@testable import MTProto

/// One RSA key for all tests (generation is slow on a shared machine).
enum TestKeys {
    static let server: RSAPrivateKey = try! RSAPrivateKey.generate(bits: 2048)
    static let other: RSAPrivateKey = try! RSAPrivateKey.generate(bits: 2048)
}

let testNow = Date(timeIntervalSince1970: 1_750_000_000)

/// Runs a client and a server exchange against each other in memory.
func runExchange(client: inout ClientAuthKeyExchange, server: inout ServerAuthKeyExchange,
                 clientNow: Date = testNow, serverNow: Date = testNow) throws -> (CreatedAuthKey, CreatedAuthKey) {
    var toServer = client.start(now: clientNow)
    for _ in 0..<10 {
        switch try server.handle(toServer, now: serverNow) {
        case let .send(packet):
            switch try client.handle(packet, now: clientNow) {
            case let .send(next): toServer = next
            case .done: throw AuthKeyExchangeError.finished  // the client cannot finish before dh_gen_ok
            }
        case let .done(serverKey, packet):
            guard case let .done(clientKey) = try client.handle(packet, now: clientNow) else {
                throw AuthKeyExchangeError.finished
            }
            return (clientKey, serverKey)
        }
    }
    throw AuthKeyExchangeError.tooManyRetries(10)
}

func randomAuthKey() -> AuthKey { try! AuthKey(SecureRandom.bytes(256)) }
