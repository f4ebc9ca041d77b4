import CZlib

/// Reads `.tl` schema text: comments, `---types---`/`---functions---` sections,
/// `name#id` (or the CRC32-derived id when absent), generics `{X:Type}`, flags
/// parameters, and `// LAYER N`. Every combinator must end with `;` on its line.
struct TLSchemaParser {
    var combinators: [TLCombinator] = []
    var layer: Int?

    /// Parses one schema file; `lineOffset` is unused except for messages.
    mutating func parse(_ text: String) throws {
        var isFunctions = false
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let comment = line.firstRange(of: "//") {
                let commentText = line[comment.upperBound...].trimmingSpaces()
                if commentText.hasPrefix("LAYER ") {
                    layer = Int(commentText.dropFirst(6).trimmingSpaces())
                }
                line = line[..<comment.lowerBound]
            }
            line = line.trimmingSpaces()
            if line.isEmpty { continue }
            if line == "---types---" { isFunctions = false; continue }
            if line == "---functions---" { isFunctions = true; continue }
            if line.hasPrefix("---") {
                throw TLError(.schemaSyntax(line: lineNumber, text: String(line), reason: "unknown section"))
            }
            combinators.append(try Self.parseCombinator(line, isMethod: isFunctions, line: lineNumber))
        }
    }

    static func parseCombinator(_ text: Substring, isMethod: Bool, line: Int) throws -> TLCombinator {
        func fail(_ reason: String) -> TLError {
            TLError(.schemaSyntax(line: line, text: String(text), reason: reason))
        }
        guard text.last == ";" else { throw fail("missing ';' at the end") }
        let body = text.dropLast()
        guard let equals = body.firstIndex(of: "=") else { throw fail("missing '= Type'") }
        let resultType = body[body.index(after: equals)...].trimmingSpaces()
        guard !resultType.isEmpty, !resultType.contains(" ") else { throw fail("bad result type '\(resultType)'") }
        let tokens = body[..<equals].split(separator: " ")
        guard let head = tokens.first else { throw fail("missing name") }

        var name = head
        var explicitID: UInt32?
        if let hash = head.firstIndex(of: "#") {
            name = head[..<hash]
            let hex = head[head.index(after: hash)...]
            guard !hex.isEmpty, hex.count <= 8, let id = UInt32(hex, radix: 16) else { throw fail("bad id '#\(hex)'") }
            explicitID = id
        }
        guard isIdentifier(name, allowDots: true) else { throw fail("bad name '\(name)'") }

        var generics: [String] = []
        var params: [TLParam] = []
        for token in tokens.dropFirst() {
            if token.hasPrefix("{") {
                guard token.hasSuffix("}"), let colon = token.firstIndex(of: ":"),
                      token[token.index(after: colon)...].dropLast() == "Type" else {
                    throw fail("bad generic parameter '\(token)'")
                }
                generics.append(String(token[token.index(after: token.startIndex)..<colon]))
                continue
            }
            guard let colon = token.firstIndex(of: ":") else { throw fail("parameter '\(token)' has no ':'") }
            let paramName = token[..<colon]
            guard isIdentifier(paramName, allowDots: false) else { throw fail("bad parameter name '\(paramName)'") }
            var typeText = token[token.index(after: colon)...]
            var condition: TLCondition?
            if let question = typeText.firstIndex(of: "?") {
                let cond = typeText[..<question]
                guard let dot = cond.firstIndex(of: "."), let bit = Int(cond[cond.index(after: dot)...]), (0..<32).contains(bit) else {
                    throw fail("bad condition '\(cond)'")
                }
                let flagsField = String(cond[..<dot])
                guard params.contains(where: { $0.name == flagsField && $0.type == .nat }) else {
                    throw fail("condition uses '\(flagsField)', which is not an earlier '#' parameter")
                }
                condition = TLCondition(flagsField: flagsField, bit: bit)
                typeText = typeText[typeText.index(after: question)...]
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
        if text.hasPrefix("!") {
            let name = text.dropFirst()
            return generics.contains(String(name)) ? .generic(String(name)) : nil
        }
        if generics.contains(String(text)) { return .generic(String(text)) }
        for (prefix, boxed) in [("Vector<", true), ("vector<", false)] where text.hasPrefix(prefix) {
            guard text.hasSuffix(">") else { return nil }
            let inner = text.dropFirst(prefix.count).dropLast()
            guard let element = parseType(inner, generics: generics) else { return nil }
            return .vector(element, boxed: boxed)
        }
        if text.hasPrefix("%") {
            let name = text.dropFirst()
            return isIdentifier(name, allowDots: true) ? .bare(String(name)) : nil
        }
        guard isIdentifier(text, allowDots: true) else { return nil }
        let last = text.split(separator: ".").last ?? text
        if let first = last.first, first.isLowercase { return .bare(String(text)) }
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
        let normalised = kept.joined(separator: " ")
        return crc32(Array(normalised.utf8))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    static func isIdentifier(_ text: Substring, allowDots: Bool) -> Bool {
        guard let first = text.first, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || (allowDots && $0 == ".") }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}

