import TL
import Foundation

/// A place in a workflow file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The same place moved right by `offset` columns, for positions inside a scalar.
    public func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a workflow, printed actionlint-style as
/// `file:line:col: message [rule]`.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// Names the check that failed, so tools and people can filter on it.
    public enum Rule: String, Sendable, Codable, CaseIterable {
        case syntax        // not valid YAML
        case key           // unknown, missing or duplicate key
        case type          // a value of the wrong type
        case expression    // a `${{ }}` that does not parse or type-check
        case reference     // unknown input, secret, step or context
        case secret        // a secret flowing where plain text goes, or a missing secret
        case tl            // unknown Telegram method or parameter
        case step          // a step that is malformed as a whole
        case input         // a bad input value given on the command line
        case template      // a `uses:` template that cannot be loaded
    }

    public var location: SourceLocation
    public var message: String
    public var rule: Rule

    public init(_ message: String, at location: SourceLocation, rule: Rule) {
        self.message = message
        self.location = location
        self.rule = rule
    }

    public var description: String { "\(location): \(message) [\(rule.rawValue)]" }
}

/// Several diagnostics at once; what loading or validation throws when anything is wrong.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Renders diagnostics for people (with the source line and a caret) and for tools (JSON).
public enum DiagnosticPrinter {
    /// `file:line:col: message [rule]`, then the offending line and a caret under the column.
    public static func human(_ diagnostic: Diagnostic, source: String?) -> String {
        var out = diagnostic.description
        guard let source else { return out }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let index = diagnostic.location.line - 1
        guard index >= 0, index < lines.count else { return out }
        let line = lines[index].replacingOccurrences(of: "\r", with: "")
        let gutter = "\(diagnostic.location.line) | "
        out += "\n" + gutter + line
        let prefix = line.unicodeScalars.prefix(max(0, diagnostic.location.column - 1))
        let pad = String(String.UnicodeScalarView(prefix).map { $0 == "\t" ? "\t" : " " })
        out += "\n" + String(repeating: " ", count: gutter.count - 2) + "| " + pad + "^"
        return out
    }

    /// One JSON array of `{file, line, column, message, rule}` objects.
    public static func json(_ diagnostics: [Diagnostic]) -> String {
        let items = diagnostics.map { d -> String in
            let fields: [(String, String)] = [
                ("file", JSONValue.quoted(d.location.file)), ("line", String(d.location.line)),
                ("column", String(d.location.column)), ("message", JSONValue.quoted(d.message)),
                ("rule", JSONValue.quoted(d.rule.rawValue)),
            ]
            return "{" + fields.map { "\(JSONValue.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}

/// The valid name closest to `name` by edit distance, if it is close enough to be a likely typo.
func closestName(to name: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    for candidate in candidates {
        let d = ClosestNames.distance(name, candidate)
        if best == nil || d < best!.1 { best = (candidate, d) }
    }
    guard let (candidate, distance) = best else { return nil }
    let limit = max(2, min(name.count, candidate.count) / 2)
    if distance <= limit || candidate.lowercased().hasPrefix(name.lowercased()) || name.lowercased().hasPrefix(candidate.lowercased()) {
        return candidate
    }
    return nil
}

/// ", did you mean 'x'?" or nothing.
func didYouMean(_ name: String, _ candidates: [String]) -> String {
    closestName(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
}
