import Foundation
import MTCrypto

/// Creates an auth key as the server (for the test server), sans-IO. Accepts
/// `req_pq`/`req_pq_multi`, `req_DH_params` carrying any `p_q_inner_data` form under
/// RSA_PAD or the legacy `SHA1(data) | data | padding` encryption (Telethon's), and
/// `set_client_DH_params`. `pq` is the product of two random 31-bit primes, as Telegram's
/// is; the DH group is Telegram's 2048-bit prime with g = 3.
public struct ServerAuthKeyExchange {
    public let privateKey: RSAPrivateKey
    public private(set) var clock: MessageIDClock
    /// The data centre the client asked for in `p_q_inner_data_dc` (nil for the plain form).
    public private(set) var requestedDC: Int?
    /// How many `dh_gen_retry` answers to give before accepting (fault injection).
    public var demandRetries = 0
    /// Test hooks that make this a hostile or failing server (see MTProtoTests).
    var tamperResPQ: ((inout ResPQ) -> Void)?
    var tamperServerDH: ((inout ServerDHInnerData) -> Void)?
    var answerServerDHParamsFail = false
    var answerDHGenFail = false

    private let dhPrime: [UInt8]
    private let g: Int

    private enum State {
        case awaitingReqPQ
        case awaitingDHParams(nonce: [UInt8], serverNonce: [UInt8], pq: [UInt8], p: [UInt8], q: [UInt8])
        case awaitingClientDH(nonce: [UInt8], serverNonce: [UInt8], newNonce: [UInt8], a: [UInt8], key: [UInt8], iv: [UInt8])
        case finished
    }

    private var state: State = .awaitingReqPQ
    private var retriesGiven = 0

    public init(privateKey: RSAPrivateKey, clock: MessageIDClock = MessageIDClock(role: .server),
                dhPrime: [UInt8] = TelegramDH.prime, g: Int = TelegramDH.g) {
        self.privateKey = privateKey
        self.clock = clock
        self.dhPrime = dhPrime
        self.g = g
    }

    /// Feeds one packet from the client. A `req_pq` restarts the exchange from any state.
    public mutating func handle(_ packet: [UInt8], now: Date) throws -> ServerAuthKeyStep {
        let current = state
        state = .finished
        do {
            let body = try AuthKeyExchangeError.plainBody(of: packet)
            var r = WireReader(body)
            let id = try? r.uint32()
            if id == Wire.reqPQMulti || id == Wire.reqPQ {
                return try handleReqPQ(nonce: try r.int128(), now: now)
            }
            switch current {
            case let .awaitingDHParams(nonce, serverNonce, pq, p, q):
                guard id == Wire.reqDHParams else { throw AuthKeyExchangeError.unexpectedMessage(got: id, expected: "req_DH_params") }
                let req = try ReqDHParams(&r)
                guard req.nonce == nonce else { throw AuthKeyExchangeError.nonceMismatch }
                guard req.serverNonce == serverNonce else { throw AuthKeyExchangeError.serverNonceMismatch }
                guard req.p == p, req.q == q else { throw AuthKeyExchangeError.pqMismatch }
                guard req.fingerprint == privateKey.publicKey.fingerprint else {
                    throw AuthKeyExchangeError.wrongFingerprint(req.fingerprint)
                }
                let inner = try PQInnerData(decoding: try RSAPad.decrypt(req.encryptedData, key: privateKey))
                guard inner.nonce == nonce else { throw AuthKeyExchangeError.nonceMismatch }
                guard inner.serverNonce == serverNonce else { throw AuthKeyExchangeError.serverNonceMismatch }
                guard inner.pq == pq, inner.p == p, inner.q == q else { throw AuthKeyExchangeError.pqMismatch }
                requestedDC = inner.dc.map(Int.init)
                if answerServerDHParamsFail {
                    var w = WireWriter()
                    w.uint32(Wire.serverDHParamsFail); w.raw(nonce); w.raw(serverNonce)
                    w.raw(Array(SHA1.hash(inner.newNonce)[4..<20]))
                    return .send(PlainMessage.pack(body: w.bytes, msgID: clock.next(now: now, isResponse: true)))
                }
                return try sendServerDH(nonce: nonce, serverNonce: serverNonce, newNonce: inner.newNonce, now: now)
            case let .awaitingClientDH(nonce, serverNonce, newNonce, a, key, iv):
                guard id == Wire.setClientDHParams else {
                    throw AuthKeyExchangeError.unexpectedMessage(got: id, expected: "set_client_DH_params")
                }
                guard try r.int128() == nonce else { throw AuthKeyExchangeError.nonceMismatch }
                guard try r.int128() == serverNonce else { throw AuthKeyExchangeError.serverNonceMismatch }
                let encrypted = try r.tlBytes()
                guard !encrypted.isEmpty, encrypted.count % 16 == 0 else {
                    throw AuthKeyExchangeError.badEncryptedLength(encrypted.count)
                }
                let inner = try readHashed(try AESIGE.decrypt(encrypted, key: key, iv: iv)) { try ClientDHInnerData(&$0) }
                guard inner.nonce == nonce else { throw AuthKeyExchangeError.nonceMismatch }
                guard inner.serverNonce == serverNonce else { throw AuthKeyExchangeError.serverNonceMismatch }
                do { try DHValidation.checkDHValue(inner.gB, prime: dhPrime) } catch {
                    throw AuthKeyExchangeError.dhValueOutOfRange(name: "g_b", reason: String(describing: error))
                }
                let authKey = try AuthKey(BigNum.modPow(base: inner.gB, exponent: a, modulus: dhPrime, constantTime: true))
                if answerDHGenFail {
                    let answer = DHGenAnswer(constructor: Wire.dhGenFail, nonce: nonce, serverNonce: serverNonce,
                                             newNonceHash: AuthKeyMath.newNonceHash(newNonce: newNonce, authKey: authKey, number: 3))
                    return .send(PlainMessage.pack(body: answer.encoded(), msgID: clock.next(now: now, isResponse: true)))
                }
                if retriesGiven < demandRetries {
                    retriesGiven += 1
                    state = current
                    let answer = DHGenAnswer(constructor: Wire.dhGenRetry, nonce: nonce, serverNonce: serverNonce,
                                             newNonceHash: AuthKeyMath.newNonceHash(newNonce: newNonce, authKey: authKey, number: 2))
                    return .send(PlainMessage.pack(body: answer.encoded(), msgID: clock.next(now: now, isResponse: true)))
                }
                let answer = DHGenAnswer(constructor: Wire.dhGenOK, nonce: nonce, serverNonce: serverNonce,
                                         newNonceHash: AuthKeyMath.newNonceHash(newNonce: newNonce, authKey: authKey, number: 1))
                let created = CreatedAuthKey(authKey: authKey, serverSalt: initialSalt(newNonce: newNonce, serverNonce: serverNonce),
                                             timeOffset: 0)
                return .done(created, packet: PlainMessage.pack(body: answer.encoded(), msgID: clock.next(now: now, isResponse: true)))
            case .awaitingReqPQ:
                throw AuthKeyExchangeError.unexpectedMessage(got: id, expected: "req_pq_multi")
            case .finished:
                throw AuthKeyExchangeError.finished
            }
        } catch {
            throw AuthKeyExchangeError(wrapping: error)
        }
    }

