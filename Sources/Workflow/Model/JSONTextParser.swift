/// A small strict JSON reader with exact 64-bit integers and a nesting limit, so that
/// checkpoint rows and command-line inputs never crash or recurse without bound.
struct JSONTextParser {
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "invalid JSON at byte \(offset)" }
    }

    private let bytes: [UInt8]
    private(set) var offset = 0
    static let maxDepth = 128

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset >= bytes.count }

    mutating func skipSpace() {
        while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
    }

    private func fail() -> Failure { Failure(offset: offset) }

    private mutating func expect(_ literal: String) throws {
        for b in literal.utf8 {
            guard offset < bytes.count, bytes[offset] == b else { throw fail() }
            offset += 1
        }
    }

    mutating func parseValue(depth: Int) throws -> Value {
        guard depth < Self.maxDepth else { throw fail() }
        skipSpace()
        guard offset < bytes.count else { throw fail() }
        switch bytes[offset] {
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["):
            offset += 1
            var items: [Value] = []
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") { offset += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard offset < bytes.count else { throw fail() }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "]") { offset += 1; return .array(items) }
                throw fail()
            }
        case UInt8(ascii: "{"):
            offset += 1
            var object: [String: Value] = [:]
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") { offset += 1; return .object(object) }
            while true {
                skipSpace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw fail() }
                let key = try parseString()
                skipSpace()
                try expect(":")
                object[key] = try parseValue(depth: depth + 1)
                skipSpace()
                guard offset < bytes.count else { throw fail() }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "}") { offset += 1; return .object(object) }
                throw fail()
            }
        default: return try parseNumber()
        }
    }

    private mutating func parseNumber() throws -> Value {
        let start = offset
        var isInteger = true
        while offset < bytes.count {
            let b = bytes[offset]
            if (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") { offset += 1; continue }
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || b == UInt8(ascii: "+") {
                isInteger = false; offset += 1; continue
            }
            break
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        if isInteger, let i = Int64(text) { return .int(i) }
        guard !text.isEmpty, let d = Double(text), d.isFinite else { offset = start; throw fail() }
        return .double(d)
    }

    private mutating func parseString() throws -> String {
        offset += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars); run.removeAll() }
        while offset < bytes.count {
            let b = bytes[offset]
            offset += 1
            if b == UInt8(ascii: "\"") { flush(); return String(scalars) }
            if b < 0x20 { throw fail() }
            if b != UInt8(ascii: "\\") { run.append(b); continue }
            flush()
            guard offset < bytes.count else { throw fail() }
            let e = bytes[offset]
            offset += 1
            switch e {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{c}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), offset + 1 < bytes.count,
                   bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
                    offset += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low &- 0xDC00 & 0x3FF)
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: throw fail()
            }
        }
        throw fail()
    }

    private mutating func hex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16) else { throw fail() }
        offset += 4
        return v
    }
}
