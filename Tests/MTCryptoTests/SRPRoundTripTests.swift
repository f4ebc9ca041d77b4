import XCTest
@testable import MTCrypto

/// Our SRP client against our SRPServer, as the test server will run them.
final class SRPRoundTripTests: XCTestCase {
    let p = TelegramDH.prime, g = TelegramDH.g

    func testSetPasswordThenProveIt() throws {
        let serverSalt1 = SecureRandom.bytes(8), salt2 = SecureRandom.bytes(16)
        let salt1 = SRP.extendedSalt1(serverSalt1)
        XCTAssertEqual(salt1.count, 40)
        XCTAssertEqual(Array(salt1.prefix(8)), serverSalt1)
        let verifier = try SRP.newVerifier(password: "s3cret ü", salt1: salt1, salt2: salt2, g: g, p: p)
        XCTAssertEqual(verifier.count, 256)
        XCTAssertNoThrow(try DHValidation.checkDHValue(verifier, prime: p))

        let server = SRPServer(verifier: verifier, salt1: salt1, salt2: salt2, g: g, p: p)
        XCTAssertEqual(server.B.count, 256)
        let right = try SRP.check(password: "s3cret ü", salt1: salt1, salt2: salt2, g: g, p: p, srpB: server.B)
        XCTAssertEqual(right.A.count, 256)
        XCTAssertEqual(right.M1.count, 32)
        XCTAssertTrue(server.verify(A: right.A, M1: right.M1))

        let wrong = try SRP.check(password: "s3cret u", salt1: salt1, salt2: salt2, g: g, p: p, srpB: server.B)
        XCTAssertFalse(server.verify(A: wrong.A, M1: wrong.M1))
        // A proof is bound to its A: replaying M1 with another A fails.
        XCTAssertFalse(server.verify(A: wrong.A, M1: right.M1))
        // Each check draws a fresh a.
        let again = try SRP.check(password: "s3cret ü", salt1: salt1, salt2: salt2, g: g, p: p, srpB: server.B)
        XCTAssertNotEqual(again.A, right.A)
        XCTAssertTrue(server.verify(A: again.A, M1: again.M1))
    }

    func testPasswordHashDependsOnEverySalt() {
        let x = SRP.passwordHash(password: "pw", salt1: [1], salt2: [2])
        XCTAssertEqual(x.count, 32)
        XCTAssertNotEqual(x, SRP.passwordHash(password: "pw", salt1: [1, 0], salt2: [2]))
        XCTAssertNotEqual(x, SRP.passwordHash(password: "pw", salt1: [1], salt2: [3]))
        XCTAssertNotEqual(x, SRP.passwordHash(password: "pW", salt1: [1], salt2: [2]))
    }

    func testFixedADoesNotRetry() throws {
        // With a fixed a whose A = g^a is below the safety margin, check refuses instead of substituting.
        let server = SRPServer(verifier: [9], salt1: [1], salt2: [2], g: g, p: p)
        XCTAssertThrowsError(try SRP.check(password: "x", salt1: [1], salt2: [2], g: g, p: p, srpB: server.B, a: [1])) {
            XCTAssertEqual($0 as? CryptoError, .dhValueOutOfRange(.belowSafetyMargin))
        }
    }

    func testLiteralBytesHash() {
        XCTAssertEqual(SHA256.hash([0x61, 0x62, 0x63]), SHA256.hash(Array("abc".utf8)))
        XCTAssertEqual(CRC32.checksum([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]), 0xCBF4_3926)
    }
}
