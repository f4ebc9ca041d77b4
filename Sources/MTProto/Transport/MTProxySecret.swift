import Foundation

/// An MTProxy secret: 16 key bytes, optionally prefixed `dd` (padded intermediate only) or
/// `ee` and followed by a domain (fake TLS). Printing it never shows the key.
public struct MTProxySecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum Kind: Sendable, Equatable {
        /// 16 bytes: obfuscated2 with the key, any protocol tag.
        case plain
        /// `dd` + 16 bytes: obfuscated2 with the key, padded intermediate only.
        case paddedIntermediate
        /// `ee` + 16 bytes + domain: fake TLS to look like HTTPS to `domain`.
        case fakeTLS(domain: String)
    }

    public let key: [UInt8]
    public let kind: Kind

    public init(key: [UInt8], kind: Kind) throws {
        guard key.count == 16 else { throw TransportError.invalidMTProxySecret("the key must be 16 bytes, got \(key.count)") }
        if case .fakeTLS(let domain) = kind { try Self.checkDomain(domain) }
        self.key = key
        self.kind = kind
    }

    /// Parses a secret as hex (`0123…`, `dd…`, `ee…` + hex domain) or base64url (as in links).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw TransportError.invalidMTProxySecret("it is empty") }
        // Some base64url secrets are made of hex digits only: when hex gives no valid secret, try base64url.
        let candidates = [Self.hexBytes(trimmed), Self.base64URLBytes(trimmed)].compactMap { $0 }
        guard !candidates.isEmpty else {
            throw TransportError.invalidMTProxySecret("it is neither hex nor base64url (\(trimmed.count) characters)")
        }
        var firstError: Error?
        for bytes in candidates {
            do {
                try self.init(bytes: bytes)
                return
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError!
    }

    /// The binary form: 16 bytes, 0xdd + 16, or 0xee + 16 + domain.
    public init(bytes: [UInt8]) throws {
        switch bytes.first {
        case _ where bytes.count == 16:
            try self.init(key: bytes, kind: .plain)
        case 0xdd where bytes.count == 17:
            try self.init(key: Array(bytes[1...]), kind: .paddedIntermediate)
        case 0xee where bytes.count > 17:
            guard let domain = String(bytes: bytes[17...], encoding: .utf8) else {
                throw TransportError.invalidMTProxySecret("the fake-TLS domain is not UTF-8")
            }
            try self.init(key: Array(bytes[1..<17]), kind: .fakeTLS(domain: domain))
        case 0xee:
            throw TransportError.invalidMTProxySecret("an ee (fake-TLS) secret needs a domain after its 16 key bytes")
        default:
            throw TransportError.invalidMTProxySecret("expected 16 bytes, dd + 16 bytes, or ee + 16 bytes + domain; got \(bytes.count) bytes")
        }
    }

    public var isFakeTLS: Bool { if case .fakeTLS = kind { return true } else { return false } }

    /// The fake-TLS domain, if any.
    public var domain: String? { if case .fakeTLS(let domain) = kind { return domain } else { return nil } }

    /// The binary form (prefix, key, domain).
    public var bytes: [UInt8] {
        switch kind {
        case .plain: return key
        case .paddedIntermediate: return [0xdd] + key
        case .fakeTLS(let domain): return [0xee] + key + Array(domain.utf8)
        }
    }

    /// The secret as hex, as MTProxy configurations write it.
    public var hex: String { hexString(bytes) }

    public var description: String {
        switch kind {
        case .plain: return "MTProxySecret(plain, key hidden)"
        case .paddedIntermediate: return "MTProxySecret(dd, key hidden)"
        case .fakeTLS(let domain): return "MTProxySecret(ee, domain \(domain), key hidden)"
        }
    }

    public var debugDescription: String { description }

    /// `dump` and debuggers see the kind, never the key.
    public var customMirror: Mirror { Mirror(self, children: ["secret": description]) }

    private static func checkDomain(_ domain: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_".unicodeScalars)
        guard !domain.isEmpty, domain.utf8.count <= 253, domain.unicodeScalars.allSatisfy(allowed.contains) else {
            throw TransportError.invalidMTProxySecret("the fake-TLS domain is not a host name")
        }
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = hexValue(digits[i]), let low = hexValue(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func base64URLBytes(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.hasSuffix("=") { standard.removeLast() }
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map { Array($0) }
    }
}

/// An MTProxy share link: `tg://proxy?server=…&port=…&secret=…` or `https://t.me/proxy?…`.
public struct MTProxyLink: Sendable, Equatable {
    public let server: String
    public let port: Int
    public let secret: MTProxySecret

    public init(server: String, port: Int, secret: MTProxySecret) {
        self.server = server
        self.port = port
        self.secret = secret
    }

    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw TransportError.invalidProxyLink("not a URL")
        }
        switch scheme {
        case "tg":
            guard components.host?.lowercased() == "proxy" else { throw TransportError.invalidProxyLink("a tg:// link must be tg://proxy?…") }
        case "https", "http":
            let host = components.host?.lowercased() ?? ""
            guard ["t.me", "telegram.me"].contains(host), components.path == "/proxy" else {
                throw TransportError.invalidProxyLink("a web link must be https://t.me/proxy?…")
            }
        default:
            throw TransportError.invalidProxyLink("unsupported scheme \(scheme)")
        }
        var fields: [String: String] = [:]
        for item in components.queryItems ?? [] { fields[item.name.lowercased()] = item.value ?? "" }
        guard let server = fields["server"], !server.isEmpty else { throw TransportError.invalidProxyLink("the server parameter is missing") }
        guard let portText = fields["port"], let port = Int(portText), (1...65535).contains(port) else {
            throw TransportError.invalidProxyLink("the port parameter is missing or not 1–65535")
        }
        guard let secretText = fields["secret"] else { throw TransportError.invalidProxyLink("the secret parameter is missing") }
        self.init(server: server, port: port, secret: try MTProxySecret(parsing: secretText))
    }
}
