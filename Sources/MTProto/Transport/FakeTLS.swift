import Foundation
import MTCrypto

/// MTProxy's fake-TLS disguise (`ee` secrets): the client sends a TLS 1.3-looking ClientHello
/// whose random field is HMAC-SHA256(secret, hello with that field zeroed), its last four bytes
/// XORed with the Unix time; the proxy answers ServerHello, ChangeCipherSpec and one
/// application-data record, signed as HMAC-SHA256(secret, client digest + answer with its random
/// zeroed). After that the obfuscated2 stream travels in application-data records.
public enum FakeTLS {
    /// Byte offset of the 32-byte random field in a hello record (5 record + 4 handshake header + 2 version).
    public static let randomOffset = 11
    /// Size Telegram's clients pad the ClientHello record to.
    public static let clientHelloSize = 517
    /// Largest record payload we write; TLS allows 2^14.
    static let maxWritePayload = 1 << 14
    /// Largest record payload we accept (2^14 plus TLS 1.3's allowed expansion).
    public static let maxRecordPayload = (1 << 14) + 256
    /// The ChangeCipherSpec record a client sends before its first application data.
    static let changeCipherSpec: [UInt8] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01]

    /// A ClientHello for `domain`, signed with the 16-byte `key` at Unix time `timestamp`.
    public static func clientHello(key: [UInt8], domain: String, timestamp: UInt32, random: RandomSource) -> [UInt8] {
        var body: [UInt8] = [0x03, 0x03]                                 // legacy version TLS 1.2
        body += [UInt8](repeating: 0, count: 32)                           // random, signed below
        body += [0x20] + random.bytes(32)                                  // session id
        let suites: [UInt16] = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
        body += be16(suites.count * 2) + suites.flatMap(be16)
        body += [0x01, 0x00]                                               // compression: null only

        let name = Array(domain.utf8)
        var extensions: [UInt8] = []
        extensions += tlsExtension(0x0000, be16(name.count + 3) + [0x00] + be16(name.count) + name)   // server_name
        extensions += tlsExtension(0x0017, [])                                                       // extended_master_secret
        extensions += tlsExtension(0xff01, [0x00])                                                   // renegotiation_info
        extensions += tlsExtension(0x000a, be16(6) + be16(0x001d) + be16(0x0017) + be16(0x0018))     // supported_groups
        extensions += tlsExtension(0x000b, [0x01, 0x00])                                             // ec_point_formats
        extensions += tlsExtension(0x0023, [])                                                       // session_ticket
        let alpn: [UInt8] = [0x02] + Array("h2".utf8) + [0x08] + Array("http/1.1".utf8)
        extensions += tlsExtension(0x0010, be16(alpn.count) + alpn)                                  // ALPN
        let signatures: [UInt16] = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
        extensions += tlsExtension(0x000d, be16(signatures.count * 2) + signatures.flatMap(be16))    // signature_algorithms
        let share = be16(0x001d) + be16(32) + random.bytes(32)
        extensions += tlsExtension(0x0033, be16(share.count) + share)                                // key_share x25519
        extensions += tlsExtension(0x002d, [0x01, 0x01])                                             // psk_key_exchange_modes
        extensions += tlsExtension(0x002b, [0x04] + be16(0x0304) + be16(0x0303))                     // supported_versions

        // Pad (extension 0x0015) so the whole record is `clientHelloSize` bytes, as Telegram's clients do.
        let fixed = 5 + 4 + body.count + 2 + extensions.count
        let paddingLength = max(0, clientHelloSize - fixed - 4)
        extensions += tlsExtension(0x0015, [UInt8](repeating: 0, count: paddingLength))
        body += be16(extensions.count) + extensions

        let handshake: [UInt8] = [0x01] + be24(body.count) + body
        var record: [UInt8] = [0x16, 0x03, 0x01] + be16(handshake.count) + handshake
        let digest = HMACSHA256.authenticate(key: key, data: record)
        var signed = digest
        for i in 0..<4 { signed[28 + i] ^= UInt8(truncatingIfNeeded: timestamp >> (8 * UInt32(i))) }
        record.replaceSubrange(randomOffset..<(randomOffset + 32), with: signed)
        return record
    }

    /// The proxy's answer to a ClientHello: ServerHello echoing the session id, ChangeCipherSpec,
    /// and an application-data record of random bytes, signed over the client's digest.
    public static func serverHello(key: [UInt8], clientDigest: [UInt8], sessionID: [UInt8], random: RandomSource) -> [UInt8] {
        var hello: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0, count: 32)
        hello += [UInt8(sessionID.count)] + sessionID
        hello += be16(0x1301) + [0x00]
        let share = be16(0x001d) + be16(32) + random.bytes(32)
        let extensions = tlsExtension(0x0033, share) + tlsExtension(0x002b, be16(0x0304))
        hello += be16(extensions.count) + extensions
        let handshake: [UInt8] = [0x02] + be24(hello.count) + hello
        var answer: [UInt8] = [0x16, 0x03, 0x03] + be16(handshake.count) + handshake
        answer += changeCipherSpec
        let lengthBytes = random.bytes(2)
        let fakeLength = 1024 + (Int(lengthBytes.first ?? 0) << 8 | Int(lengthBytes.last ?? 0)) % 3072
        answer += [0x17, 0x03, 0x03] + be16(fakeLength) + random.bytes(fakeLength)
        let digest = HMACSHA256.authenticate(key: key, data: clientDigest + answer)
        answer.replaceSubrange(randomOffset..<(randomOffset + 32), with: digest)
        return answer
    }

    /// Splits `data` into application-data records (the first preceded by ChangeCipherSpec when asked).
    static func wrap(_ data: [UInt8], changeCipherSpecFirst: Bool) -> [UInt8] {
        var out: [UInt8] = changeCipherSpecFirst ? changeCipherSpec : []
        out.reserveCapacity(out.count + data.count + 5 * (data.count / maxWritePayload + 1))
        var start = 0
        repeat {
            let end = min(data.count, start + maxWritePayload)
            out += [0x17, 0x03, 0x03] + be16(end - start)
            out += data[start..<end]
            start = end
        } while start < data.count
        return out
    }

    static func be16(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
    static func be16(_ value: UInt16) -> [UInt8] { be16(Int(value)) }
    static func be24(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 16)] + be16(value) }
    static func tlsExtension(_ type: UInt16, _ data: [UInt8]) -> [UInt8] { be16(type) + be16(data.count) + data }
}

