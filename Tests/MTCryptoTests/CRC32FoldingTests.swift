import XCTest
@testable import MTCrypto

/// The carry-less-multiplication CRC-32 agrees with the table form at every length and
/// alignment, and with published check values.
final class CRC32FoldingTests: XCTestCase {
    func tables(_ bytes: [UInt8], _ crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { CRC32.updateWithTables(crc, $0) }
    }

    func testTheFoldingPathIsUsedOnThisMachine() throws {
        #if arch(x86_64)
        // CI machines have had PCLMULQDQ for fifteen years; without it the comparisons below test nothing new.
        XCTAssertTrue(CRC32.useCarrylessMultiply)
        #else
        throw XCTSkip("table form only on this architecture")
        #endif
    }

    func testEveryLengthAndOffsetMatchesTheTables() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for length in 0...600 {
            for offset in [0, 1, 3, 7, 13] {
                let slice = Array(data[offset..<(offset + length)])
                XCTAssertEqual(CRC32.checksum(slice), tables(slice), "length \(length) offset \(offset)")
            }
        }
        for length in stride(from: 600, through: 4900, by: 97) {
            let slice = Array(data[..<length])
            XCTAssertEqual(CRC32.checksum(slice), tables(slice), "length \(length)")
            // Continuing from a previous value, as the full transport does for its header.
            XCTAssertEqual(CRC32.update(0x1234_5678, slice), tables(slice, 0x1234_5678), "length \(length)")
        }
    }

    func testKnownValuesOfLongInputs() {
        // 1 MiB of zeros and of 0xFF, and "123456789" 1000 times: values from Python's zlib.crc32.
        XCTAssertEqual(CRC32.checksum([UInt8](repeating: 0, count: 1 << 20)), 0xA738_EA1C)
        XCTAssertEqual(CRC32.checksum([UInt8](repeating: 0xFF, count: 1 << 20)), 0x956B_AC74)
        XCTAssertEqual(CRC32.checksum(Array(String(repeating: "123456789", count: 1000).utf8)), 0x4075_89CF)
    }
}
