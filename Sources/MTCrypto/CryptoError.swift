import COpenSSL

/// Everything MTCrypto can reject. Each case says what was seen; none carries
/// secret bytes. A failure during the auth-key exchange or SRP means the
/// exchange must be abandoned (start a new one); a failure while decrypting a
/// single message means that message is dropped and the connection may go on.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A symmetric key had the wrong length (AES-256 needs 32 bytes). A programming error.
    case badKeyLength(expected: Int, got: Int)
    /// An IV had the wrong length (IGE needs 32 bytes, CTR 16). A programming error.
    case badIVLength(expected: Int, got: Int)
    /// IGE data must be a whole number of 16-byte blocks. From a peer: drop the packet.
    case badBlockLength(length: Int)
    /// OpenSSL refused an operation; `operation` names the call. Not recoverable for this input.
    case openSSL(operation: String, reason: String)
    /// A PEM text could not be read as an RSA key of the expected kind.
    case badPEM(reason: String)
    /// An RSA input was not exactly the modulus size.
    case badRSABlockLength(expected: Int, got: Int)
    /// An RSA input was not smaller than the modulus.
    case rsaInputNotBelowModulus
    /// The RSA-decrypted block was neither Telegram's RSA_PAD nor the legacy
    /// `SHA1(data) + data + padding` form: the client used another key or is broken.
    case rsaPaddingInvalid(reason: String)
    /// RSA_PAD input data longer than 144 bytes.
    case rsaPadDataTooLong(length: Int)
    /// An auth key must be exactly 256 bytes.
    case badAuthKeyLength(got: Int)
    /// The DH prime is not 2048 bits long. The server is misbehaving: abort the exchange.
    case primeWrongSize(bits: Int)
    /// The DH prime p, or (p-1)/2, is not prime. The server is misbehaving: abort the exchange.
    case primeNotSafe
    /// g must be one of 2…7.
    case generatorOutOfRange(g: Int)
    /// g does not generate the subgroup of order (p-1)/2: p mod `modulus` is `residue`,
    /// which Telegram's rule for this g forbids. Abort the exchange.
    case generatorResidueMismatch(g: Int, modulus: Int, residue: Int)
    /// A DH public value (g_a, g_b) or SRP value fails a range check. Abort the exchange.
    case dhValueOutOfRange(DHRangeViolation)
    /// SRP: B ≡ 0 (mod p). The server is misbehaving: do not send a password proof.
    case srpBZeroModP
    /// SRP: u = H(A|B) is zero. Retry with a fresh `a` (practically never happens).
    case srpUZero
    /// The msg_key of a received message does not match its decrypted contents:
    /// the message was forged or corrupted. Drop it; the connection may go on.
    case msgKeyMismatch
    /// new_nonce_hash1/2/3 from the server does not match ours: abort the exchange.
    case newNonceHashMismatch(number: Int)
    /// SRP account parameters were malformed (e.g. an empty salt).
    case srpBadParameters(reason: String)

    public var description: String {
        switch self {
        case let .badKeyLength(e, g): return "AES key must be \(e) bytes, got \(g)"
        case let .badIVLength(e, g): return "IV must be \(e) bytes, got \(g)"
        case let .badBlockLength(l): return "data length \(l) is not a multiple of 16 bytes"
        case let .openSSL(op, r): return "OpenSSL \(op) failed: \(r)"
        case let .badPEM(r): return "cannot read RSA key from PEM: \(r)"
        case let .badRSABlockLength(e, g): return "RSA block must be \(e) bytes, got \(g)"
        case .rsaInputNotBelowModulus: return "RSA input is not smaller than the modulus"
        case let .rsaPaddingInvalid(r): return "RSA-decrypted data is not RSA_PAD nor the legacy SHA1 form: \(r)"
        case let .rsaPadDataTooLong(l): return "RSA_PAD data must be at most 144 bytes, got \(l)"
        case let .badAuthKeyLength(g): return "auth key must be 256 bytes, got \(g)"
        case let .primeWrongSize(b): return "DH prime has \(b) bits, 2048 required; the server is misbehaving"
        case .primeNotSafe: return "DH prime is not a safe prime; the server is misbehaving"
        case let .generatorOutOfRange(g): return "DH generator \(g) is not in 2…7"
        case let .generatorResidueMismatch(g, m, r):
            return "DH generator \(g) is wrong for this prime (p mod \(m) = \(r)); the server is misbehaving"
        case let .dhValueOutOfRange(v): return "DH value out of range: \(v)"
        case .srpBZeroModP: return "SRP B is 0 mod p; the server is misbehaving, no password proof sent"
        case .srpUZero: return "SRP u is zero; retry with a fresh secret"
        case .msgKeyMismatch: return "msg_key does not match the decrypted message; message dropped"
        case let .newNonceHashMismatch(n): return "new_nonce_hash\(n) from the server does not match; exchange aborted"
        case let .srpBadParameters(r): return "bad SRP parameters: \(r)"
        }
    }
}

/// Which bound a DH or SRP public value broke.
public enum DHRangeViolation: Equatable, Sendable, CustomStringConvertible {
    /// The value is ≤ 1.
    case atMostOne
    /// The value is ≥ p − 1.
    case atLeastPrimeMinusOne
    /// The value is below 2^(2048−64).
    case belowSafetyMargin
    /// The value is above p − 2^(2048−64).
    case aboveSafetyMargin
    /// The value is zero modulo p, or not smaller than p.
    case notReducedModPrime

    public var description: String {
        switch self {
        case .atMostOne: return "value ≤ 1"
        case .atLeastPrimeMinusOne: return "value ≥ p − 1"
        case .belowSafetyMargin: return "value < 2^1984"
        case .aboveSafetyMargin: return "value > p − 2^1984"
        case .notReducedModPrime: return "value not in 1…p−1"
        }
    }
}

/// The most recent OpenSSL error as text, for `CryptoError.openSSL`.
func openSSLReason() -> String {
    let code = ERR_get_error()
    if code == 0 { return "no detail" }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    ERR_clear_error()
    return String(cString: buffer)
}
