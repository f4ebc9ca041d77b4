import Foundation

/// Parses the text inside `${{ }}` and splits strings into text and expressions.
/// Errors are diagnostics at the exact column inside the YAML scalar.
struct ExpressionParser {
    private enum Token: Equatable {
        case identifier(String), number(Value), string(String)
        case symbol(String)   // . , ( ) [ ] ! == != < <= > >= && ||
        case end
    }

    private var tokens: [(Token, Int)] = []
    private var index = 0
    private let base: SourceLocation
    private static let maxDepth = 48

    /// Splits a string scalar into text and `${{ }}` parts. `origin` is where the scalar's
    /// first character is; for quoted scalars it is just after the opening quote.
    static func template(_ text: String, at origin: SourceLocation) throws -> StringTemplate {
        var parts: [StringTemplate.Part] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        var textStart = 0
        var line = origin.line
        var column = origin.column
        var positions: [SourceLocation] = []
        positions.reserveCapacity(scalars.count + 1)
        for s in scalars {
            positions.append(SourceLocation(file: origin.file, line: line, column: column))
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        positions.append(SourceLocation(file: origin.file, line: line, column: column))
        func substring(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(scalars[a..<b])) }
        while i < scalars.count {
            if scalars[i] == "$", i + 2 < scalars.count, scalars[i + 1] == "{", scalars[i + 2] == "{" {
                if i > textStart { parts.append(.text(substring(textStart, i))) }
                var j = i + 3
                var quote: Unicode.Scalar?
                var close: Int?
                while j + 1 < scalars.count {
                    let c = scalars[j]
                    if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c }
                    else if c == "}" && scalars[j + 1] == "}" { close = j; break }
                    j += 1
                }
                guard let close else {
                    throw DiagnosticList([Diagnostic("'${{' is not closed by '}}'", at: positions[i], rule: .expression)])
                }
                let inner = substring(i + 3, close)
                let start = positions[i + 3]
                if inner.trimmingCharacters(in: .whitespaces).isEmpty {
                    throw DiagnosticList([Diagnostic("empty expression '${{ }}'", at: positions[i], rule: .expression)])
                }
                parts.append(.expression(try parse(inner, at: start)))
                i = close + 2
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < scalars.count { parts.append(.text(substring(textStart, scalars.count))) }
        if parts.isEmpty { parts.append(.text("")) }
        return StringTemplate(parts: parts, location: origin)
    }

    /// Parses one expression; `origin` is the position of its first character.
    static func parse(_ text: String, at origin: SourceLocation) throws -> Expression {
        var parser = ExpressionParser(base: origin)
        try parser.tokenize(text)
        let expr = try parser.parseOr(depth: 0)
        guard parser.current == .end else { throw parser.error("unexpected \(parser.describe(parser.current))") }
        return expr
    }

    private init(base: SourceLocation) { self.base = base }

    private var current: Token { tokens[index].0 }
    private var here: SourceLocation { base.advanced(by: tokens[index].1) }

    private func error(_ message: String) -> DiagnosticList {
        DiagnosticList([Diagnostic(message, at: here, rule: .expression)])
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .identifier(let s): return "'\(s)'"
        case .number(let v): return "number \(v.json)"
        case .string: return "string"
        case .symbol(let s): return "'\(s)'"
        case .end: return "end of expression"
        }
    }

