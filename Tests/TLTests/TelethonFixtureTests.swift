import Foundation
import XCTest
@testable import TL

/// Byte-exact agreement with Telethon 1.45.0: fixtures written by
/// scripts/fixtures/tl_telethon.py (committed; CI regenerates and diffs them).
final class TelethonFixtureTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tl_telethon")
    let schema = TLSchema.shared

    struct Fixture {
        let label: String
        let json: JSONValue
        let bytes: [UInt8]
    }

    static func fixtures() throws -> [Fixture] {
        let text = try String(contentsOf: folder.appendingPathComponent("objects.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let record = try JSONValue(parsing: String(line))
            guard case let .string(label)? = record["label"], let json = record["json"],
                  case let .string(hex)? = record["hex"], let bytes = Hex.decode(hex) else {
                throw TLError(.invalidJSON(reason: "bad fixture record", offset: 0))
            }
            return Fixture(label: label, json: json, bytes: bytes)
        }
    }

    func testThereAreEnoughFixtures() throws {
        XCTAssertGreaterThanOrEqual(try Self.fixtures().count, 300)
    }

    func testEncodingEachFixtureGivesTelethonsBytes() throws {
        for fixture in try Self.fixtures() {
            do {
                let object = try schema.object(fromJSON: fixture.json)
                let bytes = try schema.encode(object)
                if bytes != fixture.bytes {
                    XCTFail("\(fixture.label): encoded \(bytes.count) bytes differ from Telethon's \(fixture.bytes.count) "
                        + "(first difference at \(zip(bytes, fixture.bytes).prefix { $0 == $1 }.count))")
                }
            } catch {
                XCTFail("\(fixture.label): \(error)")
            }
        }
    }

    func testDecodingEachFixtureGivesItsJSON() throws {
        for fixture in try Self.fixtures() {
            do {
                let decoded = try schema.json(from: schema.decode(fixture.bytes))
                if decoded != fixture.json {
                    XCTFail("\(fixture.label): decoded JSON differs:\n\(decoded)\nexpected\n\(fixture.json)")
                }
            } catch {
                XCTFail("\(fixture.label): \(error)")
            }
        }
    }

    /// Our registry against Telethon's own `tlobjects` table for layer 229: the same
    /// ids, each a constructor or method as there, with the same name.
    func testRegistryMatchesTelethonsTable() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("telethon_table.json"))
        let table = try JSONValue(parsing: [UInt8](data))
        XCTAssertEqual(table["layer"], .int(Int64(schema.layer)))
        guard case let .array(rows)? = table["combinators"] else { return XCTFail("no combinators") }
        let ours = schema.combinators.filter { !TLSchema.builtinNames.contains($0.name) }
        XCTAssertEqual(ours.count, rows.count)
        XCTAssertEqual(ours.filter(\.isMethod).count, rows.filter { $0["function"] == .bool(true) }.count)
        func normalised(_ name: String) -> String {
            name.replacingOccurrences(of: "_", with: "").lowercased()
        }
        for row in rows {
            guard case let .int(id)? = row["id"], case let .string(cls)? = row["class"], case let .bool(isFunction)? = row["function"] else {
                return XCTFail("bad row \(row)")
            }
            guard let ours = schema.combinators.first(where: { $0.id == UInt32(id) }) else {
                XCTFail("Telethon's \(cls) (\(String(id, radix: 16))) is not in our registry")
                continue
            }
            XCTAssertEqual(ours.isMethod, isFunction, cls)
            XCTAssertEqual(normalised(ours.name), normalised(cls), "id \(String(id, radix: 16))")
        }
    }
}
