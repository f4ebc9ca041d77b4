// crypto-bench: MTCrypto beside its Python peers, in one run.
//   swift run -c release crypto-bench        (PY=path/to/python to override .venv/bin/python)
// Prints AES-256-IGE MB/s (ours per engine, tgcrypto, cryptg, OpenSSL's CBC-encrypt and
// ECB ceilings), SRP check against Telethon's compute_check and the PBKDF2 floor, and pq
// factorisation against Telethon's, each with its ratio. `crypto-bench parts` adds the cost of
// the modular exponentiations that SRP adds to the PBKDF2 floor.
import COpenSSL
import Foundation
import MTCrypto

let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Best throughputs of several bodies measured in interleaved rounds, so that load from
/// other processes on a shared machine hits them alike.
func rates(_ bytes: Int, rounds: Int = 7, slice: Double = 0.04, _ bodies: [() throws -> Void]) throws -> [Double] {
    var best = [Double](repeating: 0, count: bodies.count)
    for _ in 0..<rounds {
        for (i, body) in bodies.enumerated() {
            var n = 0
            let start = clock.now
            var elapsed = 0.0
            repeat {
                try body()
                n += 1
                elapsed = seconds(clock.now - start)
            } while elapsed < slice
            best[i] = max(best[i], Double(n * bytes) / elapsed / 1e6)
        }
    }
    return best
}

/// Median seconds per call over at least 5 calls and `minTime`.
func perCall(minTime: Double, _ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    var total = 0.0
    while samples.count < 5 || total < minTime {
        let start = clock.now
        try body()
        let t = seconds(clock.now - start)
        samples.append(t)
        total += t
    }
    return samples.sorted()[samples.count / 2]
}

/// OpenSSL's AES-256-CBC (serial, like IGE) or ECB (parallel) encryption with a fresh
/// context per message, as MTProto uses a fresh key per message.
func evpEncrypt(_ name: String, _ data: [UInt8], key: [UInt8], iv: [UInt8], into out: inout [UInt8]) {
    let cipher = EVP_CIPHER_fetch(nil, name, nil)
    defer { EVP_CIPHER_free(cipher) }
    let ctx = EVP_CIPHER_CTX_new()
    defer { EVP_CIPHER_CTX_free(ctx) }
    var written: Int32 = 0
    EVP_EncryptInit_ex2(ctx, cipher, key, iv, nil)
    EVP_CIPHER_CTX_set_padding(ctx, 0)
    EVP_EncryptUpdate(ctx, &out, &written, data, Int32(data.count))
}

/// Sections to run: `crypto-bench [ige] [srp] [pq] [small]` (default: all).
let requested = Set(CommandLine.arguments.dropFirst())
func wants(_ section: String) -> Bool { requested.isEmpty || requested.contains(section) }

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let sizes = [1024, 64 * 1024, 1024 * 1024]
let key = SecureRandom.bytes(32), iv = SecureRandom.bytes(32)

// pq values like Telegram's: products of two primes of 31–32 bits (fixed LCG, so both sides get the same list).
var lcg: UInt64 = 0x9E37_79B9_7F4A_7C15
func nextPrime(bits: Int) -> UInt64 {
    while true {
        lcg = lcg &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let candidate = (lcg >> (64 - UInt64(bits))) | (1 << UInt64(bits - 1)) | 1
        if PQ.factorize(candidate) == nil { return candidate }
    }
}
let pqs: [UInt64] = (0..<200).map { _ in nextPrime(bits: 31) * nextPrime(bits: 32) }

