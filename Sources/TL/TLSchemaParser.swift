import CZlib

/// Reads `.tl` schema text: comments, `---types---`/`---functions---` sections,
/// `name#id` (or the CRC32-derived id when absent), generics `{X:Type}`, flags
/// parameters, and `// LAYER N`. Every combinator must end with `;` on its line.
/// It works on UTF-8 bytes: the schema is parsed at every process start.
struct TLSchemaParser {
    var combinators: [TLCombinator] = []
    var layer: Int?

    mutating func parse(_ text: String) throws {
        var copy = text
        try copy.withUTF8 { try parse(bytes: $0) }
    }

    private mutating func parse(bytes: UnsafeBufferPointer<UInt8>) throws {
        var isFunctions = false
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var lo = start
            var hi = end
            start = end + 1
            var c = lo
            while c + 1 < hi {
                if bytes[c] == 0x2F && bytes[c + 1] == 0x2F {
                    let comment = Self.text(bytes, Self.trim(bytes, c + 2, hi))
                    if comment.hasPrefix("LAYER "), let n = Int(comment.dropFirst(6)) { layer = n }
                    hi = c
                    break
                }
                c += 1
            }
            (lo, hi) = Self.trim(bytes, lo, hi)
            if lo == hi { continue }
            let line = Self.text(bytes, (lo, hi))
            if line == "---types---" { isFunctions = false; continue }
            if line == "---functions---" { isFunctions = true; continue }
            if line.hasPrefix("---") {
                throw TLError(.schemaSyntax(line: lineNumber, text: line, reason: "unknown section"))
            }
            combinators.append(try Self.parseCombinator(line, isMethod: isFunctions, line: lineNumber))
        }
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    private static func trim(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> (Int, Int) {
        var lo = lo, hi = hi
        while lo < hi && isSpace(bytes[lo]) { lo += 1 }
        while hi > lo && isSpace(bytes[hi - 1]) { hi -= 1 }
        return (lo, hi)
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: (Int, Int)) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range.0..<range.1]), as: UTF8.self)
    }

    static func parseCombinator(_ text: String, isMethod: Bool, line: Int) throws -> TLCombinator {
        func fail(_ reason: String) -> TLError {
            TLError(.schemaSyntax(line: line, text: text, reason: reason))
        }
        let utf8 = text.utf8
        guard utf8.last == UInt8(ascii: ";") else { throw fail("missing ';' at the end") }
        let body = text[..<utf8.index(before: utf8.endIndex)]
        guard let equals = body.utf8.firstIndex(of: UInt8(ascii: "=")) else { throw fail("missing '= Type'") }
        let resultType = trimmed(body[body.utf8.index(after: equals)...])
        guard !resultType.isEmpty, !resultType.utf8.contains(0x20) else { throw fail("bad result type '\(resultType)'") }
        let tokens = body[..<equals].utf8.split(separator: 0x20).map { Substring($0) }
        guard let head = tokens.first else { throw fail("missing name") }

        var name = head
        var explicitID: UInt32?
        if let hash = head.utf8.firstIndex(of: UInt8(ascii: "#")) {
            name = head[..<hash]
            let hex = head[head.utf8.index(after: hash)...]
            guard !hex.isEmpty, hex.utf8.count <= 8, let id = UInt32(hex, radix: 16) else { throw fail("bad id '#\(hex)'") }
            explicitID = id
        }
        guard isIdentifier(name, allowDots: true) else { throw fail("bad name '\(name)'") }

        var generics: [String] = []
        var params: [TLParam] = []
        for token in tokens.dropFirst() {
            if token.utf8.first == UInt8(ascii: "{") {
                guard token.utf8.last == UInt8(ascii: "}"), let colon = token.utf8.firstIndex(of: UInt8(ascii: ":")),
                      token[token.utf8.index(after: colon)...].dropLast() == "Type" else {
                    throw fail("bad generic parameter '\(token)'")
                }
                generics.append(String(token[token.utf8.index(after: token.startIndex)..<colon]))
                continue
            }
            guard let colon = token.utf8.firstIndex(of: UInt8(ascii: ":")) else { throw fail("parameter '\(token)' has no ':'") }
            let paramName = token[..<colon]
            guard isIdentifier(paramName, allowDots: false) else { throw fail("bad parameter name '\(paramName)'") }
            var typeText = token[token.utf8.index(after: colon)...]
            var condition: TLCondition?
            if let question = typeText.utf8.firstIndex(of: UInt8(ascii: "?")) {
                let cond = typeText[..<question]
                guard let dot = cond.utf8.firstIndex(of: UInt8(ascii: ".")), let bit = Int(cond[cond.utf8.index(after: dot)...]),
                      (0..<32).contains(bit) else {
                    throw fail("bad condition '\(cond)'")
                }
                let flagsField = String(cond[..<dot])
                guard params.contains(where: { $0.name == flagsField && $0.type == .nat }) else {
                    throw fail("condition uses '\(flagsField)', which is not an earlier '#' parameter")
                }
                condition = TLCondition(flagsField: flagsField, bit: bit)
                typeText = typeText[typeText.utf8.index(after: question)...]
            }
            guard let type = parseType(typeText, generics: generics) else { throw fail("bad type '\(typeText)'") }
            if type == .trueFlag && condition == nil { throw fail("'true' is only allowed behind a flag") }
            params.append(TLParam(name: String(paramName), type: type, condition: condition))
        }
        if parseType(resultType, generics: generics) == nil { throw fail("bad result type '\(resultType)'") }

        let id = explicitID ?? inferredID(name: name, tokens: tokens.dropFirst(), result: resultType)
        return TLCombinator(name: String(name), id: id, params: params, resultType: String(resultType),
                            isMethod: isMethod, genericParams: generics, line: line)
    }

    /// Parses a type expression: `int`, `Vector<long>`, `vector<%Message>`, `!X`, `auth.SentCode`.
    static func parseType(_ text: Substring, generics: [String]) -> TLType? {
        switch text {
        case "int": return .int
        case "long": return .long
        case "double": return .double
        case "int128": return .int128
        case "int256": return .int256
        case "string": return .string
        case "bytes": return .bytes
        case "Bool": return .bool
        case "true": return .trueFlag
        case "#": return .nat
        case "Object": return .any
        default: break
        }
        let utf8 = text.utf8
        if utf8.first == UInt8(ascii: "!") {
            let name = String(text.dropFirst())
            return generics.contains(name) ? .generic(name) : nil
        }
        if !generics.isEmpty && generics.contains(String(text)) { return .generic(String(text)) }
        let first = utf8.first
        if first == UInt8(ascii: "V") || first == UInt8(ascii: "v"), utf8.dropFirst().starts(with: "ector<".utf8) {
            let boxed = first == UInt8(ascii: "V")
            guard utf8.last == UInt8(ascii: ">") else { return nil }
            let inner = text[utf8.index(utf8.startIndex, offsetBy: 7)..<utf8.index(before: utf8.endIndex)]
            guard let element = parseType(inner, generics: generics) else { return nil }
            return .vector(element, boxed: boxed)
        }
        if utf8.first == UInt8(ascii: "%") {
            let name = text.dropFirst()
            return isIdentifier(name, allowDots: true) ? .bare(String(name)) : nil
        }
        guard isIdentifier(text, allowDots: true) else { return nil }
        // The last dotted part decides: `auth.sentCode` is bare, `auth.SentCode` boxed.
        let lastPart = utf8.lastIndex(of: UInt8(ascii: ".")).map { utf8.index(after: $0) } ?? utf8.startIndex
        let initial = utf8[lastPart]
        if initial >= UInt8(ascii: "a") && initial <= UInt8(ascii: "z") { return .bare(String(text)) }
        return .boxed(String(text))
    }

    /// The id Telegram derives when a line has none: CRC32 of the normalised line
    /// (no id, no braces, `<` as a space, no `?true` flags, `bytes` as `string`).
    static func inferredID(name: Substring, tokens: ArraySlice<Substring>, result: Substring) -> UInt32 {
        var repr = String(name)
        for token in tokens { repr += " " + token }
        repr += " = " + result
        repr = repr.replacing(":bytes ", with: ":string ")
            .replacing("?bytes ", with: "?string ")
            .replacing("<", with: " ")
            .replacing(">", with: "")
            .replacing("{", with: "")
            .replacing("}", with: "")
        let kept = repr.split(separator: " ").filter { word in
            !(word.contains("?true") && word.contains(":flags"))
        }
        return crc32(Array(kept.joined(separator: " ").utf8))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    /// ASCII letters, digits and `_` (and `.` for namespaced names), not starting with a digit.
    static func isIdentifier(_ text: Substring, allowDots: Bool) -> Bool {
        guard let first = text.utf8.first, isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return text.utf8.allSatisfy { b in
            isLetter(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "_") || (allowDots && b == UInt8(ascii: "."))
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let f = s.utf8.first, f == 0x20 || f == 0x09 || f == 0x0D { s = s.dropFirst() }
        while let l = s.utf8.last, l == 0x20 || l == 0x09 || l == 0x0D { s = s.dropLast() }
        return s
    }
}

extension Substring {
    func trimmingSpaces() -> Substring { TLSchemaParser.trimmed(self) }
}
