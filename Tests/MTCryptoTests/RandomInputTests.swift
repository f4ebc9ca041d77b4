import XCTest
@testable import MTCrypto

/// Random and malformed inputs never crash or hang; they are answered or rejected.
final class RandomInputTests: XCTestCase {
    func testPQOnRandomIntegersIsCorrectOrNil() {
        var rng = SystemRandomNumberGenerator()
        for i in 0..<400 {
            let n: UInt64 = i < 200 ? UInt64.random(in: 0...UInt64.max, using: &rng) : UInt64.random(in: 0..<(1 << 40), using: &rng)
            if let (p, q) = PQ.factorize(n) {
                XCTAssertEqual(p &* q, n)
                XCTAssertGreaterThan(p, 1)
                XCTAssertLessThanOrEqual(p, q)
            } else {
                XCTAssertTrue(n < 4 || PQ.isPrime(n), "\(n) is composite but was not factored")
            }
        }
    }

    func testRSAPadDecryptRejectsRandomBlocks() throws {
        let key = try RSAPrivateKey.generate()
        for _ in 0..<20 {
            var block = SecureRandom.bytes(256)
            block[0] &= 0x7f   // below n
            if BigNum(block) >= BigNum(key.publicKey.n) { continue }
            XCTAssertThrowsError(try RSAPad.decrypt(block, key: key))
        }
        for length in [0, 1, 255, 257, 512] {
            XCTAssertThrowsError(try RSAPad.decrypt(SecureRandom.bytes(length), key: key))
        }
    }

    func testIGEAndDHChecksOnRandomLengths() {
        let key = SecureRandom.bytes(32), iv = SecureRandom.bytes(32)
        for length in 0..<70 {
            let data = SecureRandom.bytes(length)
            if length % 16 == 0 {
                XCTAssertEqual(try AESIGE.decrypt(try AESIGE.encrypt(data, key: key, iv: iv), key: key, iv: iv), data)
            } else {
                XCTAssertThrowsError(try AESIGE.encrypt(data, key: key, iv: iv))
                XCTAssertThrowsError(try AESIGE.decrypt(data, key: key, iv: iv))
            }
        }
        for length in [0, 1, 100, 255, 256, 257, 1000] {
            let value = SecureRandom.bytes(length)
            do {
                try DHValidation.checkDHValue(value, prime: TelegramDH.prime)
                XCTAssertLessThanOrEqual(length, 256)
            } catch {
                XCTAssertNotNil(error as? CryptoError)
            }
        }
    }

    func testDHValidationRejectsRandomPrimesFast() {
        for length in [0, 1, 255, 256, 257] {
            var candidate = SecureRandom.bytes(length)
            if length == 256 { candidate[0] |= 0x80; candidate[255] |= 1 }   // 2048-bit odd: almost surely composite
            XCTAssertThrowsError(try DHValidation.checkPrimeAndGenerator(prime: candidate, g: 3)) {
                XCTAssertNotNil($0 as? CryptoError)
            }
        }
    }
}
