import COpenSSL

/// The hash functions MTProto uses, fetched from OpenSSL once per process.
enum DigestAlgorithm {
    case sha1, sha256, sha512

    var md: OpaquePointer {
        switch self {
        case .sha1: return FetchedDigests.sha1
        case .sha256: return FetchedDigests.sha256
        case .sha512: return FetchedDigests.sha512
        }
    }

    var length: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        case .sha512: return 64
        }
    }

    func hash<Bytes: ContiguousByteInput>(_ data: Bytes) -> [UInt8] {
        data.withUnsafeBytes { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { out in
                digest(input, into: out.baseAddress!)
                return Array(UnsafeBufferPointer(rebasing: out[0..<length]))
            }
        }
    }

    /// Hashes the concatenation of `parts` into `out` (`length` bytes).
    ///
    /// Through OpenSSL's low-level SHA functions on a context on the stack: for the short
    /// inputs MTProto hashes, `EVP_Digest` (a context allocated, initialised through the
    /// provider and freed per call) and OpenSSL 3's one-shot `SHA256()` (an `EVP_Q_digest`
    /// that fetches the algorithm by name per call) cost more than the hashing itself
    /// (crypto-bench `small`). The context holds no secret after `Final`, but is wiped anyway.
    func digest(_ parts: UnsafeRawBufferPointer..., into out: UnsafeMutablePointer<UInt8>) {
        switch self {
        case .sha1:
            var ctx = SHA_CTX()
            SHA1_Init(&ctx)
            for part in parts where part.count > 0 { SHA1_Update(&ctx, part.baseAddress, part.count) }
            SHA1_Final(out, &ctx)
            withUnsafeMutableBytes(of: &ctx) { OPENSSL_cleanse($0.baseAddress, $0.count) }
        case .sha256:
            var ctx = SHA256_CTX()
            SHA256_Init(&ctx)
            for part in parts where part.count > 0 { SHA256_Update(&ctx, part.baseAddress, part.count) }
            SHA256_Final(out, &ctx)
            withUnsafeMutableBytes(of: &ctx) { OPENSSL_cleanse($0.baseAddress, $0.count) }
        case .sha512:
            var ctx = SHA512_CTX()
            SHA512_Init(&ctx)
            for part in parts where part.count > 0 { SHA512_Update(&ctx, part.baseAddress, part.count) }
            SHA512_Final(out, &ctx)
            withUnsafeMutableBytes(of: &ctx) { OPENSSL_cleanse($0.baseAddress, $0.count) }
        }
    }
}

/// Explicitly fetched digests avoid OpenSSL's per-call implicit fetch.
enum FetchedDigests {
    static let sha1: OpaquePointer = fetch("SHA1")
    static let sha256: OpaquePointer = fetch("SHA256")
    static let sha512: OpaquePointer = fetch("SHA512")

    private static func fetch(_ name: String) -> OpaquePointer {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL has no \(name): \(openSSLReason())")
        }
        return md
    }
}

/// An incremental hash: feed pieces with `update`, then `finalize` once.
public class DigestHasher {
    private let algorithm: DigestAlgorithm
    private let ctx: OpaquePointer
    private var finished = false

    init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, algorithm.md, nil) == 1 else {
            fatalError("EVP_DigestInit_ex failed: \(openSSLReason())")
        }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Adds bytes to the message being hashed.
    public func update<Bytes: ContiguousByteInput>(_ data: Bytes) {
        precondition(!finished, "update after finalize")
        data.withUnsafeBytes { input in
            _ = EVP_DigestUpdate(ctx, input.baseAddress, input.count)
        }
    }

    /// The digest of everything fed so far; the hasher cannot be used afterwards.
    public func finalize() -> [UInt8] {
        precondition(!finished, "finalize called twice")
        finished = true
        var out = [UInt8](repeating: 0, count: algorithm.length)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(ctx, &out, &length)
        return out
    }
}

/// SHA-1 (160-bit): MTProto's auth_key_id, RSA fingerprints and the legacy key derivations.
public enum SHA1 {
    public static let byteCount = 20
    public static func hash<Bytes: ContiguousByteInput>(_ data: Bytes) -> [UInt8] { DigestAlgorithm.sha1.hash(data) }
    /// Incremental SHA1: `let h = SHA1.Hasher(); h.update(a); h.update(b); h.finalize()`.
    public final class Hasher: DigestHasher { public init() { super.init(.sha1) } }
    public static func hasher() -> Hasher { Hasher() }
}

/// SHA-256: MTProto 2.0 message keys, RSA_PAD, SRP and obfuscated2 keys.
public enum SHA256 {
    public static let byteCount = 32
    public static func hash<Bytes: ContiguousByteInput>(_ data: Bytes) -> [UInt8] { DigestAlgorithm.sha256.hash(data) }
    /// Incremental SHA256: `let h = SHA256.Hasher(); h.update(a); h.update(b); h.finalize()`.
    public final class Hasher: DigestHasher { public init() { super.init(.sha256) } }
    public static func hasher() -> Hasher { Hasher() }
}

/// SHA-512: the PRF under SRP's PBKDF2.
public enum SHA512 {
    public static let byteCount = 64
    public static func hash<Bytes: ContiguousByteInput>(_ data: Bytes) -> [UInt8] { DigestAlgorithm.sha512.hash(data) }
    /// Incremental SHA512: `let h = SHA512.Hasher(); h.update(a); h.update(b); h.finalize()`.
    public final class Hasher: DigestHasher { public init() { super.init(.sha512) } }
    public static func hasher() -> Hasher { Hasher() }
}

/// HMAC-SHA256, e.g. for MTProxy fake-TLS.
public enum HMACSHA256 {
    public static func authenticate(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                HMAC(FetchedDigests.sha256, k.baseAddress, Int32(k.count), d.baseAddress, d.count, &out, &length)
            }
        }
        precondition(result != nil, "HMAC failed: \(openSSLReason())")
        return out
    }
}

/// PBKDF2 with HMAC-SHA512, the slow step of Telegram's 2FA password hash.
public enum PBKDF2 {
    /// 64 bytes of PBKDF2-HMAC-SHA512 (Telegram uses 100,000 iterations).
    public static func sha512(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        precondition(iterations > 0 && iterations <= Int(Int32.max), "iterations out of range")
        var out = [UInt8](repeating: 0, count: 64)
        // OpenSSL wants non-null pointers even for empty inputs.
        let pass = password.isEmpty ? [0] : password, saltBytes = salt.isEmpty ? [0] : salt
        let ok = pass.withUnsafeBytes { p in
            saltBytes.withUnsafeBufferPointer { s in
                PKCS5_PBKDF2_HMAC(p.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(password.count),
                                  s.baseAddress, Int32(salt.count),
                                  Int32(iterations), FetchedDigests.sha512, 64, &out)
            }
        }
        precondition(ok == 1, "PBKDF2 failed: \(openSSLReason())")
        return out
    }
}
