/// Checking and parsing input values against their declared types.
public enum InputValues {
    /// Why `value` does not fit `kind`, or nil when it does.
    static func check(_ value: Value, against kind: InputDeclaration.Kind) -> String? {
        switch (kind, value) {
        case (.string, .string), (.number, .int), (.number, .double), (.boolean, .bool): return nil
        case (.choice(let options), .string(let s)):
            return options.contains(s) ? nil : "must be one of \(options.map { "'\($0)'" }.joined(separator: ", ")), found '\(s)'"
        default: return "must be a \(kind.typeName), found a \(value.typeName)"
        }
    }

    /// Parses `--input name=text` for a declared input: numbers and booleans by their type,
    /// strings as given.
    public static func parse(_ text: String, for declaration: InputDeclaration) throws -> Value {
        let value: Value
        switch declaration.kind {
        case .string, .choice: value = .string(text)
        case .number:
            if let i = Int64(text) { value = .int(i) } else if let d = Double(text), d.isFinite { value = .double(d) }
            else { throw InputError.badValue(name: declaration.name, problem: "must be a number") }
        case .boolean:
            switch text {
            case "true": value = .bool(true)
            case "false": value = .bool(false)
            default: throw InputError.badValue(name: declaration.name, problem: "must be true or false")
            }
        }
        if let problem = check(value, against: declaration.kind) { throw InputError.badValue(name: declaration.name, problem: problem) }
        return value
    }
}

/// A problem with `--input` values given to `tgflow run`.
public enum InputError: Error, CustomStringConvertible, Equatable {
    /// An `--input` names no declared input; the run cannot start.
    case unknown(name: String, suggestion: String?)
    /// A required input was not given and has no default.
    case missing(name: String)
    /// The text given does not fit the input's type (the value itself is not repeated: it may be secret).
    case badValue(name: String, problem: String)
    /// `--input` without `=`.
    case malformed(String)

    public var description: String {
        switch self {
        case .unknown(let name, let suggestion):
            return "unknown input '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .missing(let name): return "input '\(name)' is required; give it with --input \(name)=VALUE"
        case .badValue(let name, let problem): return "input '\(name)' \(problem)"
        case .malformed(let text): return "--input takes NAME=VALUE, found '\(text.prefix(40))'"
        }
    }
}
