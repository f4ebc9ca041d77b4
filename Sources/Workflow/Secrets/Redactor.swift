import TL
import Foundation

/// Masks every registered secret, and its base64, hex, JSON-escaped and percent-encoded
/// forms, in any text before it is printed, logged or stored. The second line of
/// defence: secrecy is first enforced by types at validation.
public final class Redactor: @unchecked Sendable {
    public static let mask = "***"
    /// Values shorter than this are not masked (they would mask ordinary text); the
    /// type checker still keeps them out of plain sinks.
    public static let minimumLength = 4

    private let lock = NSLock()
    private var needles: [String] = []

    public init() {}

    /// Registers a secret value and its encodings.
    public func register(_ secret: String) {
        guard secret.count >= Self.minimumLength else { return }
        var forms: Set<String> = [secret]
        let bytes = Data(secret.utf8)
        let b64 = bytes.base64EncodedString()
        forms.insert(b64)
        forms.insert(b64.trimmingCharacters(in: CharacterSet(charactersIn: "=")))
        forms.insert(b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").trimmingCharacters(in: CharacterSet(charactersIn: "=")))
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        forms.insert(hex)
        forms.insert(hex.uppercased())
        let escaped = String(JSONValue.quoted(secret).dropFirst().dropLast())
        forms.insert(escaped)
        forms.insert(escaped.replacingOccurrences(of: "/", with: "\\/"))
        if let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { forms.insert(percent) }
        lock.lock()
        for f in forms where f.count >= Self.minimumLength && !needles.contains(f) { needles.append(f) }
        needles.sort { $0.count > $1.count }
        lock.unlock()
    }

    /// `text` with every registered form replaced by `***`.
    public func redact(_ text: String) -> String {
        lock.lock()
        let list = needles
        lock.unlock()
        var out = text
        for needle in list where out.contains(needle) {
            out = out.replacingOccurrences(of: needle, with: Self.mask)
        }
        return out
    }

    /// `value` with every string (keys included) redacted. Numbers are left alone, so the
    /// JSON stays valid even when a secret's digits happen to occur inside an id.
    public func redact(_ value: Value) -> Value {
        switch value {
        case .string(let s): return .string(redact(s))
        case .array(let items): return .array(items.map(redact))
        case .object(let o):
            var out: [String: Value] = [:]
            for (k, v) in o { out[redact(k)] = redact(v) }
            return .object(out)
        default: return value
        }
    }

    public var isEmpty: Bool {
        lock.lock(); defer { lock.unlock() }
        return needles.isEmpty
    }
}