// `small`: the per-message work of MTProto 2.0 — SHA on the sizes it hashes, and sealing one
// 100-byte message (msg_key, AES key/IV derivation, IGE) — where per-call overhead dominates.
let smallSizes = [32, 64, 128, 256, 1024]
let authKey = try AuthKey(SecureRandom.bytes(AuthKey.byteCount))
let smallPlaintext = SecureRandom.bytes(128)  // 100 bytes of message + 28 bytes of padding
let smallInputs = Dictionary(uniqueKeysWithValues: smallSizes.map { ($0, SecureRandom.bytes($0)) })
func seal(_ plaintext: [UInt8]) throws -> Int {
    let msgKey = MessageKey.compute(authKey: authKey, plaintext: plaintext, x: 0)
    let (k, v) = MessageKey.aesKeyIV(authKey: authKey, msgKey: msgKey, x: 0)
    return try AESIGE.encrypt(plaintext, key: k, iv: v).count + msgKey.count
}
func openSealed(_ sealed: [UInt8], msgKey: [UInt8]) throws -> Int {
    let (k, v) = MessageKey.aesKeyIV(authKey: authKey, msgKey: msgKey, x: 0)
    let plaintext = try AESIGE.decrypt(sealed, key: k, iv: v)
    try MessageKey.verify(msgKey, authKey: authKey, plaintext: plaintext, x: 0)
    return plaintext.count
}
let smallMsgKey = MessageKey.compute(authKey: authKey, plaintext: smallPlaintext, x: 0)
let smallSealed = try { () throws -> [UInt8] in
    let (k, v) = MessageKey.aesKeyIV(authKey: authKey, msgKey: smallMsgKey, x: 0)
    return try AESIGE.encrypt(smallPlaintext, key: k, iv: v)
}()
/// The `small` operations by name, each returning something to keep.
let smallOps: [(String, () throws -> Int)] = smallSizes.flatMap { n in
    [("sha1_\(n)", { SHA1.hash(smallInputs[n]!).count }), ("sha256_\(n)", { SHA256.hash(smallInputs[n]!).count })]
} + [("seal", { try seal(smallPlaintext) }), ("open", { try openSealed(smallSealed, msgKey: smallMsgKey) })]

// CRYPTO_BENCH_PROFILE=op:N runs one `small` operation N times and exits, for
// `valgrind --tool=callgrind` (instructions per call = difference of two N over their difference).
if let profile = ProcessInfo.processInfo.environment["CRYPTO_BENCH_PROFILE"] {
    let parts = profile.split(separator: ":").map(String.init)
    guard let op = smallOps.first(where: { $0.0 == parts[0] })?.1 else { fatalError("unknown op \(parts[0])") }
    var sink = 0
    for _ in 0..<(Int(parts.count > 1 ? parts[1] : "") ?? 1000) { sink &+= try op() }
    exit(sink == 42 ? 1 : 0)
}

// SRP inputs: Telegram's group, a real verifier and server B.
let salt1 = SecureRandom.bytes(40), salt2 = SecureRandom.bytes(16), password = "correct horse battery staple"
let verifier = try SRP.newVerifier(password: password, salt1: salt1, salt2: salt2, g: TelegramDH.g, p: TelegramDH.prime)
let server = SRPServer(verifier: verifier, salt1: salt1, salt2: salt2, g: TelegramDH.g, p: TelegramDH.prime)

// ---- Python peers (same run, run first so both sides see the same machine state) ----
func hexString(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
let pyArgs: [String: Any] = [
    "sections": ["ige", "srp", "pq", "small"].filter(wants), "sizes": sizes, "pq": pqs.map(String.init),
    "small": ["sizes": smallSizes, "auth_key": hexString(authKey.bytes), "plaintext": hexString(smallPlaintext)],
    "srp": ["salt1": hexString(salt1), "salt2": hexString(salt2), "g": TelegramDH.g, "p": hexString(TelegramDH.prime),
            "B": hexString(server.B), "password": password],
]
let python = ProcessInfo.processInfo.environment["PY"] ?? repoRoot.appendingPathComponent(".venv/bin/python").path
let process = Process()
process.executableURL = URL(fileURLWithPath: python)
process.arguments = [repoRoot.appendingPathComponent("Benchmarks/python/crypto_bench.py").path,
                     String(decoding: try JSONSerialization.data(withJSONObject: pyArgs), as: UTF8.self)]
let pipe = Pipe()
process.standardOutput = pipe
var peer: [String: Any] = [:]
do {
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus == 0, let parsed = try JSONSerialization.jsonObject(with: output) as? [String: Any] {
        peer = parsed
    } else {
        print("note: Python peers failed (exit \(process.terminationStatus)); printing our numbers only")
    }
} catch {
    print("note: cannot run \(python) (\(error)); set PY or create .venv — printing our numbers only")
}
let peerIGE = peer["ige"] as? [String: [String: Double]] ?? [:]
let peerSRP = peer["srp"] as? [String: Double] ?? [:]
let peerPQ = peer["pq"] as? [String: Double] ?? [:]
let peerSmall = peer["small"] as? [String: Double] ?? [:]

func f(_ v: Double?, _ digits: Int = 0) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "—" }
func ratio(_ a: Double?, _ b: Double?) -> String {
    guard let a, let b, b > 0 else { return "—" }
    return String(format: "%.2f×", a / b)
}

