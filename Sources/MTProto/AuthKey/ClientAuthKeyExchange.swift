import Foundation
import MTCrypto

/// Creates a permanent auth key as the client, sans-IO:
/// `req_pq_multi` → `req_DH_params` (`p_q_inner_data_dc` under RSA_PAD) →
/// `set_client_DH_params`, handling `dh_gen_retry` and checking everything Telegram's
/// security guidelines require (nonces, fingerprint, DH prime and generator, g_a and g_b
/// ranges, new_nonce_hash1/2/3).
public struct ClientAuthKeyExchange {
    /// The data centre id written into `p_q_inner_data_dc` (negative for media DCs,
    /// +10000 for Telegram's test servers).
    public let dcID: Int
    public let serverKeys: [RSAPublicKey]
    public private(set) var clock: MessageIDClock
    /// How many `dh_gen_retry` answers are tolerated before giving up.
    public var maxRetries = 5

    private enum State {
        case idle
        case awaitingResPQ(nonce: [UInt8])
        case awaitingDHParams(nonce: [UInt8], serverNonce: [UInt8], newNonce: [UInt8])
        case awaitingDHGen(DHState)
        case finished
    }

    private struct DHState {
        var nonce: [UInt8]
        var serverNonce: [UInt8]
        var newNonce: [UInt8]
        var key: [UInt8]
        var iv: [UInt8]
        var prime: [UInt8]
        var g: Int
        var gA: [UInt8]
        var timeOffset: Int
        var authKey: AuthKey?
        var retries: Int
    }

    private var state: State = .idle

    public init(dcID: Int, serverKeys: [RSAPublicKey], clock: MessageIDClock = MessageIDClock()) {
        self.dcID = dcID
        self.serverKeys = serverKeys
        self.clock = clock
    }

    /// The first packet: `req_pq_multi` with a fresh nonce.
    public mutating func start() -> [UInt8] {
        start(now: Date())
    }

    /// `start()` with an explicit time for the message id.
    public mutating func start(now: Date) -> [UInt8] {
        let nonce = SecureRandom.bytes(16)
        state = .awaitingResPQ(nonce: nonce)
        var w = WireWriter()
        w.uint32(Wire.reqPQMulti)
        w.raw(nonce)
        return PlainMessage.pack(body: w.bytes, msgID: clock.next(now: now))
    }

    /// Feeds one packet from the server; returns the next packet to send, or the key.
    /// Any error ends the exchange.
    public mutating func handle(_ packet: [UInt8], now: Date) throws -> AuthKeyExchangeStep {
        let current = state
        state = .finished
        do {
            let body = try AuthKeyExchangeError.plainBody(of: packet)
            var r = WireReader(body)
            let id = try? r.uint32()
            switch current {
            case let .awaitingResPQ(nonce):
                guard id == Wire.resPQ else { throw AuthKeyExchangeError.unexpectedMessage(got: id, expected: "resPQ") }
                return try handleResPQ(try ResPQ(&r), nonce: nonce, now: now)
            case let .awaitingDHParams(nonce, serverNonce, newNonce):
                guard id == Wire.serverDHParamsOK || id == Wire.serverDHParamsFail else {
                    throw AuthKeyExchangeError.unexpectedMessage(got: id, expected: "server_DH_params_ok")
                }
                try checkNonces(&r, nonce: nonce, serverNonce: serverNonce)
                if id == Wire.serverDHParamsFail {
                    let hash = try r.int128()
                    guard hash == Array(SHA1.hash(newNonce)[4..<20]) else {
                        throw AuthKeyExchangeError.newNonceHashMismatch(number: 0)
                    }
                    throw AuthKeyExchangeError.serverDHParamsFail
                }
                return try handleServerDHParams(encrypted: try r.tlBytes(), nonce: nonce,
                                                serverNonce: serverNonce, newNonce: newNonce, now: now)
            case var .awaitingDHGen(dh):
                guard let id, [Wire.dhGenOK, Wire.dhGenRetry, Wire.dhGenFail].contains(id) else {
                    throw AuthKeyExchangeError.unexpectedMessage(got: id, expected: "dh_gen_ok")
                }
                try checkNonces(&r, nonce: dh.nonce, serverNonce: dh.serverNonce)
                let hash = try r.int128()
                let number = id == Wire.dhGenOK ? 1 : id == Wire.dhGenRetry ? 2 : 3
                guard let authKey = dh.authKey,
                      hash == AuthKeyMath.newNonceHash(newNonce: dh.newNonce, authKey: authKey, number: UInt8(number)) else {
                    throw AuthKeyExchangeError.newNonceHashMismatch(number: number)
                }
                switch number {
                case 1:
                    let salt = initialSalt(newNonce: dh.newNonce, serverNonce: dh.serverNonce)
                    return .done(CreatedAuthKey(authKey: authKey, serverSalt: salt, timeOffset: dh.timeOffset))
                case 2:
                    dh.retries += 1
                    guard dh.retries <= maxRetries else { throw AuthKeyExchangeError.tooManyRetries(dh.retries) }
                    return try sendClientDH(&dh, retryID: authKey.auxHash, now: now)
                default:
                    throw AuthKeyExchangeError.dhGenFail
                }
            case .idle, .finished:
                throw AuthKeyExchangeError.finished
            }
        } catch {
            throw AuthKeyExchangeError(wrapping: error)
        }
    }

