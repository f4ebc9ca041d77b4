import Foundation
import XCTest
@testable import Workflow

/// Event and `now()` timestamps must read exactly as Foundation's ISO 8601 formatter
/// writes them (UTC, whole seconds, `Z`), across leap days and far-off years.
final class TimestampTests: XCTestCase {
    func testMatchesFoundationsISO8601Formatter() {
        let reference = ISO8601DateFormatter()
        var seconds: [TimeInterval] = [0, 1.5, 59.999, 951_782_400, 1_764_134_105.9, 4_102_444_799, 1_234_567_890]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 { seconds.append(TimeInterval(UInt32.random(in: 0...UInt32.max, using: &generator))) }
        for s in seconds {
            let date = Date(timeIntervalSince1970: s)
            XCTAssertEqual(Timestamp.iso8601(date), reference.string(from: date), "at \(s)")
        }
    }
}