if wants("ige") {
print("AES-256-IGE (MB/s = 10^6 B/s, best of 7 interleaved rounds; AES-NI \(AESIGE.encryptEngine == .aesni ? "used" : "absent"))")
print("size     dir  ours   aesni  cbc-rw evp-blk ossl-ige | tgcrypto cryptg | CBC-enc ECB-enc | ours/CBC ours/cryptg ours/tgcrypto")
for size in sizes {
    let data = SecureRandom.bytes(size)
    let sealed = try AESIGE.encrypt(data, key: key, iv: iv)
    var scratch = [UInt8](repeating: 0, count: size)
    let p = peerIGE[String(size)] ?? [:]
    for encrypting in [true, false] {
        func run(_ e: AESIGE.Engine) -> () throws -> Void {
            { _ = encrypting ? try AESIGE.encrypt(data, key: key, iv: iv, engine: e)
                             : try AESIGE.decrypt(sealed, key: key, iv: iv, engine: e) }
        }
        let engines: [AESIGE.Engine] = encrypting ? [.automatic, .aesni, .cbc, .evpBlockwise, .opensslIGE]
                                                  : [.automatic, .aesni, .evpBlockwise, .opensslIGE]
        var measured = try rates(size, [
            { evpEncrypt("AES-256-CBC", data, key: key, iv: Array(iv[0..<16]), into: &scratch) },
            { evpEncrypt("AES-256-ECB", data, key: key, iv: [], into: &scratch) },
        ] + engines.map(run))
        let (cbcRate, ecbRate) = (measured.removeFirst(), measured.removeFirst())
        var byEngine: [AESIGE.Engine: Double] = [:]
        for (e, r) in zip(engines, measured) { byEngine[e] = r }
        let ours = byEngine[.automatic]!
        let tg = p[encrypting ? "tgcrypto_enc" : "tgcrypto_dec"], cg = p[encrypting ? "cryptg_enc" : "cryptg_dec"]
        let label = size >= 1 << 20 ? "\(size >> 20) MiB" : "\(size >> 10) KiB"
        print(label.padding(toLength: 8, withPad: " ", startingAt: 0), encrypting ? "enc" : "dec",
              f(ours).leftPad(5), f(byEngine[.aesni]).leftPad(6), f(byEngine[.cbc]).leftPad(6),
              f(byEngine[.evpBlockwise]).leftPad(7), f(byEngine[.opensslIGE]).leftPad(8), "|", f(tg).leftPad(8), f(cg).leftPad(6), "|",
              f(cbcRate).leftPad(7), f(ecbRate).leftPad(7), "|",
              ratio(ours, cbcRate).leftPad(8), ratio(ours, cg).leftPad(11), ratio(ours, tg).leftPad(13))
    }
}

}

