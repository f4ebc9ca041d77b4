import Yams

/// A YAML node with its position, read with YAML 1.2 core typing (so `no` stays a string).
/// Everything the loader checks is reported at one of these positions.
struct YNode {
    enum Kind {
        /// `quoted` scalars are always strings; plain ones are typed by `typedScalar`.
        case scalar(String, quoted: Bool)
        case mapping([(key: YNode, value: YNode)])
        case sequence([YNode])
    }

    var kind: Kind
    var location: SourceLocation

    var string: String? { if case .scalar(let s, _) = kind { return s }; return nil }
    var mappingPairs: [(key: YNode, value: YNode)]? { if case .mapping(let p) = kind { return p }; return nil }
    var items: [YNode]? { if case .sequence(let i) = kind { return i }; return nil }

    /// What the node holds as a typed value (plain scalars: null, booleans, numbers, else strings).
    var typedScalar: Value? {
        guard case .scalar(let s, let quoted) = kind else { return nil }
        if quoted { return .string(s) }
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let i = Int64(s) { return .int(i) }
        if s.hasPrefix("0x"), let i = Int64(s.dropFirst(2), radix: 16) { return .int(i) }
        if s.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let d = Double(s), d.isFinite {
            return .double(d)
        }
        return .string(s)
    }

    /// A short description of what kind of node this is, for "expected X, found Y" messages.
    var shapeName: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar: return typedScalar.map { v in v == .null ? "null" : "a \(v.typeName)" } ?? "a scalar"
        }
    }

    /// The value of `key` in a mapping node.
    subscript(key: String) -> YNode? {
        mappingPairs?.first(where: { $0.key.string == key })?.value
    }
}

enum YAMLTree {
    /// Parses `text` into a located tree. YAML syntax errors, duplicate keys, anchors
    /// (aliases are refused: they hide where a value came from) become diagnostics.
    static func parse(_ text: String, file: String) throws -> YNode? {
        let node: Node?
        let (protected, originals) = ExpressionShield.protect(text)
        do {
            node = try Yams.compose(yaml: protected, .basic)
        } catch let error as YamlError {
            throw DiagnosticList([diagnostic(for: error, file: file)])
        }
        guard let node else { return nil }
        var problems: [Diagnostic] = []
        let tree = convert(node, file: file, problems: &problems, depth: 0, originals: originals)
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return tree
    }

    private static let maxDepth = 64

    private static func location(_ mark: Mark?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func convert(_ node: Node, file: String, problems: inout [Diagnostic], depth: Int, originals: [String]) -> YNode {
        let loc = location(node.mark, file)
        guard depth < maxDepth else {
            problems.append(Diagnostic("nesting deeper than \(maxDepth) levels", at: loc, rule: .syntax))
            return YNode(kind: .scalar("", quoted: false), location: loc)
        }
        switch node {
        case .scalar(let scalar):
            let text = ExpressionShield.restore(scalar.string, originals: originals, style: scalar.style)
            return YNode(kind: .scalar(text, quoted: scalar.style != .plain), location: loc)
        case .mapping(let mapping):
            var seen: [String: SourceLocation] = [:]
            var pairs: [(key: YNode, value: YNode)] = []
            for (k, v) in mapping {
                let key = convert(k, file: file, problems: &problems, depth: depth + 1, originals: originals)
                if let name = key.string {
                    if let first = seen[name] {
                        problems.append(Diagnostic("key '\(name)' is repeated (first at line \(first.line))", at: key.location, rule: .key))
                    }
                    seen[name] = key.location
                } else {
                    problems.append(Diagnostic("a key must be a plain name, not \(key.shapeName)", at: key.location, rule: .key))
                }
                pairs.append((key, convert(v, file: file, problems: &problems, depth: depth + 1, originals: originals)))
            }
            return YNode(kind: .mapping(pairs), location: loc)
        case .sequence(let sequence):
            return YNode(kind: .sequence(sequence.map { convert($0, file: file, problems: &problems, depth: depth + 1, originals: originals) }), location: loc)
        case .alias:
            problems.append(Diagnostic("YAML aliases are not supported in workflows; write the value out", at: loc, rule: .syntax))
            return YNode(kind: .scalar("", quoted: false), location: loc)
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return Diagnostic("invalid YAML: \(text)", at: location(mark, file), rule: .syntax)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic("key '\(duplicates.joined(separator: "', '"))' is repeated", at: location(context.mark, file), rule: .key)
        case .reader(let problem, _, _, _):
            return Diagnostic("unreadable file: \(problem)", at: location(nil, file), rule: .syntax)
        default:
            return Diagnostic("invalid YAML: \(error)", at: location(nil, file), rule: .syntax)
        }
    }
}

/// `${{ }}` holds `{`, `}` and `,`, which YAML's flow mappings treat as syntax, so
/// `{ password: ${{ secrets.x }} }` would not parse. Before parsing, each single-line
/// expression is swapped for a placeholder of the same length (private-use characters, so
/// columns stay exact); afterwards the scalars get their expressions back.
enum ExpressionShield {
    static let first: UInt32 = 0xF0000   // plane 15 private use: index is encoded in the first scalar
    static let filler: Unicode.Scalar = "\u{FFF00}"

    static func protect(_ text: String) -> (String, [String]) {
        guard text.contains("${{") else { return (text, []) }
        var originals: [String] = []
        var out = String.UnicodeScalarView()
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            if s[i] == "$", i + 2 < s.count, s[i + 1] == "{", s[i + 2] == "{" {
                var j = i + 3
                var close: Int?
                while j + 1 < s.count, s[j] != "\n" {
                    if s[j] == "}", s[j + 1] == "}" { close = j + 2; break }
                    j += 1
                }
                if let close, originals.count < 0xFF00 {
                    let original = String(String.UnicodeScalarView(s[i..<close]))
                    out.append(Unicode.Scalar(first + UInt32(originals.count))!)
                    for _ in 1..<(close - i) { out.append(filler) }
                    originals.append(original)
                    i = close
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return (String(out), originals)
    }

    static func restore(_ text: String, originals: [String], style: Node.Scalar.Style) -> String {
        guard !originals.isEmpty, text.unicodeScalars.contains(where: { $0.value >= first && $0.value < first + 0xFF00 }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == filler { continue }
            if scalar.value >= first, scalar.value < first + 0xFF00, Int(scalar.value - first) < originals.count {
                var original = originals[Int(scalar.value - first)]
                switch style {
                case .singleQuoted: original = original.replacingOccurrences(of: "''", with: "'")
                case .doubleQuoted: original = original.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                default: break
                }
                out += original
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
