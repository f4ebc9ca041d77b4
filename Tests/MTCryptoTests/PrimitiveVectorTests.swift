import XCTest
@testable import MTCrypto

/// NIST / RFC known answers for the primitives, plus tgcrypto cross-checks.
final class PrimitiveVectorTests: XCTestCase {
    func testSHAFamilyFIPS180Abc() {
        let abc = Array("abc".utf8)
        XCTAssertEqual(SHA1.hash(abc), hex("a9993e364706816aba3e25717850c26c9cd0d89d"))
        XCTAssertEqual(SHA256.hash(abc), hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        XCTAssertEqual(SHA512.hash(abc), hex("""
            ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
            2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f
            """))
    }

    func testSHA256EmptyAndIncrementalMatchOneShot() {
        XCTAssertEqual(SHA256.hash([UInt8]()), hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        let hasher = SHA256.Hasher()
        hasher.update(message[0..<10])
        hasher.update(message[10...])
        XCTAssertEqual(hasher.finalize(), hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"))
        let h1 = SHA1.hasher(); h1.update(Array("ab".utf8)); h1.update(Array("c".utf8))
        XCTAssertEqual(h1.finalize(), SHA1.hash(Array("abc".utf8)))
        let h512 = SHA512.hasher(); h512.update(Array("abc".utf8))
        XCTAssertEqual(h512.finalize(), SHA512.hash(Array("abc".utf8)))
    }

    func testHMACSHA256RFC4231Case2() {
        XCTAssertEqual(HMACSHA256.authenticate(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8)),
                       hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"))
    }

    func testPBKDF2SHA512KnownAnswers() {
        XCTAssertEqual(PBKDF2.sha512(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 1), hex("""
            867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252\
            c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce
            """))
        XCTAssertEqual(PBKDF2.sha512(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 2), hex("""
            e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c\
            f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e
            """))
        XCTAssertEqual(PBKDF2.sha512(password: [], salt: [], iterations: 1).count, 64)
    }

    func testCRC32CheckValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        let data = (0..<80).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        XCTAssertEqual(CRC32.checksum(data), 0x3f42_d103)   // zlib.crc32
        XCTAssertEqual(CRC32.update(CRC32.checksum(data[0..<13]), data[13...]), 0x3f42_d103)
    }

    func testAES256FIPS197AppendixC3ThroughIGEWithZeroIV() throws {
        // With a zero IV, one IGE block is plain AES: c = E(m ⊕ 0) ⊕ 0.
        let key = Array(0..<32).map(UInt8.init)
        let plain = hex("00112233445566778899aabbccddeeff"), cipher = hex("8ea2b7ca516745bfeafc49904b496089")
        XCTAssertEqual(try AESIGE.encrypt(plain, key: key, iv: [UInt8](repeating: 0, count: 32)), cipher)
        XCTAssertEqual(try AESIGE.decrypt(cipher, key: key, iv: [UInt8](repeating: 0, count: 32)), plain)
    }

    func testIGEAndCTRMatchTgcrypto() throws {
        let key = Array(0..<32).map(UInt8.init), iv = Array(100..<132).map(UInt8.init)
        let data = (0..<80).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        let expected = hex("""
            b1558c09fe02f8becabd61286c912b60285bba5790d4828ea98199e7d606f40367ba8a99cffa54faa69ed9e90995e4eb\
            67bb674b8e8584512e33bb540c0534cdcc7ac7f52edb3c85386715720a11b5a5
            """)
        XCTAssertEqual(try AESIGE.encrypt(data, key: key, iv: iv), expected)
        XCTAssertEqual(try AESIGE.decrypt(expected, key: key, iv: iv), data)
        let ctr = try AESCTR(key: key, iv: Array(iv[0..<16]))
        var stream = Array(data[0..<37])
        ctr.process(inPlace: &stream)
        XCTAssertEqual(stream, hex("90d20038a906967945cff6fbb1e1f5b0c6930a8d8f45887cd9c42d9a5d42344e232b6ba929"))
    }

    func testCTRIsAStreamAcrossCalls() throws {
        let key = SecureRandom.bytes(32), iv = SecureRandom.bytes(16), data = SecureRandom.bytes(1000)
        let whole = try AESCTR(key: key, iv: iv).process(data)
        let pieces = try AESCTR(key: key, iv: iv)
        let split = pieces.process(Array(data[0..<5])) + pieces.process(Array(data[5..<517])) + pieces.process(Array(data[517...]))
        XCTAssertEqual(whole, split)
        XCTAssertEqual(try AESCTR(key: key, iv: iv).process(whole), data)
    }

    func testIGERejectsBadLengths() {
        let key = [UInt8](repeating: 1, count: 32), iv = [UInt8](repeating: 2, count: 32)
        XCTAssertThrowsError(try AESIGE.encrypt([1, 2, 3], key: key, iv: iv)) {
            XCTAssertEqual($0 as? CryptoError, .badBlockLength(length: 3))
        }
        XCTAssertThrowsError(try AESIGE.decrypt([UInt8](repeating: 0, count: 16), key: [1], iv: iv)) {
            XCTAssertEqual($0 as? CryptoError, .badKeyLength(expected: 32, got: 1))
        }
        XCTAssertThrowsError(try AESIGE.encrypt([], key: key, iv: [0])) {
            XCTAssertEqual($0 as? CryptoError, .badIVLength(expected: 32, got: 1))
        }
        XCTAssertThrowsError(try AESCTR(key: key, iv: iv)) {
            XCTAssertEqual($0 as? CryptoError, .badIVLength(expected: 16, got: 32))
        }
    }

    func testIGERoundTripsAtManySizes() throws {
        for blocks in [1, 2, 3, 4, 7, 64, 65, 1000] {
            let key = SecureRandom.bytes(32), iv = SecureRandom.bytes(32), data = SecureRandom.bytes(16 * blocks)
            let sealed = try AESIGE.encrypt(data, key: key, iv: iv)
            XCTAssertNotEqual(sealed, data)
            XCTAssertEqual(try AESIGE.decrypt(sealed, key: key, iv: iv), data, "blocks \(blocks)")
            for engine in AESIGE.Engine.allCases {
                var inPlace = data
                try inPlace.withUnsafeMutableBytes { try AESIGE.encryptInPlace($0, key: key, iv: iv, engine: engine) }
                XCTAssertEqual(inPlace, sealed, "in place, \(engine), blocks \(blocks)")
            }
        }
    }

    func testSecureRandomDiffers() {
        XCTAssertEqual(SecureRandom.bytes(33).count, 33)
        XCTAssertNotEqual(SecureRandom.bytes(32), SecureRandom.bytes(32))
        XCTAssertNotEqual(SecureRandom.int64(), SecureRandom.int64())
    }
}
