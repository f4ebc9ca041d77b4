/// Factorisation of the `pq` the server sends in resPQ, by Pollard–Brent on 64-bit
/// integers with Montgomery multiplication (no 128-bit division in the inner loop).
public enum PQ {
    /// p < q with p·q = `pq`, p > 1; nil if `pq` is below 4 or prime.
    public static func factorize(_ pq: UInt64) -> (p: UInt64, q: UInt64)? {
        guard pq >= 4 else { return nil }
        if pq & 1 == 0 { return (2, pq / 2) }
        for small: UInt64 in [3, 5, 7, 11, 13] where pq % small == 0 {
            return pq == small ? nil : (small, pq / small)
        }
        if isPrime(pq) { return nil }
        let found = pq < 1 << 63 ? pollardBrent(Montgomery(modulus: pq)) : pollardBrent(WideDivision(modulus: pq))
        guard let d = found else { return nil }
        let other = pq / d
        return (min(d, other), max(d, other))
    }

    /// A non-trivial factor of the odd composite `n`.
    static func pollardBrent<M: ModularMultiplier>(_ arithmetic: M) -> UInt64? {
        let n = arithmetic.modulus
        for c: UInt64 in 1...64 {   // a bound, so hostile input cannot loop forever
            var y: UInt64 = 2, x: UInt64 = 2, ys: UInt64 = 2
            var g: UInt64 = 1, q: UInt64 = 1
            var r = 1
            let batch = 128
            @inline(__always) func step(_ v: UInt64) -> UInt64 { arithmetic.addMod(arithmetic.multiply(v, v), c) }
            outer: while g == 1 {
                x = y
                for _ in 0..<r { y = step(y) }
                var k = 0
                while k < r && g == 1 {
                    ys = y
                    for _ in 0..<min(batch, r - k) {
                        y = step(y)
                        q = arithmetic.multiply(q, x > y ? x - y : y - x)
                    }
                    g = gcd(q, n)
                    k += batch
                }
                r *= 2
                if r > 1 << 26 { break outer }   // cannot happen for composites < 2^64
            }
            if g == n {   // the batch overshot: walk it again one step at a time
                repeat {
                    ys = step(ys)
                    g = gcd(x > ys ? x - ys : ys - x, n)
                } while g == 1
            }
            if g != n && g != 1 { return g }
        }
        return nil
    }

    /// Deterministic Miller–Rabin for 64-bit integers.
    static func isPrime(_ n: UInt64) -> Bool {
        if n < 2 { return false }
        let bases: [UInt64] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
        for b in bases where n % b == 0 { return n == b }
        var d = n - 1, s = 0
        while d & 1 == 0 { d >>= 1; s += 1 }
        let m = WideDivision(modulus: n)
        witness: for a in bases {
            var x = m.power(a, d)
            if x == 1 || x == n - 1 { continue }
            for _ in 1..<max(s, 1) {
                x = m.multiply(x, x)
                if x == n - 1 { continue witness }
            }
            return false
        }
        return true
    }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}

protocol ModularMultiplier {
    var modulus: UInt64 { get }
    func multiply(_ a: UInt64, _ b: UInt64) -> UInt64
}

extension ModularMultiplier {
    @inline(__always) func addMod(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow || s >= modulus ? s &- modulus : s
    }
}

/// a·b mod n through a 128-bit product and hardware division: any modulus.
struct WideDivision: ModularMultiplier {
    let modulus: UInt64
    @inline(__always) func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return modulus.dividingFullWidth((p.high % modulus, p.low)).remainder
    }
    func power(_ base: UInt64, _ exponent: UInt64) -> UInt64 {
        var result: UInt64 = 1, b = base % modulus, e = exponent
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, b) }
            b = multiply(b, b)
            e >>= 1
        }
        return result
    }
}

/// Montgomery multiplication (R = 2^64) for odd moduli below 2^63. Values stay in
/// Montgomery form; Pollard–Brent only needs gcds with n, which the form preserves.
struct Montgomery: ModularMultiplier {
    let modulus: UInt64
    private let negInverse: UInt64

    init(modulus n: UInt64) {
        precondition(n & 1 == 1 && n < 1 << 63)
        modulus = n
        var inv = n                      // Newton: correct to 3 bits, doubling each round
        for _ in 0..<5 { inv = inv &* (2 &- n &* inv) }
        negInverse = 0 &- inv
    }

    @inline(__always) func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let t = a.multipliedFullWidth(by: b)
        let m = t.low &* negInverse
        let mn = m.multipliedFullWidth(by: modulus)
        let carry: UInt64 = t.low != 0 ? 1 : 0   // t.low + mn.low ≡ 0 mod 2^64
        let r = t.high &+ mn.high &+ carry        // < 2n < 2^64
        return r >= modulus ? r &- modulus : r
    }
}