if wants("srp") {
print("\nSRP 2FA check (median ms)")
// Alternate the two so load from other processes hits both alike; medians of 11 each.
var checkTimes: [Double] = [], floorTimes: [Double] = []
for _ in 0..<11 {
    var start = clock.now
    _ = try SRP.check(password: password, salt1: salt1, salt2: salt2, g: TelegramDH.g, p: TelegramDH.prime, srpB: server.B)
    checkTimes.append(seconds(clock.now - start))
    start = clock.now
    _ = PBKDF2.sha512(password: SecureRandom.bytes(32), salt: salt1, iterations: SRP.iterations)
    floorTimes.append(seconds(clock.now - start))
}
let ours = checkTimes.sorted()[5], floor = floorTimes.sorted()[5]
let telethon = peerSRP["telethon_compute_check"]
print("ours SRP.check \(f(ours * 1e3, 1)) ms; PBKDF2 floor (OpenSSL, 100k HMAC-SHA512) \(f(floor * 1e3, 1)) ms; "
      + "Telethon compute_check \(f(telethon.map { $0 * 1e3 }, 1)) ms; hashlib PBKDF2 \(f(peerSRP["hashlib_pbkdf2"].map { $0 * 1e3 }, 1)) ms")
print("ours/floor \(ratio(ours, floor)) (aim ≤ 1.10×); Telethon/ours \(ratio(telethon, ours))")
let (A, M1) = try SRP.check(password: password, salt1: salt1, salt2: salt2, g: TelegramDH.g, p: TelegramDH.prime, srpB: server.B)
precondition(server.verify(A: A, M1: M1), "SRP server rejected our own proof")

}

if wants("pq") {
print("\npq factorisation (\(pqs.count) products of 31- and 32-bit primes, µs per pq)")
var sink: UInt64 = 0
let oursPQ = perCall(minTime: 0.5) { for pq in pqs { sink &+= PQ.factorize(pq)!.p } } / Double(pqs.count)
// Per pq, the best of 3 runs (filters out preemption on a shared machine), then percentiles.
var each: [Double] = pqs.map { pq in
    (0..<3).map { _ in
        let start = clock.now
        sink &+= PQ.factorize(pq)!.p
        return seconds(clock.now - start)
    }.min()!
}
each.sort()
let (p50, p99, worst) = (each[each.count / 2], each[each.count * 99 / 100], each.last!)
let telethonPQ = peerPQ["telethon_per_pq"]
print("ours \(f(oursPQ * 1e6, 1)) µs mean (p50 \(f(p50 * 1e6, 1)), p99 \(f(p99 * 1e6, 1)), max \(f(worst * 1e6, 1)) µs); Telethon \(f(telethonPQ.map { $0 * 1e6 }, 1)) µs; "
      + "Telethon/ours \(ratio(telethonPQ, oursPQ)) (aim ≥ 50×)  [\(sink & 1)]")
}

if wants("small") {
print("\nsmall inputs (ns per call, best of 7 slices; Python: hashlib, Telethon _calc_key + cryptg IGE)")
print("op            ours ns   Python ns   Python/ours")
for (name, op) in smallOps {
    var sink = 0
    var best = Double.infinity
    for _ in 0..<7 {
        var n = 0
        let start = clock.now
        var elapsed = 0.0
        repeat {
            for _ in 0..<20 { sink &+= try op() }
            n += 20
            elapsed = seconds(clock.now - start)
        } while elapsed < 0.03
        best = min(best, elapsed / Double(n) * 1e9)
    }
    let theirs = peerSmall[name]
    print(name.padding(toLength: 12, withPad: " ", startingAt: 0), f(best).leftPad(8), f(theirs).leftPad(11),
          ratio(theirs, best).leftPad(13), sink == 42 ? "" : "")
}
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

if requested.contains("parts") {
    let p = BigNum(TelegramDH.prime), g = BigNum(3)
    for bits in [256, 2048, 2304] {
        let e = BigNum(SecureRandom.bytes(bits / 8))
        let ct = perCall(minTime: 0.3) { _ = g.power(e, modulus: p, constantTime: true) }
        let nct = perCall(minTime: 0.3) { _ = g.power(e, modulus: p, constantTime: false) }
        print("modexp \(bits)-bit exponent: consttime \(f(ct * 1e3, 2)) ms, plain \(f(nct * 1e3, 2)) ms")
    }
}
