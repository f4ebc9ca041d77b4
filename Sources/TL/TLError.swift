/// A failure in the TL layer: parsing the schema, encoding, decoding, or bridging
/// JSON. `path` says where in the value it happened (`params.peer.user_id`,
/// `messages[3].entities[0]`); it is empty at the top level.
///
/// No case carries field *values* from a value tree, only names, types, sizes and
/// ids, so an error never repeats a secret it was handed.
public struct TLError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// A schema line could not be parsed. Fix the `.tl` file at `line`.
        case schemaSyntax(line: Int, text: String, reason: String)
        /// No constructor or method has this name; `suggestions` are the closest names.
        case unknownName(String, suggestions: [String])
        /// The bytes name a constructor id the schema does not know. The value cannot
        /// be read further; a connection that sent it may be on another layer.
        case unknownConstructorID(UInt32)
        /// The buffer ended: `needed` more bytes were wanted, `remaining` were left.
        /// The input is truncated or corrupt.
        case unexpectedEnd(needed: Int, remaining: Int)
        /// A length prefix or vector count asks for more than the buffer holds.
        case lengthExceedsInput(length: Int, remaining: Int)
        /// Values nest deeper than `limit`; hostile or corrupt input.
        case tooDeep(limit: Int)
        /// A required field is absent. Add `name` (of TL type `type`).
        case missingField(name: String, type: String)
        /// A field the constructor or method does not have; `suggestions` are the closest.
        case unknownField(name: String, in: String, suggestions: [String])
        /// A value of the wrong kind: `expected` a TL type, `got` a description of what was given.
        case wrongValue(expected: String, got: String)
        /// A constructor of another TL type was given or read where `expectedType` is wanted;
        /// `constructors` lists the ones that fit.
        case wrongConstructorType(name: String, expectedType: String, constructors: [String])
        /// A type string (`"Vector<long>"`, `"InputPeer"`) names no type in the schema.
        case unknownType(String)
        /// A bare vector was read without knowing its element type; use `decode(_:type:)`.
        case vectorNeedsElementType
        /// Bytes remain after a complete value; the input is corrupt or of another type.
        case trailingBytes(count: Int)
        /// `gzip_packed` data could not be inflated (zlib said `reason`).
        case inflateFailed(reason: String)
        /// `gzip_packed` data inflates to more than `limit` bytes; refused.
        case inflatedTooLarge(limit: Int)
        /// JSON text is malformed at byte `offset`.
        case invalidJSON(reason: String, offset: Int)
    }

    public var kind: Kind
    /// Where in the value tree the error was found; empty at the top.
    public var path: String

    public init(_ kind: Kind, path: String = "") {
        self.kind = kind
        self.path = path
    }

    /// The same error seen from one level up: `segment` is a field name or `[index]`.
    func prefixed(_ segment: String) -> TLError {
        var copy = self
        if path.isEmpty {
            copy.path = segment
        } else if path.hasPrefix("[") {
            copy.path = segment + path
        } else {
            copy.path = segment + "." + path
        }
        return copy
    }

    public var description: String {
        let at = path.isEmpty ? "" : "\(path): "
        switch kind {
        case let .schemaSyntax(line, text, reason):
            return "schema line \(line): \(reason): \(text)"
        case let .unknownName(name, suggestions):
            return at + "unknown constructor or method '\(name)'" + Self.didYouMean(suggestions)
        case let .unknownConstructorID(id):
            return at + "unknown constructor id 0x\(Self.hex(id))"
        case let .unexpectedEnd(needed, remaining):
            return at + "unexpected end of data: needed \(needed) bytes, \(remaining) left"
        case let .lengthExceedsInput(length, remaining):
            return at + "length \(length) exceeds the \(remaining) bytes left"
        case let .tooDeep(limit):
            return at + "values nest deeper than \(limit) levels"
        case let .missingField(name, type):
            return at + "missing required field '\(name)' (\(type))"
        case let .unknownField(name, owner, suggestions):
            return at + "'\(owner)' has no field '\(name)'" + Self.didYouMean(suggestions)
        case let .wrongValue(expected, got):
            return at + "expected \(expected), got \(got)"
        case let .wrongConstructorType(name, expectedType, constructors):
            let list = constructors.prefix(12).joined(separator: ", ")
            let more = constructors.count > 12 ? ", …" : ""
            return at + "'\(name)' is not a \(expectedType); expected one of: \(list)\(more)"
        case let .unknownType(type):
            return at + "unknown TL type '\(type)'"
        case .vectorNeedsElementType:
            return at + "a bare vector needs its element type: decode it with decode(_:type:)"
        case let .trailingBytes(count):
            return at + "\(count) bytes left over after the value"
        case let .inflateFailed(reason):
            return at + "gzip_packed data could not be inflated: \(reason)"
        case let .inflatedTooLarge(limit):
            return at + "gzip_packed data inflates to more than \(limit) bytes"
        case let .invalidJSON(reason, offset):
            return at + "invalid JSON at byte \(offset): \(reason)"
        }
    }

    static func hex(_ id: UInt32) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    private static func didYouMean(_ names: [String]) -> String {
        names.isEmpty ? "" : "; did you mean " + names.map { "'\($0)'" }.joined(separator: ", ") + "?"
    }
}
