import Dispatch

/// Telegram's SRP-2048 for 2FA passwords
/// (`passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`), client side.
///
/// H = SHA256, SH(d, s) = H(s‖d‖s), x = PH2 = SH(PBKDF2-SHA512(SH(SH(pw, salt1), salt2), salt1, 100000), salt2),
/// v = g^x, k = H(p‖g), u = H(A‖B), S = (B − k·v)^(a + u·x), M1 = H(H(p)⊕H(g) ‖ H(salt1) ‖ H(salt2) ‖ A ‖ B ‖ H(S)).
/// Every number is hashed as 256 big-endian bytes.
public enum SRP {
    public static let iterations = 100_000

    /// x (PH2) for `password` — the slow part (PBKDF2 with 100,000 iterations).
    public static func passwordHash(password: String, salt1: [UInt8], salt2: [UInt8]) -> [UInt8] {
        var pw = Array(password.utf8)
        defer { wipe(&pw) }
        var ph1 = saltedHash(saltedHash(pw, salt1), salt2)
        defer { wipe(&ph1) }
        var slow = PBKDF2.sha512(password: ph1, salt: salt1, iterations: iterations)
        defer { wipe(&slow) }
        return saltedHash(slow, salt2)
    }

    /// The proof for `account.password`'s current algorithm: A (256 bytes) and M1 (32 bytes)
    /// for `inputCheckPasswordSRP`. Checks p, g and B first and throws rather than send a
    /// proof to a misbehaving server. `a` is for tests; by default it is random.
    public static func check(password: String, salt1: [UInt8], salt2: [UInt8], g: Int, p: [UInt8],
                             srpB: [UInt8], a: [UInt8]? = nil) throws -> (A: [UInt8], M1: [UInt8]) {
        let group = try Group(g: g, p: p)
        let B = try group.checkedServerValue(srpB)
        let bForHash = B.bytes(padded: 256)!

        // A and u need no password: compute them beside PBKDF2 on another core.
        let ephemeral = EphemeralBox()
        let work = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: work) {
            ephemeral.result = Result { try group.clientEphemeral(fixed: a, bForHash: bForHash) }
        }
        let xBytes = passwordHash(password: password, salt1: salt1, salt2: salt2)
        work.wait()
        let (aNum, aForHash, u) = try ephemeral.result!.get()

        let ctx = BigNum.Context()
        let x = BigNum(xBytes)
        let v = group.g.power(x, modulus: group.p, constantTime: true, ctx: ctx)
        let kv = group.k.modMultiplied(by: v, modulus: group.p, ctx: ctx)
        let t = B.modSubtracting(kv, modulus: group.p, ctx: ctx)
        try DHValidation.checkSafetyMargin(t, prime: group.p)
        let exponent = aNum.adding(u.multiplied(by: x, ctx: ctx))
        let s = t.power(exponent, modulus: group.p, constantTime: true, ctx: ctx)
        let m1 = group.proof(salt1: salt1, salt2: salt2, aForHash: aForHash, bForHash: bForHash,
                             key: SHA256.hash(s.bytes(padded: 256)!))
        return (aForHash, m1)
    }

    /// The verifier v = g^x mod p (256 bytes) for a new password, sent as `new_password_hash`.
    /// `salt1` must already be extended with `extendedSalt1(_:)`.
    public static func newVerifier(password: String, salt1: [UInt8], salt2: [UInt8], g: Int, p: [UInt8]) throws -> [UInt8] {
        let group = try Group(g: g, p: p)
        let x = BigNum(passwordHash(password: password, salt1: salt1, salt2: salt2))
        return group.g.power(x, modulus: group.p, constantTime: true).bytes(padded: 256)!
    }

    /// The server's new_algo salt1 followed by 32 fresh random bytes, as clients must use it
    /// when setting a password.
    public static func extendedSalt1(_ serverSalt1: [UInt8]) -> [UInt8] {
        serverSalt1 + SecureRandom.bytes(32)
    }

    static func saltedHash(_ data: [UInt8], _ salt: [UInt8]) -> [UInt8] {
        let hasher = SHA256.hasher()
        hasher.update(salt)
        hasher.update(data)
        hasher.update(salt)
        return hasher.finalize()
    }

    /// A checked SRP group (p, g) with k = H(p‖g).
    struct Group {
        let p: BigNum
        let g: BigNum
        let pForHash: [UInt8]
        let gForHash: [UInt8]
        let k: BigNum

        init(g: Int, p: [UInt8]) throws {
            try DHValidation.checkPrimeAndGenerator(prime: p, g: g)
            self.p = BigNum(p)
            self.g = BigNum(UInt64(g))
            pForHash = self.p.bytes(padded: 256)!
            gForHash = self.g.bytes(padded: 256)!
            k = BigNum(SHA256.hash(pForHash + gForHash))
        }

        /// B (or A, on the server) must be a non-zero residue within the safety margins.
        func checkedServerValue(_ bytes: [UInt8]) throws -> BigNum {
            guard bytes.count <= 256 else { throw CryptoError.dhValueOutOfRange(.notReducedModPrime) }
            let value = BigNum(bytes)
            if value.modulo(p).isZero { throw CryptoError.srpBZeroModP }
            guard value < p else { throw CryptoError.dhValueOutOfRange(.notReducedModPrime) }
            try DHValidation.checkDHValue(value, prime: p)
            return value
        }

        /// a, A (256 bytes) and u = H(A‖B); a fresh `a` until A is within the safety margins.
        func clientEphemeral(fixed: [UInt8]?, bForHash: [UInt8]) throws -> (BigNum, [UInt8], BigNum) {
            for _ in 0..<64 {
                let a = BigNum(fixed ?? SecureRandom.bytes(256))
                let A = g.power(a, modulus: p, constantTime: true)
                do {
                    try DHValidation.checkDHValue(A, prime: p)
                } catch where fixed == nil {
                    continue
                }
                let aForHash = A.bytes(padded: 256)!
                let u = BigNum(SHA256.hash(aForHash + bForHash))
                if u.isZero {
                    if fixed != nil { throw CryptoError.srpUZero }
                    continue
                }
                return (a, aForHash, u)
            }
            throw CryptoError.srpUZero
        }

        func proof(salt1: [UInt8], salt2: [UInt8], aForHash: [UInt8], bForHash: [UInt8], key: [UInt8]) -> [UInt8] {
            let hp = SHA256.hash(pForHash), hg = SHA256.hash(gForHash)
            let hasher = SHA256.hasher()
            hasher.update(zip(hp, hg).map { $0 ^ $1 })
            hasher.update(SHA256.hash(salt1))
            hasher.update(SHA256.hash(salt2))
            hasher.update(aForHash)
            hasher.update(bForHash)
            hasher.update(key)
            return hasher.finalize()
        }
    }
}

