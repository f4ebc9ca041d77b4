import Foundation
import NIOCore

/// The talk with a SOCKS5 or HTTP proxy that turns its connection into a tunnel to the data
/// centre. Each failure is reported as what the proxy did.
struct ProxyHandshake {
    let proxy: Proxy
    let bytes: ChannelBytes
    /// What the handshake is waiting for, for a timeout message.
    let phase: PhaseRecorder

    func tunnel(to host: String, port: Int) async throws {
        switch proxy {
        case let .socks5(_, _, username, password):
            try await socks5(host: host, port: port, credentials: credentials(username, password))
        case let .http(_, _, username, password):
            try await httpConnect(host: host, port: port, credentials: credentials(username, password))
        case .mtproxy:
            return
        }
    }

    private func credentials(_ username: String?, _ password: String?) -> (String, String)? {
        guard let username else { return nil }
        return (username, password ?? "")
    }

    private var name: String { proxy.description }

    private func read(_ count: Int, during what: String) async throws -> [UInt8] {
        do {
            return try await bytes.read(exactly: count)
        } catch ConnectionError.closed {
            throw ConnectionError.proxyClosed(proxy: name, phase: what)
        }
    }

    private func write(_ data: [UInt8]) async throws {
        do { try await bytes.write(data).get() } catch { throw ConnectionError.proxyClosed(proxy: name, phase: phase.current) }
    }

    // MARK: SOCKS5 (RFC 1928, RFC 1929)

    private func socks5(host: String, port: Int, credentials: (String, String)?) async throws {
        phase.set("the SOCKS5 greeting with the \(name)")
        try await write(credentials == nil ? [0x05, 0x01, 0x00] : [0x05, 0x02, 0x00, 0x02])
        let choice = try await read(2, during: "the SOCKS5 greeting")
        guard choice[0] == 0x05 else {
            throw ConnectionError.proxyProtocolViolation(proxy: name, what: "greeting answered with version \(choice[0]), not 5")
        }
        switch choice[1] {
        case 0x00:
            break
        case 0x02:
            guard let (username, password) = credentials else { throw ConnectionError.proxyAuthenticationRequired(proxy: name) }
            let user = Array(username.utf8), pass = Array(password.utf8)
            guard (1...255).contains(user.count), pass.count <= 255 else {
                throw ConnectionError.unsupported("SOCKS5 usernames and passwords must be 1–255 and 0–255 bytes")
            }
            phase.set("SOCKS5 username/password authentication with the \(name)")
            try await write([0x01, UInt8(user.count)] + user + [UInt8(pass.count)] + pass)
            let status: [UInt8]
            do {
                status = try await bytes.read(exactly: 2)
            } catch ConnectionError.closed {
                throw ConnectionError.proxyAuthenticationRefused(proxy: name, reason: "it closed the connection after receiving the username and password")
            }
            guard status[1] == 0x00 else {
                throw ConnectionError.proxyAuthenticationRefused(proxy: name, reason: "status \(status[1])")
            }
        case 0xff:
            if credentials == nil { throw ConnectionError.proxyAuthenticationRequired(proxy: name) }
            throw ConnectionError.proxyAuthenticationRefused(proxy: name, reason: "it accepts none of the offered methods (no authentication, username/password)")
        default:
            throw ConnectionError.proxyProtocolViolation(proxy: name, what: "it chose authentication method \(choice[1]), which was not offered")
        }

        phase.set("the SOCKS5 connect request to \(host):\(port) through the \(name)")
        try await write([0x05, 0x01, 0x00] + (try socksAddress(host)) + [UInt8(port >> 8 & 0xff), UInt8(port & 0xff)])
        let reply = try await read(4, during: "the SOCKS5 connect request")
        guard reply[0] == 0x05 else {
            throw ConnectionError.proxyProtocolViolation(proxy: name, what: "connect answered with version \(reply[0]), not 5")
        }
        guard reply[1] == 0x00 else {
            throw ConnectionError.proxyReplyCode(proxy: name, code: Int(reply[1]), meaning: Self.socksReplyMeaning(reply[1]))
        }
        let addressLength: Int
        switch reply[3] {
        case 0x01: addressLength = 4
        case 0x04: addressLength = 16
        case 0x03: addressLength = Int(try await read(1, during: "the SOCKS5 connect reply")[0])
        default: throw ConnectionError.proxyProtocolViolation(proxy: name, what: "bound address type \(reply[3])")
        }
        _ = try await read(addressLength + 2, during: "the SOCKS5 connect reply")
    }

    /// An IP literal as itself (type 1 or 4), anything else as a name the proxy resolves (type 3).
    private func socksAddress(_ host: String) throws -> [UInt8] {
        if let v4 = IPv4Literal(host) { return [0x01] + v4 }
        if let v6 = IPv6Literal(host) { return [0x04] + v6 }
        let name = Array(host.utf8)
        guard (1...255).contains(name.count) else { throw ConnectionError.unsupported("a SOCKS5 host name must be 1–255 bytes") }
        return [0x03, UInt8(name.count)] + name
    }

    static func socksReplyMeaning(_ code: UInt8) -> String {
        switch code {
        case 1: return "general SOCKS server failure"
        case 2: return "connection not allowed by ruleset"
        case 3: return "network unreachable"
        case 4: return "host unreachable"
        case 5: return "connection refused"
        case 6: return "TTL expired"
        case 7: return "command not supported"
        case 8: return "address type not supported"
        default: return "unassigned code"
        }
    }

    // MARK: HTTP CONNECT

    private func httpConnect(host: String, port: Int, credentials: (String, String)?) async throws {
        phase.set("the HTTP CONNECT request to \(host):\(port) through the \(name)")
        let authority = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        var request = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let (username, password) = credentials {
            request += "Proxy-Authorization: Basic \(Data("\(username):\(password)".utf8).base64EncodedString())\r\n"
        }
        request += "\r\n"
        try await write(Array(request.utf8))
        let head: [UInt8]?
        do {
            head = try await bytes.read(through: Array("\r\n\r\n".utf8), limit: 16 * 1024)
        } catch ConnectionError.closed {
            throw ConnectionError.proxyClosed(proxy: name, phase: "the HTTP CONNECT request")
        }
        guard let head else { throw ConnectionError.proxyProtocolViolation(proxy: name, what: "response headers longer than 16 KiB") }
        let statusLine = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            throw ConnectionError.proxyProtocolViolation(proxy: name, what: "status line \"\(statusLine.prefix(80))\"")
        }
        let reason = parts.count > 2 ? parts[2] : ""
        switch code {
        case 200..<300:
            return
        case 407:
            if credentials == nil { throw ConnectionError.proxyAuthenticationRequired(proxy: name) }
            throw ConnectionError.proxyAuthenticationRefused(proxy: name, reason: "HTTP 407 \(reason)")
        default:
            throw ConnectionError.proxyReplyCode(proxy: name, code: code, meaning: reason.isEmpty ? "HTTP status" : reason)
        }
    }
}

/// The phase an opening connection is in, shared with the timeout that reports it.
final class PhaseRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String
    init(_ value: String) { self.value = value }
    var current: String { lock.withLock { value } }
    func set(_ new: String) { lock.withLock { value = new } }
}

func IPv4Literal(_ host: String) -> [UInt8]? {
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var out: [UInt8] = []
    for part in parts {
        guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
        out.append(value)
    }
    return out
}

func IPv6Literal(_ host: String) -> [UInt8]? {
    let text = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    guard text.contains(":") else { return nil }
    var address = in6_addr()
    guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
    return withUnsafeBytes(of: &address) { Array($0) }
}
