import XCTest
@testable import MTCrypto

/// The one-shot hashes run on low-level contexts on the stack (Digests.swift); the
/// incremental hashers run through EVP. The two must agree at every block boundary.
final class SmallDigestTests: XCTestCase {
    func testOneShotAgreesWithEVPHasherAtEveryLengthUpTo300() {
        var lcg: UInt32 = 12345
        let data: [UInt8] = (0..<300).map { _ in lcg = lcg &* 1_103_515_245 &+ 12345; return UInt8(truncatingIfNeeded: lcg >> 16) }
        for n in 0...300 {
            let piece = Array(data[0..<n])
            let h1 = SHA1.hasher(); h1.update(piece)
            let h256 = SHA256.hasher(); h256.update(piece)
            let h512 = SHA512.hasher(); h512.update(piece)
            XCTAssertEqual(SHA1.hash(piece), h1.finalize(), "SHA1, \(n) bytes")
            XCTAssertEqual(SHA256.hash(piece), h256.finalize(), "SHA256, \(n) bytes")
            XCTAssertEqual(SHA512.hash(data[0..<n]), h512.finalize(), "SHA512, \(n) bytes")
        }
    }

    func testDigestOfPartsIsDigestOfTheirConcatenation() {
        let a = Array("the quick brown fox ".utf8), b = Array(repeating: UInt8(7), count: 100), empty = [UInt8]()
        for algorithm in [DigestAlgorithm.sha1, .sha256, .sha512] {
            var out = [UInt8](repeating: 0, count: algorithm.length)
            a.withUnsafeBytes { pa in
                b.withUnsafeBytes { pb in
                    empty.withUnsafeBytes { pe in algorithm.digest(pa, pe, pb, into: &out) }
                }
            }
            XCTAssertEqual(out, algorithm.hash(a + b), "\(algorithm)")
        }
    }
}