/// Carries the concurrent half of `SRP.check` back to the caller (written before `wait` returns).
private final class EphemeralBox: @unchecked Sendable {
    var result: Result<(BigNum, [UInt8], BigNum), Error>?
}

/// The server side of SRP for the test server: holds a stored verifier, offers B, checks M1.
/// Never prints its secrets.
public final class SRPServer: @unchecked Sendable, CustomStringConvertible {
    private let group: SRP.Group
    private let verifier: BigNum
    private let secret: BigNum
    private let salt1: [UInt8]
    private let salt2: [UInt8]
    /// srp_B for `account.password`, 256 bytes.
    public let B: [UInt8]

    /// `verifier` is v = g^x mod p as stored when the password was set. `b` is for tests;
    /// by default it is random. Traps if p/g are not a valid group (the server chose them).
    public init(verifier: [UInt8], salt1: [UInt8], salt2: [UInt8], g: Int, p: [UInt8], b: [UInt8]? = nil) {
        do { group = try SRP.Group(g: g, p: p) } catch { preconditionFailure("SRPServer with a bad group: \(error)") }
        self.verifier = BigNum(verifier)
        self.salt1 = salt1
        self.salt2 = salt2
        let kv = group.k.modMultiplied(by: self.verifier, modulus: group.p)
        var chosen: (BigNum, [UInt8])?
        for _ in 0..<64 {
            let b = BigNum(b ?? SecureRandom.bytes(256))
            let B = kv.modAdding(group.g.power(b, modulus: group.p, constantTime: true), modulus: group.p)
            chosen = (b, B.bytes(padded: 256)!)
            if (try? group.checkedServerValue(B.bytes)) != nil { break }
        }
        (secret, self.B) = chosen!
    }

    /// Whether (A, M1) from `inputCheckPasswordSRP` proves knowledge of the password.
    /// Bad A values (0 mod p, out of range) are simply wrong proofs.
    public func verify(A: [UInt8], M1: [UInt8]) -> Bool {
        guard let a = try? group.checkedServerValue(A) else { return false }
        let aForHash = a.bytes(padded: 256)!
        let u = BigNum(SHA256.hash(aForHash + B))
        guard !u.isZero else { return false }
        let ctx = BigNum.Context()
        let base = a.modMultiplied(by: verifier.power(u, modulus: group.p, constantTime: true, ctx: ctx),
                                   modulus: group.p, ctx: ctx)
        let s = base.power(secret, modulus: group.p, constantTime: true, ctx: ctx)
        let expected = group.proof(salt1: salt1, salt2: salt2, aForHash: aForHash, bForHash: B,
                                   key: SHA256.hash(s.bytes(padded: 256)!))
        return constantTimeEqual(expected, M1)
    }

    public var description: String { "SRPServer(<secret>)" }
}
