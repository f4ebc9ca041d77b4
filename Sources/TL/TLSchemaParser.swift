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
        let b = Array(text.utf8)
        func string(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        func find(_ byte: UInt8, in r: Range<Int>) -> Int? { r.first { b[$0] == byte } }

        guard b.last == UInt8(ascii: ";") else { throw fail("missing ';' at the end") }
        let bodyEnd = b.count - 1
        guard let equals = find(UInt8(ascii: "="), in: 0..<bodyEnd) else { throw fail("missing '= Type'") }
        var resultRange = (equals + 1)..<bodyEnd
        while let f = resultRange.first, b[f] == 0x20 { resultRange = (f + 1)..<resultRange.upperBound }
        while let l = resultRange.last, b[l] == 0x20 { resultRange = resultRange.lowerBound..<l }
        guard !resultRange.isEmpty, find(0x20, in: resultRange) == nil else { throw fail("bad result type '\(string(resultRange))'") }

        var tokens: [Range<Int>] = []
        var i = 0
        while i < equals {
            if b[i] == 0x20 { i += 1; continue }
            let start = i
            while i < equals && b[i] != 0x20 { i += 1 }
            tokens.append(start..<i)
        }
        guard let head = tokens.first else { throw fail("missing name") }

        var nameRange = head
        var explicitID: UInt32?
        if let hash = find(UInt8(ascii: "#"), in: head) {
            nameRange = head.lowerBound..<hash
            let hex = (hash + 1)..<head.upperBound
            guard !hex.isEmpty, hex.count <= 8, let id = UInt32(string(hex), radix: 16) else { throw fail("bad id '#\(string(hex))'") }
            explicitID = id
        }
        guard isIdentifier(b, nameRange, allowDots: true) else { throw fail("bad name '\(string(nameRange))'") }

        var generics: [String] = []
        var params: [TLParam] = []
        for token in tokens.dropFirst() {
            if b[token.lowerBound] == UInt8(ascii: "{") {
                guard b[token.upperBound - 1] == UInt8(ascii: "}"), let colon = find(UInt8(ascii: ":"), in: token),
                      string((colon + 1)..<(token.upperBound - 1)) == "Type" else {
                    throw fail("bad generic parameter '\(string(token))'")
                }
                generics.append(string((token.lowerBound + 1)..<colon))
                continue
            }
            guard let colon = find(UInt8(ascii: ":"), in: token) else { throw fail("parameter '\(string(token))' has no ':'") }
            let paramName = token.lowerBound..<colon
            guard isIdentifier(b, paramName, allowDots: false) else { throw fail("bad parameter name '\(string(paramName))'") }
            var typeRange = (colon + 1)..<token.upperBound
            var condition: TLCondition?
            if let question = find(UInt8(ascii: "?"), in: typeRange) {
                let cond = typeRange.lowerBound..<question
                guard let dot = find(UInt8(ascii: "."), in: cond), let bit = Int(string((dot + 1)..<question)), (0..<32).contains(bit) else {
                    throw fail("bad condition '\(string(cond))'")
                }
                let flagsField = string(cond.lowerBound..<dot)
                guard params.contains(where: { $0.name == flagsField && $0.type == .nat }) else {
                    throw fail("condition uses '\(flagsField)', which is not an earlier '#' parameter")
                }
                condition = TLCondition(flagsField: flagsField, bit: bit)
                typeRange = (question + 1)..<typeRange.upperBound
            }
            guard let type = parseType(b, typeRange, generics: generics) else { throw fail("bad type '\(string(typeRange))'") }
            if type == .trueFlag && condition == nil { throw fail("'true' is only allowed behind a flag") }
            params.append(TLParam(name: string(paramName), type: type, condition: condition))
        }
        if parseType(b, resultRange, generics: generics) == nil { throw fail("bad result type '\(string(resultRange))'") }

        let name = string(nameRange)
        let id = explicitID ?? inferredID(name: Substring(name), tokens: tokens.dropFirst().map { Substring(string($0)) }[...],
                                          result: Substring(string(resultRange)))
        return TLCombinator(name: name, id: id, params: params, resultType: string(resultRange),
                            isMethod: isMethod, genericParams: generics, line: line)
    }

    /// Parses a type expression: `int`, `Vector<long>`, `vector<%Message>`, `!X`, `auth.SentCode`.
    static func parseType(_ text: Substring, generics: [String]) -> TLType? {
        let b = Array(text.utf8)
        return parseType(b, 0..<b.count, generics: generics)
    }

    private static let keywords: [([UInt8], TLType)] = ([
        ("int", .int), ("long", .long), ("double", .double), ("int128", .int128), ("int256", .int256),
        ("string", .string), ("bytes", .bytes), ("Bool", .bool), ("true", .trueFlag), ("#", .nat), ("Object", .any),
    ] as [(String, TLType)]).map { (Array($0.0.utf8), $0.1) }

    static func parseType(_ b: [UInt8], _ r: Range<Int>, generics: [String]) -> TLType? {
        guard let first = r.first.map({ b[$0] }) else { return nil }
        for (word, type) in keywords where word.count == r.count && word[0] == first && b[r].elementsEqual(word) {
            return type
        }
        let text = String(decoding: b[r], as: UTF8.self)
        if first == UInt8(ascii: "!") {
            let name = String(text.dropFirst())
            return generics.contains(name) ? .generic(name) : nil
        }
        if !generics.isEmpty && generics.contains(text) { return .generic(text) }
        if (first == UInt8(ascii: "V") || first == UInt8(ascii: "v")) && r.count > 7 && b[(r.lowerBound + 1)..<(r.lowerBound + 7)].elementsEqual("ector<".utf8) {
            guard b[r.upperBound - 1] == UInt8(ascii: ">") else { return nil }
            guard let element = parseType(b, (r.lowerBound + 7)..<(r.upperBound - 1), generics: generics) else { return nil }
            return .vector(element, boxed: first == UInt8(ascii: "V"))
        }
        if first == UInt8(ascii: "%") {
            return isIdentifier(b, (r.lowerBound + 1)..<r.upperBound, allowDots: true) ? .bare(String(text.dropFirst())) : nil
        }
        guard isIdentifier(b, r, allowDots: true) else { return nil }
        // The last dotted part decides: `auth.sentCode` is bare, `auth.SentCode` boxed.
        let lastPart = (r.lastIndex { b[$0] == UInt8(ascii: ".") }).map { $0 + 1 } ?? r.lowerBound
        guard lastPart < r.upperBound else { return nil }
        let initial = b[lastPart]
        if initial >= UInt8(ascii: "a") && initial <= UInt8(ascii: "z") { return .bare(text) }
        return .boxed(text)
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
        let b = Array(text.utf8)
        return isIdentifier(b, 0..<b.count, allowDots: allowDots)
    }

    static func isIdentifier(_ b: [UInt8], _ r: Range<Int>, allowDots: Bool) -> Bool {
        guard let f = r.first, isLetter(b[f]) || b[f] == UInt8(ascii: "_") else { return false }
        for i in r {
            let c = b[i]
            guard isLetter(c) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "_") || (allowDots && c == UInt8(ascii: ".")) else { return false }
        }
        return true
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