    private mutating func tokenize(_ text: String) throws {
        let s = Array(text.unicodeScalars)
        var i = 0
        func fail(_ message: String, _ at: Int) -> DiagnosticList {
            DiagnosticList([Diagnostic(message, at: base.advanced(by: at), rule: .expression)])
        }
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\n" { i += 1; continue }
            let start = i
            if c.properties.isAlphabetic || c == "_" {
                while i < s.count, s[i].properties.isAlphabetic || s[i].properties.numericType != nil || s[i] == "_" || s[i] == "-" { i += 1 }
                tokens.append((.identifier(String(String.UnicodeScalarView(s[start..<i]))), start))
            } else if c.properties.numericType != nil || (c == "-" && i + 1 < s.count && s[i + 1].properties.numericType != nil && !previousEndsValue) {
                i += 1
                while i < s.count, s[i].properties.numericType != nil || s[i] == "." || s[i] == "e" || s[i] == "E" { i += 1 }
                let literal = String(String.UnicodeScalarView(s[start..<i]))
                if let n = Int64(literal) { tokens.append((.number(.int(n)), start)) }
                else if let d = Double(literal), d.isFinite { tokens.append((.number(.double(d)), start)) }
                else { throw fail("'\(literal)' is not a number", start) }
            } else if c == "'" {
                // GitHub-style: single quotes, '' escapes a quote.
                var value = String.UnicodeScalarView()
                i += 1
                var closed = false
                while i < s.count {
                    if s[i] == "'" {
                        if i + 1 < s.count, s[i + 1] == "'" { value.append("'"); i += 2; continue }
                        closed = true; i += 1; break
                    }
                    value.append(s[i]); i += 1
                }
                guard closed else { throw fail("string is not closed by '", start) }
                tokens.append((.string(String(value)), start))
            } else if c == "\"" {
                throw fail("strings in expressions use single quotes: 'text'", start)
            } else {
                let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                    tokens.append((.symbol(two), start)); i += 2
                } else if ".,()[]!<>".unicodeScalars.contains(c) {
                    tokens.append((.symbol(String(c)), start)); i += 1
                } else if c == "=" {
                    throw fail("'=' is not an operator; compare with '=='", start)
                } else {
                    throw fail("unexpected character '\(c)'", start)
                }
            }
        }
        tokens.append((.end, s.count))
    }

    /// Whether the last token ends an operand (so a following '-' cannot start a number).
    private var previousEndsValue: Bool {
        switch tokens.last?.0 {
        case .identifier?, .number?, .string?, .symbol(")")?, .symbol("]")?: return true
        default: return false
        }
    }

    private mutating func take(_ symbol: String) -> Bool {
        if current == .symbol(symbol) { index += 1; return true }
        return false
    }

    private mutating func parseOr(depth: Int) throws -> Expression {
        guard depth < Self.maxDepth else { throw error("expression nested too deeply") }
        var left = try parseAnd(depth: depth)
        while case .symbol("||") = current {
            let at = here; index += 1
            left = .binary(.or, left, try parseAnd(depth: depth), at)
        }
        return left
    }

    private mutating func parseAnd(depth: Int) throws -> Expression {
        var left = try parseEquality(depth: depth)
        while case .symbol("&&") = current {
            let at = here; index += 1
            left = .binary(.and, left, try parseEquality(depth: depth), at)
        }
        return left
    }

    private mutating func parseEquality(depth: Int) throws -> Expression {
        var left = try parseComparison(depth: depth)
        while case .symbol(let op) = current, op == "==" || op == "!=" {
            let at = here; index += 1
            left = .binary(op == "==" ? .equal : .notEqual, left, try parseComparison(depth: depth), at)
        }
        return left
    }

    private mutating func parseComparison(depth: Int) throws -> Expression {
        var left = try parseUnary(depth: depth)
        while case .symbol(let op) = current, let binary = Expression.BinaryOperator(rawValue: op),
              [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(binary) {
            let at = here; index += 1
            left = .binary(binary, left, try parseUnary(depth: depth), at)
        }
        return left
    }

    private mutating func parseUnary(depth: Int) throws -> Expression {
        if case .symbol("!") = current {
            let at = here; index += 1
            return .unary(.not, try parseUnary(depth: depth + 1), at)
        }
        return try parsePostfix(depth: depth)
    }

    private mutating func parsePostfix(depth: Int) throws -> Expression {
        let at = here
        switch current {
        case .number(let v): index += 1; return .literal(v, at)
        case .string(let s): index += 1; return .literal(.string(s), at)
        case .symbol("("):
            index += 1
            let inner = try parseOr(depth: depth + 1)
            guard take(")") else { throw error("expected ')' but found \(describe(current))") }
            return inner
        case .identifier(let name):
            index += 1
            switch name {
            case "true": return .literal(.bool(true), at)
            case "false": return .literal(.bool(false), at)
            case "null": return .literal(.null, at)
            default: break
            }
            if take("(") {
                var args: [Expression] = []
                if !take(")") {
                    repeat { args.append(try parseOr(depth: depth + 1)) } while take(",")
                    guard take(")") else { throw error("expected ',' or ')' in the arguments of \(name)() but found \(describe(current))") }
                }
                return .call(name, args, at)
            }
            var components: [Expression.PathComponent] = [.name(name)]
            while true {
                if take(".") {
                    guard case .identifier(let field) = current else { throw error("expected a name after '.' but found \(describe(current))") }
                    index += 1
                    components.append(.name(field))
                } else if take("[") {
                    let key = try parseOr(depth: depth + 1)
                    guard take("]") else { throw error("expected ']' but found \(describe(current))") }
                    components.append(.index(key))
                } else {
                    break
                }
            }
            return .path(components, at)
        default:
            throw error("expected a value but found \(describe(current))")
        }
    }
}
