import COpenSSL

/// Telegram's Diffie–Hellman group, used by the auth-key exchange and by SRP.
public enum TelegramDH {
    /// The 2048-bit safe prime Telegram's servers send (C71CAEB9…CC5B).
    public static let prime: [UInt8] = hexBytes("""
        C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F48198A0AA7C14058229493D22530F4DBFA336F6E0AC92513\
        9543AED44CCE7C3720FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F642477FE96BB2A941D5BCD1D4AC8CC4988\
        0708FA9B378E3C4F3A9060BEE67CF9A4A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754FD17ED950D5965B4\
        B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F\
        0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B
        """)
    /// The generator Telegram uses with `prime`.
    public static let g = 3
}

/// The checks Telegram's security guidelines require of DH parameters and public values.
public enum DHValidation {
    /// Throws unless `prime` is a 2048-bit safe prime and `g` (2…7) generates the
    /// subgroup of order (p−1)/2. Telegram's own prime is accepted without a primality
    /// test; any other prime is tested once and the verdict cached.
    public static func checkPrimeAndGenerator(prime: [UInt8], g: Int) throws {
        let p = BigNum(prime)
        guard p.bitCount == 2048 else { throw CryptoError.primeWrongSize(bits: p.bitCount) }
        guard (2...7).contains(g) else { throw CryptoError.generatorOutOfRange(g: g) }
        try checkResidue(p, g: g)
        guard try isSafePrime(p) else { throw CryptoError.primeNotSafe }
    }

    /// Throws unless 1 < value < p − 1 and 2^(2048−64) ≤ value ≤ p − 2^(2048−64),
    /// as required of g_a, g_b (and SRP's values) before they are used.
    public static func checkDHValue(_ value: [UInt8], prime: [UInt8]) throws {
        try checkDHValue(BigNum(value), prime: BigNum(prime))
    }

    static func checkDHValue(_ v: BigNum, prime p: BigNum) throws {
        let one = BigNum(1)
        guard v > one else { throw CryptoError.dhValueOutOfRange(.atMostOne) }
        guard v < p.subtracting(one) else { throw CryptoError.dhValueOutOfRange(.atLeastPrimeMinusOne) }
        try checkSafetyMargin(v, prime: p)
    }

    /// 2^(2048−64) ≤ value ≤ p − 2^(2048−64), as SRP requires of g_b = B − k·v.
    static func checkSafetyMargin(_ v: BigNum, prime p: BigNum) throws {
        let margin = BigNum([1] + [UInt8](repeating: 0, count: (2048 - 64) / 8))
        guard v >= margin else { throw CryptoError.dhValueOutOfRange(.belowSafetyMargin) }
        guard v <= p.subtracting(margin) else { throw CryptoError.dhValueOutOfRange(.aboveSafetyMargin) }
    }

    /// The quadratic-residue rule per generator, from Telegram's guidelines.
    static func checkResidue(_ p: BigNum, g: Int) throws {
        let allowed: (modulus: UInt64, residues: Set<UInt64>)?
        switch g {
        case 2: allowed = (8, [7])
        case 3: allowed = (3, [2])
        case 5: allowed = (5, [1, 4])
        case 6: allowed = (24, [19, 23])
        case 7: allowed = (7, [3, 5, 6])
        default: allowed = nil   // g = 4 is a square: always in the subgroup
        }
        guard let allowed else { return }
        let residue = p.remainder(dividingBy: allowed.modulus)
        guard allowed.residues.contains(residue) else {
            throw CryptoError.generatorResidueMismatch(g: g, modulus: Int(allowed.modulus), residue: Int(residue))
        }
    }

    private static let knownPrime = BigNum(TelegramDH.prime)
    private static let cache = SafePrimeCache()

    static func isSafePrime(_ p: BigNum) throws -> Bool {
        if p == knownPrime { return true }
        let key = p.bytes
        if let known = cache.verdict(for: key) { return known }
        let verdict = p.isProbablePrime && p.shiftedRight(1).isProbablePrime
        cache.record(verdict, for: key)
        return verdict
    }
}

/// Verdicts of the (slow) safe-prime test, shared across threads.
private final class SafePrimeCache: @unchecked Sendable {
    private var verdicts: [[UInt8]: Bool] = [:]
    private let lock = Lock()

    func verdict(for prime: [UInt8]) -> Bool? { lock.withLock { verdicts[prime] } }
    func record(_ verdict: Bool, for prime: [UInt8]) {
        lock.withLock {
            if verdicts.count > 64 { verdicts.removeAll() }   // bounded: a server may send many primes
            verdicts[prime] = verdict
        }
    }
}

/// A mutex over OpenSSL's lock, so MTCrypto needs nothing beyond libcrypto.
final class Lock: @unchecked Sendable {
    private let lock: UnsafeMutableRawPointer
    init() { lock = CRYPTO_THREAD_lock_new()! }
    deinit { CRYPTO_THREAD_lock_free(lock) }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        CRYPTO_THREAD_write_lock(lock)
        defer { CRYPTO_THREAD_unlock(lock) }
        return try body()
    }
}

/// Bytes from hex text (constants in source only).
func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8).compactMap { c -> UInt8? in
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
    precondition(digits.count % 2 == 0)
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}