    private func checkNonces(_ r: inout WireReader, nonce: [UInt8], serverNonce: [UInt8]) throws {
        guard try r.int128() == nonce else { throw AuthKeyExchangeError.nonceMismatch }
        guard try r.int128() == serverNonce else { throw AuthKeyExchangeError.serverNonceMismatch }
    }

    private mutating func handleResPQ(_ res: ResPQ, nonce: [UInt8], now: Date) throws -> AuthKeyExchangeStep {
        guard res.nonce == nonce else { throw AuthKeyExchangeError.nonceMismatch }
        guard let pq = uint64(bigEndian: res.pq), pq > 3 else {
            throw AuthKeyExchangeError.badPQ("\(res.pq.count) bytes")
        }
        guard let (p, q) = PQ.factorize(pq) else { throw AuthKeyExchangeError.badPQ("\(pq) does not factor") }
        let keys = serverKeys
        guard let key = res.fingerprints.lazy.compactMap({ fp in keys.first { $0.fingerprint == fp } }).first else {
            throw AuthKeyExchangeError.unknownFingerprints(res.fingerprints)
        }
        let newNonce = SecureRandom.bytes(32)
        let inner = PQInnerData(pq: res.pq, p: bigEndianBytes(p), q: bigEndianBytes(q), nonce: nonce,
                                serverNonce: res.serverNonce, newNonce: newNonce, dc: Int32(truncatingIfNeeded: dcID))
        let encrypted = try RSAPad.encrypt(inner.encoded(), key: key)
        let request = ReqDHParams(nonce: nonce, serverNonce: res.serverNonce, p: inner.p, q: inner.q,
                                  fingerprint: key.fingerprint, encryptedData: encrypted)
        state = .awaitingDHParams(nonce: nonce, serverNonce: res.serverNonce, newNonce: newNonce)
        return .send(PlainMessage.pack(body: request.encoded(), msgID: clock.next(now: now)))
    }

    private mutating func handleServerDHParams(encrypted: [UInt8], nonce: [UInt8], serverNonce: [UInt8],
                                               newNonce: [UInt8], now: Date) throws -> AuthKeyExchangeStep {
        guard !encrypted.isEmpty, encrypted.count % 16 == 0 else {
            throw AuthKeyExchangeError.badEncryptedLength(encrypted.count)
        }
        let (key, iv) = AuthKeyMath.tmpAESKeyIV(newNonce: newNonce, serverNonce: serverNonce)
        let answer = try AESIGE.decrypt(encrypted, key: key, iv: iv)
        let inner = try readHashed(answer) { try ServerDHInnerData(&$0) }
        guard inner.nonce == nonce else { throw AuthKeyExchangeError.nonceMismatch }
        guard inner.serverNonce == serverNonce else { throw AuthKeyExchangeError.serverNonceMismatch }
        do {
            try DHValidation.checkPrimeAndGenerator(prime: inner.dhPrime, g: Int(inner.g))
        } catch {
            throw AuthKeyExchangeError.badDHPrime(String(describing: error))
        }
        do {
            try DHValidation.checkDHValue(inner.gA, prime: inner.dhPrime)
        } catch {
            throw AuthKeyExchangeError.dhValueOutOfRange(name: "g_a", reason: String(describing: error))
        }
        let timeOffset = Int(inner.serverTime) - Int(now.timeIntervalSince1970.rounded(.down))
        clock.correct(serverTime: Int(inner.serverTime), now: now)
        var dh = DHState(nonce: nonce, serverNonce: serverNonce, newNonce: newNonce, key: key, iv: iv,
                         prime: inner.dhPrime, g: Int(inner.g), gA: inner.gA, timeOffset: timeOffset,
                         authKey: nil, retries: 0)
        return try sendClientDH(&dh, retryID: 0, now: now)
    }

    /// Picks a fresh secret b, derives g_b and the auth key, and sends `set_client_DH_params`.
    private mutating func sendClientDH(_ dh: inout DHState, retryID: Int64, now: Date) throws -> AuthKeyExchangeStep {
        var gB: [UInt8] = []
        var b: [UInt8] = []
        for attempt in 0... {
            b = SecureRandom.bytes(256)
            gB = BigNum.modPow(base: bigEndianBytes(UInt64(dh.g)), exponent: b, modulus: dh.prime, constantTime: true)
            if (try? DHValidation.checkDHValue(gB, prime: dh.prime)) != nil { break }
            if attempt >= 8 { throw AuthKeyExchangeError.dhValueOutOfRange(name: "g_b", reason: "no valid g_b found") }
        }
        dh.authKey = try AuthKey(BigNum.modPow(base: dh.gA, exponent: b, modulus: dh.prime, constantTime: true))
        let inner = ClientDHInnerData(nonce: dh.nonce, serverNonce: dh.serverNonce, retryID: retryID, gB: gB)
        let encrypted = try AESIGE.encrypt(withHashAndPadding(inner.encoded()), key: dh.key, iv: dh.iv)
        let body = encodeNoncesAndBytes(Wire.setClientDHParams, dh.nonce, dh.serverNonce, encrypted)
        state = .awaitingDHGen(dh)
        return .send(PlainMessage.pack(body: body, msgID: clock.next(now: now)))
    }
}
