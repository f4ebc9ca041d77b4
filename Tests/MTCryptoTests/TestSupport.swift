import XCTest

/// Bytes from a hex string; whitespace is ignored. Traps on bad hex (test input only).
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace }.utf8)
    precondition(digits.count % 2 == 0, "odd hex length")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: preconditionFailure("bad hex digit")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// A committed fixture made by scripts/fixtures/crypto_telethon.py, parsed as JSON.
func telethonFixture(_ name: String) throws -> Any {
    let relative = "Fixtures/telethon/\(name).json"
    var url = Bundle.module.resourceURL?.appendingPathComponent(relative)
    if url == nil || !FileManager.default.fileExists(atPath: url!.path) {
        url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(relative)
    }
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url!))
}

func cases(_ name: String) throws -> [[String: Any]] {
    try XCTUnwrap(try telethonFixture(name) as? [[String: Any]], "\(name).json is not a list")
}

extension Dictionary where Key == String, Value == Any {
    func bytes(_ key: String) -> [UInt8] { hex(self[key] as! String) }
    func int64(_ key: String) -> Int64 { Int64(self[key] as! String)! }
    func string(_ key: String) -> String { self[key] as! String }
}
