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

    /// A non-trivial factor of the odd composite `n`: Brent's cycle finding on x² + c,
    /// differences multiplied into batches so a gcd is needed only every `batch` steps.
    /// Four sequences (different c) run in lockstep: the CPU overlaps their independent
    /// multiplications, and the first to find a factor wins, which also shortens the tail.
    static func pollardBrent<M: ModularMultiplier>(_ arithmetic: M) -> UInt64? {
        let n = arithmetic.modulus
        let batch = 128
        @inline(__always) func step(_ v: UInt64, _ c: UInt64) -> UInt64 { arithmetic.addMod(arithmetic.multiply(v, v), c) }
        @inline(__always) func distance(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : b - a }
        /// Walks one sequence again from `ys` after a batch overshot (its product hit 0 mod n).
        func backtrack(_ x: UInt64, _ ys: UInt64, _ c: UInt64, steps: Int) -> UInt64? {
            var ys = ys
            for _ in 0..<steps {
                ys = step(ys, c)
                let g = gcd(distance(x, ys), n)
                if g != 1 { return g == n ? nil : g }
            }
            return nil
        }
        for attempt: UInt64 in 0..<16 {   // a bound, so hostile input cannot loop forever
            let c = (4 * attempt + 1, 4 * attempt + 2, 4 * attempt + 3, 4 * attempt + 4)
            var y: (UInt64, UInt64, UInt64, UInt64) = (2, 3, 5, 7)
            var x = y, ys = y
            var q: (UInt64, UInt64, UInt64, UInt64) = (1, 1, 1, 1)
            var r = 1
            search: while r <= 1 << 26 {
                x = y
                for _ in 0..<r {
                    y = (step(y.0, c.0), step(y.1, c.1), step(y.2, c.2), step(y.3, c.3))
                }
                var k = 0
                while k < r {
                    ys = y
                    let steps = min(batch, r - k)
                    for _ in 0..<steps {
                        y = (step(y.0, c.0), step(y.1, c.1), step(y.2, c.2), step(y.3, c.3))
                        q = (arithmetic.multiply(q.0, distance(x.0, y.0)), arithmetic.multiply(q.1, distance(x.1, y.1)),
                             arithmetic.multiply(q.2, distance(x.2, y.2)), arithmetic.multiply(q.3, distance(x.3, y.3)))
                    }
                    let lanes = [(q.0, x.0, ys.0, c.0), (q.1, x.1, ys.1, c.1), (q.2, x.2, ys.2, c.2), (q.3, x.3, ys.3, c.3)]
                    for (qi, xi, ysi, ci) in lanes {
                        let g = gcd(qi, n)
                        if g == 1 { continue }
                        if g != n { return g }
                        if let found = backtrack(xi, ysi, ci, steps: steps) { return found }
                        break search   // this sequence closed its cycle mod every factor: new constants
                    }
                    k += batch
                }
                r *= 2
            }
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

    /// Binary gcd: no division, which dominates the Euclidean loop on 64-bit words.
    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if a == 0 { return b }
        if b == 0 { return a }
        var a = a, b = b
        let shift = (a | b).trailingZeroBitCount
        a >>= UInt64(a.trailingZeroBitCount)
        repeat {
            b >>= UInt64(b.trailingZeroBitCount)
            if a > b { swap(&a, &b) }
            b -= a
        } while b != 0
        return a << UInt64(shift)
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
