import Foundation
import TGClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Telethon's StringSession: `'1'` + urlsafe base64 (with padding) of
/// `dc_id (u8) | ip (4 or 16 bytes) | port (u16 BE) | auth_key (256 bytes)`.
public struct StringSession: Sendable, Equatable, CustomStringConvertible {
    public var dc: DCAddress
    public var authKey: [UInt8]

    public init(dc: DCAddress, authKey: [UInt8]) {
        self.dc = dc
        self.authKey = authKey
    }

    /// Never prints the key.
    public var description: String { "StringSession(\(dc))" }

    /// Parses a string produced by Telethon's `StringSession.save()` or `encoded`.
    public init(parsing text: String) throws {
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = s.first else { throw SessionStoreError.invalidStringSession(reason: "it is empty") }
        guard first == "1" else { throw SessionStoreError.invalidStringSession(reason: "version '\(first)' is not '1'") }
        var b64 = String(s.dropFirst()).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else {
            throw SessionStoreError.invalidStringSession(reason: "the text after '1' is not urlsafe base64")
        }
        let bytes = [UInt8](data)
        let ipLength: Int
        switch bytes.count {
        case 1 + 4 + 2 + 256: ipLength = 4
        case 1 + 16 + 2 + 256: ipLength = 16
        default: throw SessionStoreError.invalidStringSession(reason: "it decodes to \(bytes.count) bytes, not 263 or 275")
        }
        let ip = Array(bytes[1..<(1 + ipLength)])
        let port = Int(bytes[1 + ipLength]) << 8 | Int(bytes[2 + ipLength])
        let key = Array(bytes[(3 + ipLength)...])
        let host = try StringSession.format(ip: ip)
        guard bytes[0] != 0 else { throw SessionStoreError.invalidStringSession(reason: "data centre id 0") }
        self.dc = DCAddress(id: Int(bytes[0]), host: host, port: port, isIPv6: ipLength == 16)
        self.authKey = key
    }

    /// The string Telethon's `StringSession(...)` accepts.
    public func encoded() throws -> String {
        guard authKey.count == 256 else { throw SessionStoreError.notExportable(reason: "the auth key is \(authKey.count) bytes, not 256") }
        guard (1...255).contains(dc.id) else { throw SessionStoreError.notExportable(reason: "data centre id \(dc.id) does not fit a byte") }
        guard (0...65535).contains(dc.port) else { throw SessionStoreError.notExportable(reason: "port \(dc.port) is out of range") }
        guard let ip = StringSession.pack(ip: dc.host) else {
            throw SessionStoreError.notExportable(reason: "home address '\(dc.host)' is not an IP address")
        }
        let bytes = [UInt8(dc.id)] + ip + [UInt8(dc.port >> 8), UInt8(dc.port & 0xff)] + authKey
        return "1" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// Reads the home DC and its key from a session.
    public init(from session: SessionStorage) throws {
        guard let home = try session.home() else { throw SessionStoreError.notExportable(reason: "it has no home data centre yet") }
        guard let key = try session.authKey(dc: home.id) else { throw SessionStoreError.notExportable(reason: "it has no auth key (not connected yet)") }
        self.init(dc: home, authKey: key)
    }

    /// Writes the home DC and key into a session (file or memory).
    public func apply(to session: SessionStorage) throws {
        try session.setHome(dc)
        try session.setAuthKey(authKey.allSatisfy { $0 == 0 } ? nil : authKey, dc: dc.id)
    }

    /// A fresh in-memory session holding this string session.
    public func memorySession() throws -> MemorySession {
        let session = MemorySession()
        try apply(to: session)
        return session
    }

    static func pack(ip host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func format(ip: [UInt8]) throws -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = ip.count == 4 ? AF_INET : AF_INET6
        let ok = ip.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { throw SessionStoreError.invalidStringSession(reason: "bad IP address bytes") }
        return String(cString: buffer)
    }
}