/// Reads TLS records from a byte stream: application data is returned, a client's single
/// ChangeCipherSpec is skipped, anything else is refused.
struct TLSRecordReader {
    private var buffer = ByteQueue()

    mutating func feed(_ bytes: [UInt8]) throws -> [UInt8] {
        buffer.append(bytes)
        var payload: [UInt8] = []
        while buffer.count >= 5 {
            let type = buffer[0]
            let version = UInt16(buffer[1]) << 8 | UInt16(buffer[2])
            let length = Int(buffer[3]) << 8 | Int(buffer[4])
            guard version == 0x0303 else { throw TransportError.unexpectedTLSRecord(type: type, version: version) }
            guard length <= FakeTLS.maxRecordPayload else { throw TransportError.tlsRecordTooLarge(size: length, limit: FakeTLS.maxRecordPayload) }
            guard buffer.count >= 5 + length else { break }
            switch type {
            case 0x17:
                buffer.skip(5)
                payload += buffer.read(length)
            case 0x14 where length == 1 && buffer[5] == 0x01:
                buffer.skip(6)
            default:
                throw TransportError.unexpectedTLSRecord(type: type, version: version)
            }
        }
        return payload
    }

    /// Bytes received but not yet a whole record.
    mutating func takeUnread() -> [UInt8] { buffer.readAll() }
}

/// The client side of the fake-TLS greeting, sans-IO: write `clientHello`, feed what the proxy
/// answers until `feed` returns the bytes after a verified ServerHello (usually none).
public struct FakeTLSClientHandshake {
    public let clientHello: [UInt8]
    private let key: [UInt8]
    private var received = ByteQueue()

    /// - Parameter now: the clock whose Unix time is signed into the hello.
    public init(secret: MTProxySecret, now: Date, random: RandomSource = .secure) {
        key = secret.key
        let time = UInt32(truncatingIfNeeded: Int64(now.timeIntervalSince1970))
        clientHello = FakeTLS.clientHello(key: secret.key, domain: secret.domain ?? "", timestamp: time, random: random)
    }

    var clientDigest: [UInt8] { Array(clientHello[FakeTLS.randomOffset..<(FakeTLS.randomOffset + 32)]) }

    /// `nil` while the answer is incomplete; then the bytes that followed it. Throws when the
    /// answer is not a ServerHello signed with the secret.
    public mutating func feed(_ bytes: [UInt8]) throws -> [UInt8]? {
        received.append(bytes)
        let expectedTypes: [UInt8] = [0x16, 0x14, 0x17]
        var offset = 0
        for type in expectedTypes {
            guard received.count >= offset + 5 else { return nil }
            guard received[offset] == type, received[offset + 1] == 0x03, received[offset + 2] == 0x03 else {
                throw TransportError.malformedServerHello("record \(offset == 0 ? "ServerHello" : "after ServerHello") has type 0x\(String(received[offset], radix: 16)), expected 0x\(String(type, radix: 16))")
            }
            let length = Int(received[offset + 3]) << 8 | Int(received[offset + 4])
            guard length <= FakeTLS.maxRecordPayload else { throw TransportError.tlsRecordTooLarge(size: length, limit: FakeTLS.maxRecordPayload) }
            offset += 5 + length
        }
        guard received.count >= offset else { return nil }
        guard offset >= FakeTLS.randomOffset + 32 else { throw TransportError.malformedServerHello("too short") }
        var answer = received.read(offset)
        let got = Array(answer[FakeTLS.randomOffset..<(FakeTLS.randomOffset + 32)])
        answer.replaceSubrange(FakeTLS.randomOffset..<(FakeTLS.randomOffset + 32), with: [UInt8](repeating: 0, count: 32))
        guard HMACSHA256.authenticate(key: key, data: clientDigest + answer) == got else {
            throw TransportError.badServerHelloDigest
        }
        return received.readAll()
    }
}