    private mutating func handleReqPQ(nonce: [UInt8], now: Date) throws -> ServerAuthKeyStep {
        let p = Self.randomPrime()
        var q = Self.randomPrime()
        while q == p { q = Self.randomPrime() }
        let (small, large) = p < q ? (p, q) : (q, p)
        let pq = bigEndianBytes(small * large)
        var res = ResPQ(nonce: nonce, serverNonce: SecureRandom.bytes(16), pq: pq,
                        fingerprints: [privateKey.publicKey.fingerprint])
        tamperResPQ?(&res)
        state = .awaitingDHParams(nonce: nonce, serverNonce: res.serverNonce, pq: pq,
                                  p: bigEndianBytes(small), q: bigEndianBytes(large))
        return .send(PlainMessage.pack(body: res.encoded(), msgID: clock.next(now: now, isResponse: true)))
    }

    private mutating func sendServerDH(nonce: [UInt8], serverNonce: [UInt8], newNonce: [UInt8], now: Date) throws -> ServerAuthKeyStep {
        var a: [UInt8] = []
        var gA: [UInt8] = []
        repeat {
            a = SecureRandom.bytes(256)
            gA = BigNum.modPow(base: bigEndianBytes(UInt64(max(g, 2))), exponent: a, modulus: dhPrime, constantTime: true)
        } while (try? DHValidation.checkDHValue(gA, prime: dhPrime)) == nil
        var inner = ServerDHInnerData(nonce: nonce, serverNonce: serverNonce, g: Int32(g), dhPrime: dhPrime, gA: gA,
                                      serverTime: Int32(truncatingIfNeeded: Int(now.timeIntervalSince1970)))
        tamperServerDH?(&inner)
        let (key, iv) = AuthKeyMath.tmpAESKeyIV(newNonce: newNonce, serverNonce: serverNonce)
        let encrypted = try AESIGE.encrypt(withHashAndPadding(inner.encoded()), key: key, iv: iv)
        state = .awaitingClientDH(nonce: nonce, serverNonce: serverNonce, newNonce: newNonce, a: a, key: key, iv: iv)
        let body = encodeNoncesAndBytes(Wire.serverDHParamsOK, nonce, serverNonce, encrypted)
        return .send(PlainMessage.pack(body: body, msgID: clock.next(now: now, isResponse: true)))
    }

    /// A random prime in [2^30, 2^31), checked by deterministic Miller–Rabin.
    static func randomPrime() -> UInt64 {
        while true {
            let bytes = SecureRandom.bytes(4)
            let raw = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let candidate = (raw & 0x3fff_ffff) | 0x4000_0000 | 1
            if isPrime(candidate) { return candidate }
        }
    }

    static func isPrime(_ n: UInt64) -> Bool {
        if n < 2 { return false }
        for small: UInt64 in [2, 3, 5, 7, 11, 13] where n % small == 0 { return n == small }
        var d = n - 1
        var s = 0
        while d % 2 == 0 { d /= 2; s += 1 }
        // Bases 2, 3, 5, 7 decide every n < 3,215,031,751; n here is below 2^32 (products fit in UInt64).
        witness: for base: UInt64 in [2, 3, 5, 7] {
            var x = powMod(base, d, n)
            if x == 1 || x == n - 1 { continue }
            for _ in 0..<max(0, s - 1) {
                x = x * x % n
                if x == n - 1 { continue witness }
            }
            return false
        }
        return true
    }

    private static func powMod(_ base: UInt64, _ exponent: UInt64, _ modulus: UInt64) -> UInt64 {
        var result: UInt64 = 1
        var b = base % modulus
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = result * b % modulus }
            b = b * b % modulus
            e >>= 1
        }
        return result
    }
}
