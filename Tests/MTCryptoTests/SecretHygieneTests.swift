import XCTest
@testable import MTCrypto

/// Secret-holding types never show their bytes, however they are printed.
final class SecretHygieneTests: XCTestCase {
    func renderings<T>(_ value: T) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    func assertNoLeak(_ texts: [String], of bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let hexText = hexString(bytes)
        let decimalList = bytes.map(String.init).joined(separator: ", ")
        let base64 = Data(bytes).base64EncodedString()
        for text in texts {
            XCTAssertFalse(text.lowercased().contains(hexText.prefix(16)), text, file: file, line: line)
            XCTAssertFalse(text.contains(decimalList.prefix(24)), text, file: file, line: line)
            XCTAssertFalse(text.contains(base64.prefix(12)), text, file: file, line: line)
        }
    }

    func testAuthKeyPrintsOnlyItsID() throws {
        let bytes = SecureRandom.bytes(256)
        let key = try AuthKey(bytes)
        assertNoLeak(renderings(key), of: bytes)
        XCTAssertTrue(String(describing: key).contains(String(key.id)))
        XCTAssertEqual(key.bytes, bytes)
    }

    func testSecretBytesPrintOnlyLength() {
        let bytes = SecureRandom.bytes(32)
        let secret = SecretBytes(bytes)
        assertNoLeak(renderings(secret), of: bytes)
        XCTAssertEqual(String(describing: secret), "<secret 32 bytes>")
        XCTAssertEqual(secret, SecretBytes(bytes))
        XCTAssertNotEqual(secret, SecretBytes(SecureRandom.bytes(32)))
    }

    func testSRPServerAndBigNumAndPrivateKeyPrintNoSecrets() throws {
        let exponent = SecureRandom.bytes(256)
        assertNoLeak(renderings(BigNum(exponent)), of: exponent)
        let server = SRPServer(verifier: BigNum.modPow(base: [3], exponent: exponent, modulus: TelegramDH.prime, constantTime: true),
                               salt1: [1], salt2: [2], g: 3, p: TelegramDH.prime, b: exponent)
        XCTAssertEqual(String(describing: server), "SRPServer(<secret>)")
        let key = try RSAPrivateKey.generate()
        XCTAssertFalse(String(describing: key).contains("PRIVATE"))
        XCTAssertTrue(key.pem.contains("BEGIN PRIVATE KEY"))
    }

    func testErrorsCarryNoSecrets() {
        for error: CryptoError in [.msgKeyMismatch, .newNonceHashMismatch(number: 1), .srpBZeroModP,
                                   .dhValueOutOfRange(.belowSafetyMargin), .badAuthKeyLength(got: 3)] {
            XCTAssertFalse(error.description.isEmpty)
            XCTAssertLessThan(error.description.count, 200)
        }
    }
}
