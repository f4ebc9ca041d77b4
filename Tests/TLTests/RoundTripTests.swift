import XCTest
@testable import TL

/// Every constructor and method of the schema, with generated field values:
/// encode → decode gives the same value, and so does the trip through JSON text.
final class RoundTripTests: XCTestCase {
    let schema = TLSchema.shared

    func testEveryCombinatorRoundTripsWithAllAndNoOptionalFields() throws {
        var generator = ValueGenerator(schema: schema)
        var checked = 0
        for combinator in schema.combinators where !TLSchema.builtinNames.contains(combinator.name) {
            for allOptional in [true, false] {
                generator.allOptional = allOptional
                let object = generator.object(combinator, depth: 0)
                do {
                    let bytes = try schema.encode(object)
                    let decoded = try schema.decode(bytes)
                    XCTAssertEqual(decoded, object, combinator.name)
                    XCTAssertEqual(try schema.encode(decoded), bytes, "re-encoding \(combinator.name)")
                    let text = schema.json(from: .object(decoded)).serialized()
                    let back = try schema.object(fromJSON: JSONValue(parsing: text))
                    XCTAssertEqual(back, object, "JSON round trip of \(combinator.name)")
                    checked += 1
                } catch {
                    XCTFail("\(combinator.name) (all optional: \(allOptional)): \(error)")
                }
            }
        }
        XCTAssertEqual(checked, 2 * (schema.combinators.count - TLSchema.builtinNames.count))
    }

    func testOptionalFieldsChangeTheFlagsWord() throws {
        var generator = ValueGenerator(schema: schema)
        let user = try XCTUnwrap(schema.constructor(named: "user"))
        generator.allOptional = true
        let full = try schema.encode(generator.object(user, depth: 0))
        generator.allOptional = false
        let bare = try schema.encode(generator.object(user, depth: 0))
        // user has flags and flags2: with every optional field present both words are non-zero.
        var reader = TLReader(full)
        _ = try reader.readUInt32()
        XCTAssertNotEqual(try reader.readUInt32(), 0)
        reader = TLReader(bare)
        _ = try reader.readUInt32()
        XCTAssertEqual(try reader.readUInt32(), 0)
        XCTAssertGreaterThan(full.count, bare.count)
    }
}

/// Deterministic values for any combinator, chosen from its parameter types.
struct ValueGenerator {
    let schema: TLSchema
    var allOptional = true
    var counter = 0

    init(schema: TLSchema) { self.schema = schema }

    mutating func object(_ c: TLCombinator, depth: Int) -> TLObject {
        var fields: [String: TLValue] = [:]
        for p in c.params where !p.isFlags {
            if p.isOptional && !allOptional { continue }
            if p.type == .trueFlag { fields[p.name] = .bool(true); continue }
            fields[p.name] = value(p.type, depth: depth + 1)
        }
        return TLObject(name: c.name, fields: fields)
    }

    mutating func value(_ type: TLType, depth: Int) -> TLValue {
        counter += 1
        let n = counter
        switch type {
        case .int, .nat: return .int(Int32(truncatingIfNeeded: n &* 2_654_435_761))
        case .long: return .long(Int64(n) &* -6_148_914_691_236_517_205)
        case .double: return .double(Double(n) / 7)
        case .int128: return .int128((0..<16).map { UInt8(truncatingIfNeeded: n &+ $0) })
        case .int256: return .int256((0..<32).map { UInt8(truncatingIfNeeded: n &* 3 &+ $0) })
        case .string: return .string(["", "text \(n)", "Привет 😀 \(n)", String(repeating: "日本", count: n % 200)][n % 4])
        case .bytes: return .bytes((0..<(n % 300)).map { UInt8(truncatingIfNeeded: $0 &* n) })
        case .bool, .trueFlag: return .bool(n % 2 == 0)
        case let .vector(element, _):
            let count = depth < 4 ? 2 : 0
            return .vector((0..<count).map { _ in value(element, depth: depth + 1) })
        case let .boxed(name):
            let options = schema.constructors(ofType: name)
            let chosen = depth < 3 ? options[n % options.count] : options.min { cost($0) < cost($1) }!
            return .object(object(chosen, depth: depth))
        case let .bare(name):
            let c = schema.constructor(named: name) ?? schema.constructors(ofType: name)[0]
            return .object(object(c, depth: depth))
        case .generic, .any:
            return .object(TLObject(name: "help.getConfig"))
        }
    }

    /// Required parameters that need another object: deep down the generator picks the cheapest constructor.
    private func cost(_ c: TLCombinator) -> Int {
        c.params.filter { p in
            guard !p.isOptional else { return false }
            switch p.type {
            case .boxed, .bare, .generic, .any: return true
            default: return false
            }
        }.count
    }
}
