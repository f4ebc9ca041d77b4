import COpenSSL

/// A non-negative arbitrary-precision integer over OpenSSL's BIGNUM, for DH and SRP.
/// Values are big-endian byte strings at the API edge.
public final class BigNum: @unchecked Sendable {
    let bn: OpaquePointer

    /// The number whose big-endian bytes are `bytes` (empty is zero).
    public init(_ bytes: [UInt8]) {
        guard let bn = bytes.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
            fatalError("BN_bin2bn: out of memory")
        }
        self.bn = bn
    }

    public convenience init(_ value: UInt64) {
        var bytes = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { bytes[7 - i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        self.init(bytes)
    }

    init(taking bn: OpaquePointer) { self.bn = bn }

    /// Secret values are wiped when released.
    deinit { BN_clear_free(bn) }

    public var bitCount: Int { Int(BN_num_bits(bn)) }
    public var isZero: Bool { BN_is_zero(bn) == 1 }

    /// Minimal big-endian bytes (empty for zero).
    public var bytes: [UInt8] {
        let n = Int((BN_num_bits(bn) + 7) / 8)
        var out = [UInt8](repeating: 0, count: n)
        if n > 0 { _ = BN_bn2bin(bn, &out) }
        return out
    }

    /// Big-endian bytes left-padded with zeros to `length`; nil if the value does not fit.
    public func bytes(padded length: Int) -> [UInt8]? {
        guard Int((BN_num_bits(bn) + 7) / 8) <= length else { return nil }
        var out = [UInt8](repeating: 0, count: length)
        if length > 0 { _ = BN_bn2binpad(bn, &out, Int32(length)) }
        return out
    }

    /// −1, 0 or 1 as `self` is less than, equal to or greater than `other`.
    public func compare(_ other: BigNum) -> Int { Int(BN_cmp(bn, other.bn)) }

    /// Probable-prime test (OpenSSL's Miller–Rabin with 128-bit security).
    public var isProbablePrime: Bool {
        let ctx = Context()
        return BN_check_prime(bn, ctx.ctx, nil) == 1
    }

    // MARK: Arithmetic (results are new values; modular results are in 0..<modulus)

    public func adding(_ other: BigNum) -> BigNum { binary { BN_add($0, bn, other.bn) } }
    public func subtracting(_ other: BigNum) -> BigNum { binary { BN_sub($0, bn, other.bn) } }
    public func multiplied(by other: BigNum, ctx: Context = Context()) -> BigNum {
        binary { BN_mul($0, bn, other.bn, ctx.ctx) }
    }
    public func shiftedRight(_ bits: Int) -> BigNum { binary { BN_rshift($0, bn, Int32(bits)) } }
    public func modulo(_ m: BigNum, ctx: Context = Context()) -> BigNum { binary { BN_nnmod($0, bn, m.bn, ctx.ctx) } }
    public func modSubtracting(_ other: BigNum, modulus m: BigNum, ctx: Context = Context()) -> BigNum {
        binary { BN_mod_sub($0, bn, other.bn, m.bn, ctx.ctx) }
    }
    public func modAdding(_ other: BigNum, modulus m: BigNum, ctx: Context = Context()) -> BigNum {
        binary { BN_mod_add($0, bn, other.bn, m.bn, ctx.ctx) }
    }
    public func modMultiplied(by other: BigNum, modulus m: BigNum, ctx: Context = Context()) -> BigNum {
        binary { BN_mod_mul($0, bn, other.bn, m.bn, ctx.ctx) }
    }
    /// The remainder of `self` divided by a small word.
    public func remainder(dividingBy word: UInt64) -> UInt64 { UInt64(BN_mod_word(bn, UInt(word))) }

    /// `self`^`exponent` mod `modulus`. `constantTime` must be set when the exponent is
    /// secret (it needs an odd modulus, which every DH prime is).
    public func power(_ exponent: BigNum, modulus m: BigNum, constantTime: Bool, ctx: Context = Context()) -> BigNum {
        binary { r in
            if constantTime && BN_is_odd(m.bn) == 1 {
                return BN_mod_exp_mont_consttime(r, bn, exponent.bn, m.bn, ctx.ctx, nil)
            }
            return BN_mod_exp(r, bn, exponent.bn, m.bn, ctx.ctx)
        }
    }

    private func binary(_ op: (OpaquePointer) -> Int32) -> BigNum {
        guard let r = BN_new() else { fatalError("BN_new: out of memory") }
        BN_set_flags(r, BN_FLG_CONSTTIME)
        precondition(op(r) == 1, "BIGNUM operation failed: \(openSSLReason())")
        return BigNum(taking: r)
    }

    /// `base`^`exponent` mod `modulus` on big-endian bytes, padded to the modulus size.
    public static func modPow(base: [UInt8], exponent: [UInt8], modulus: [UInt8], constantTime: Bool) -> [UInt8] {
        let m = BigNum(modulus)
        precondition(!m.isZero, "modPow with zero modulus")
        let r = BigNum(base).power(BigNum(exponent), modulus: m, constantTime: constantTime)
        return r.bytes(padded: (m.bitCount + 7) / 8)!
    }

    /// Compares two big-endian byte strings as numbers (leading zeros ignored).
    public static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int { BigNum(a).compare(BigNum(b)) }

    /// A scratch area for OpenSSL's BIGNUM operations; reuse one across a computation.
    public final class Context {
        let ctx: OpaquePointer
        public init() {
            guard let ctx = BN_CTX_secure_new() ?? BN_CTX_new() else { fatalError("BN_CTX_new: out of memory") }
            self.ctx = ctx
        }
        deinit { BN_CTX_free(ctx) }
    }
}

extension BigNum: Comparable {
    public static func == (a: BigNum, b: BigNum) -> Bool { a.compare(b) == 0 }
    public static func < (a: BigNum, b: BigNum) -> Bool { a.compare(b) < 0 }
}

extension BigNum: CustomStringConvertible {
    /// Only the size: a BigNum may hold a secret exponent.
    public var description: String { "BigNum(\(bitCount) bits)" }
}
