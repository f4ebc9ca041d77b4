/// Why an auth-key exchange was abandoned. None of these can be continued: the exchange
/// (client or server) is dead, and a new one should start, normally on a new connection.
/// Nonces and keys are never included; the values shown are public protocol fields.
public enum AuthKeyExchangeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The packet was not a valid plain message.
    case plainMessage(PlainMessageError)
    /// A structure could not be decoded.
    case malformed(WireError)
    /// A message arrived that does not fit this step (`got` is its constructor id).
    case unexpectedMessage(got: UInt32?, expected: String)
    /// The `nonce` echoed by the peer is not the one this exchange chose (possible MITM or replay).
    case nonceMismatch
    /// The `server_nonce` differs from the one in `resPQ`.
    case serverNonceMismatch
    /// None of the server's key fingerprints is a key we trust.
    case unknownFingerprints([Int64])
    /// `pq` could not be split into two primes (or is not a 64-bit number).
    case badPQ(String)
    /// The SHA1 over the decrypted DH answer did not match, or its padding was too long.
    case answerHashMismatch
    /// The encrypted answer's length is not a positive multiple of 16.
    case badEncryptedLength(Int)
    /// The DH prime or generator the server sent fails Telegram's checks (reason given).
    case badDHPrime(String)
    /// `g_a` (or `g_b` on the server) is outside (1, p−1) or the 2^(2048−64) safety margin.
    case dhValueOutOfRange(name: String, reason: String)
    /// `new_nonce_hash1/2/3` did not match the key we computed.
    case newNonceHashMismatch(number: Int)
    /// The server answered `server_DH_params_fail`.
    case serverDHParamsFail
    /// The server answered `dh_gen_fail`.
    case dhGenFail
    /// The server kept answering `dh_gen_retry`.
    case tooManyRetries(Int)
    /// A cryptographic primitive failed (RSA, AES, big-number arithmetic).
    case crypto(String)
    /// Server side: the client's `p`, `q` or `pq` differ from what the server issued.
    case pqMismatch
    /// Server side: the fingerprint the client chose is not this server's key.
    case wrongFingerprint(Int64)
    /// The exchange already finished or failed; a new one is needed.
    case finished

    public var description: String {
        switch self {
        case let .plainMessage(e): return "auth key exchange: \(e)"
        case let .malformed(e): return "auth key exchange: \(e)"
        case let .unexpectedMessage(got, expected):
            let id = got.map { "0x" + String($0, radix: 16) } ?? "an empty message"
            return "auth key exchange: got \(id), expected \(expected)"
        case .nonceMismatch: return "auth key exchange: the peer echoed a different nonce (possible attack); retry on a new connection"
        case .serverNonceMismatch: return "auth key exchange: server_nonce changed mid-exchange; retry on a new connection"
        case let .unknownFingerprints(f): return "auth key exchange: the server offers RSA keys \(f), none of which is configured; check the server's public key"
        case let .badPQ(why): return "auth key exchange: bad pq (\(why))"
        case .answerHashMismatch: return "auth key exchange: the decrypted DH answer fails its SHA1 check"
        case let .badEncryptedLength(n): return "auth key exchange: encrypted answer of \(n) bytes is not a multiple of 16"
        case let .badDHPrime(why): return "auth key exchange: the server's DH prime or generator is unsafe (\(why)); refusing it"
        case let .dhValueOutOfRange(name, why): return "auth key exchange: \(name) is out of the safe range (\(why)); refusing it"
        case let .newNonceHashMismatch(n): return "auth key exchange: new_nonce_hash\(n) does not match the computed key"
        case .serverDHParamsFail: return "auth key exchange: the server answered server_DH_params_fail"
        case .dhGenFail: return "auth key exchange: the server answered dh_gen_fail"
        case let .tooManyRetries(n): return "auth key exchange: the server asked for dh_gen_retry \(n) times; giving up"
        case let .crypto(why): return "auth key exchange: crypto failure (\(why))"
        case .pqMismatch: return "auth key exchange: the client's p/q do not match the issued pq"
        case let .wrongFingerprint(f): return "auth key exchange: the client used key fingerprint \(f), which is not this server's"
        case .finished: return "auth key exchange: already finished; start a new exchange"
        }
    }
}

extension AuthKeyExchangeError {
    /// Any failure inside an exchange step as an exchange error: malformed bytes as
    /// `.malformed`, a cryptographic refusal as `.crypto`, exchange errors unchanged.
    init(wrapping error: Error) {
        switch error {
        case let e as AuthKeyExchangeError: self = e
        case let e as WireError: self = .malformed(e)
        default: self = .crypto(String(describing: error))
        }
    }

    /// The body of a plain (unencrypted) exchange packet; a malformed envelope ends
    /// the exchange as `.plainMessage`.
    static func plainBody(of packet: [UInt8]) throws -> [UInt8] {
        do { return try PlainMessage.unpack(packet).body } catch let e as PlainMessageError {
            throw AuthKeyExchangeError.plainMessage(e)
        }
    }
}
