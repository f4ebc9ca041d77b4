import MTProto
import XCTest

/// The id map behind the session's and the sender's per-request bookkeeping, against a
/// `Dictionary` over random inserts, overwrites, removals and lookups of absent ids.
final class IDMapTests: XCTestCase {
    func testMatchesADictionaryOverRandomOperations() {
        var generator = SystemRandomNumberGenerator()
        // Sequential request ids, msg_ids (time << 32 | 4n), and ids packed into few slots.
        let shapes: [(String, (UInt64) -> UInt64)] = [
            ("sequential", { $0 + 1 }),
            ("msg_id", { (1_800_000_000 + $0 / 1000) << 32 | ($0 % 1000) * 4 }),
            ("high bits", { ($0 % 64) << 58 | $0 / 64 }),  // includes 0
        ]
        for (name, shape) in shapes {
            var map = IDMap<Int>()
            var model: [UInt64: Int] = [:]
            var next: UInt64 = 0
            for step in 0..<60_000 {
                // Phases that grow the map to thousands of entries and drain it again.
                let growing = (step / 10_000) % 2 == 0
                let key: UInt64
                switch Int.random(in: 0..<10, using: &generator) {
                case 0...(growing ? 5 : 2):
                    key = shape(next); next += 1
                    map[key] = step; model[key] = step
                case 3...(growing ? 7 : 8):
                    key = model.keys.randomElement(using: &generator) ?? shape(next)
                    XCTAssertEqual(map.removeValue(forKey: key), model.removeValue(forKey: key), "\(name) step \(step)")
                case 9:
                    key = model.keys.randomElement(using: &generator) ?? shape(next)
                    if step % 2 == 0 {
                        map[key] = -step; model[key] = -step
                    } else {
                        // In place: present keys change, absent ones stay absent.
                        let before = map.modify(key) { value -> Int in defer { value += 1 }; return value }
                        XCTAssertEqual(before, model[key], "\(name) step \(step)")
                        if model[key] != nil { model[key]! += 1 }
                    }
                default:
                    key = shape(next + UInt64.random(in: 0...100, using: &generator))  // mostly absent
                    XCTAssertEqual(map[key], model[key], "\(name) step \(step)")
                }
                XCTAssertEqual(map.count, model.count)
                if step % 1999 == 0 {
                    for (k, v) in model { XCTAssertEqual(map[k], v, "\(name) step \(step) key \(k)") }
                    XCTAssertEqual(Dictionary(uniqueKeysWithValues: map.entries.map { ($0.key, $0.value) }), model)
                }
            }
        }
    }

    func testZeroIsAKeyLikeAnyOther() {
        var map = IDMap<String>()
        XCTAssertNil(map[0])
        XCTAssertNil(map.removeValue(forKey: 0))
        map[0] = "zero"
        map[1] = "one"
        XCTAssertEqual(map.count, 2)
        XCTAssertEqual(map[0], "zero")
        XCTAssertEqual(map.entries.count, 2)
        XCTAssertEqual(map.removeValue(forKey: 0), "zero")
        XCTAssertEqual(map.count, 1)
        XCTAssertNil(map[0])
        map[1] = nil
        map[7] = "seven"
        map[7] = nil
        XCTAssertTrue(map.isEmpty)
        XCTAssertNil(map[7])
        for k in 1...5_000 as ClosedRange<UInt64> { map[k] = "\(k)" }
        map.removeAll()
        XCTAssertEqual(map.count, 0)
        XCTAssertNil(map[42])
    }
}
