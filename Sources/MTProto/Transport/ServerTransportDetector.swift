import Foundation
import MTCrypto

/// The server's view of a new connection: reads the client's first bytes and decides which
/// transport it speaks — a plain tag (abridged, intermediate, padded), full (no tag), obfuscated2,
/// or, with an MTProxy secret, obfuscated2 keyed by the secret (`dd`: padded only) or fake TLS
/// (`ee`: a signed ClientHello first). Buffers at most one TLS record or 64 bytes.
public struct ServerTransportDetector {
    public let mtproxySecret: MTProxySecret?
    /// How far a fake-TLS ClientHello's timestamp may be from `now()`, in seconds.
    public var maxClientHelloSkew: Int = 300
    public var maxFrameSize: Int

    private let replayGuard: MTProxyReplayGuard?
    private let now: () -> Date
    private let random: RandomSource
    private var buffer = ByteQueue()
    private var tlsReader: TLSRecordReader?
    private var tlsPayload: [UInt8] = []
    private var reply: [UInt8] = []

    /// - Parameters:
    ///   - mtproxySecret: serve as an MTProxy with this secret (then only its kind is accepted).
    ///   - replayGuard: shared by a server's connections, refuses MTProxy openings seen before.
    ///   - now: the clock fake-TLS timestamps are checked against.
    public init(mtproxySecret: MTProxySecret? = nil, maxFrameSize: Int = 16 << 20, replayGuard: MTProxyReplayGuard? = nil,
                now: @escaping () -> Date = Date.init, random: RandomSource = .secure) {
        self.mtproxySecret = mtproxySecret
        self.replayGuard = replayGuard
        self.maxFrameSize = maxFrameSize
        self.now = now
        self.random = random
    }

    /// Bytes the server must write now (the fake-TLS ServerHello), returned once.
    public mutating func takeReply() -> [UInt8] {
        defer { reply = [] }
        return reply
    }

    /// Feeds the client's bytes; `nil` until the transport is known, then its codec and the bytes
    /// after the opening (feed them to the codec). Throws when the opening is not one we accept.
    public mutating func feed(_ bytes: [UInt8]) throws -> (TransportCodec, leftover: [UInt8])? {
        guard let secret = mtproxySecret else {
            buffer.append(bytes)
            return try detectWithoutSecret()
        }
        if secret.isFakeTLS { return try detectFakeTLS(bytes, secret: secret) }
        buffer.append(bytes)
        guard buffer.count >= 64 else { return nil }
        return try obfuscated(header: buffer.read(64), secret: secret, leftover: buffer.readAll())
    }

    private mutating func detectWithoutSecret() throws -> (TransportCodec, leftover: [UInt8])? {
        guard buffer.count >= 1 else { return nil }
        if buffer[0] == 0xef {
            buffer.skip(1)
            return (plainCodec(.abridged), buffer.readAll())
        }
        for transport in [TransportProtocol.intermediate, .paddedIntermediate] where buffer[0] == transport.plainTag[0] {
            guard buffer.count >= 4 else { return nil }
            if buffer.peek(0..<4) == transport.plainTag {
                buffer.skip(4)
                return (plainCodec(transport), buffer.readAll())
            }
        }
        guard buffer.count >= 8 else { return nil }
        // A full frame starts with sequence number 0; an obfuscated2 header never has zeros there.
        if buffer.peek(4..<8) == [0, 0, 0, 0] { return (plainCodec(.full), buffer.readAll()) }
        guard buffer.count >= 64 else { return nil }
        return try obfuscated(header: buffer.read(64), secret: nil, leftover: buffer.readAll())
    }

    private func plainCodec(_ transport: TransportProtocol) -> TransportCodec {
        TransportCodec(serverFor: transport, obfuscation: nil, headerDCID: nil, encryptor: nil, decryptor: nil,
                       maxFrameSize: maxFrameSize, random: random)
    }

    private func obfuscated(header: [UInt8], secret: MTProxySecret?, leftover: [UInt8]) throws -> (TransportCodec, leftover: [UInt8]) {
        if secret == nil, !Obfuscation.isAllowedHeader(header) {
            throw TransportError.unknownProtocol(firstBytes: Array(header[0..<8]))
        }
        let (transport, dcID, encryptor, decryptor) = try Obfuscation.readClientHeader(header, secret: secret?.key)
        if secret != nil, let replayGuard, !replayGuard.firstSight(Array(header[8..<56])) { throw TransportError.replayedHandshake }
        if secret?.kind == .paddedIntermediate, transport != .paddedIntermediate {
            throw TransportError.protocolNotAllowed(transport, reason: "a dd MTProxy secret allows only padded intermediate")
        }
        let obfuscation = Obfuscation(dcID: dcID, secret: secret?.key, fakeTLS: secret?.isFakeTLS ?? false)
        let codec = TransportCodec(serverFor: transport, obfuscation: obfuscation, headerDCID: dcID, encryptor: encryptor,
                                   decryptor: decryptor, maxFrameSize: maxFrameSize, random: random)
        return (codec, leftover)
    }

    private mutating func detectFakeTLS(_ bytes: [UInt8], secret: MTProxySecret) throws -> (TransportCodec, leftover: [UInt8])? {
        if tlsReader == nil {
            buffer.append(bytes)
            guard buffer.count >= 5 else { return nil }
            guard buffer.peek(0..<3) == [0x16, 0x03, 0x01] else {
                throw TransportError.unknownProtocol(firstBytes: buffer.peek(0..<min(8, buffer.count)))
            }
            let length = Int(buffer[3]) << 8 | Int(buffer[4])
            guard length <= FakeTLS.maxRecordPayload else {
                throw TransportError.tlsRecordTooLarge(size: length, limit: FakeTLS.maxRecordPayload)
            }
            guard buffer.count >= 5 + length else { return nil }
            let hello = buffer.read(5 + length)
            let sessionID = try checkClientHello(hello, secret: secret)
            let digest = Array(hello[FakeTLS.randomOffset..<(FakeTLS.randomOffset + 32)])
            if let replayGuard, !replayGuard.firstSight(digest) { throw TransportError.replayedHandshake }
            reply = FakeTLS.serverHello(key: secret.key, clientDigest: digest, sessionID: sessionID, random: random)
            tlsReader = TLSRecordReader()
            tlsPayload = try tlsReader!.feed(buffer.readAll())
        } else {
            tlsPayload += try tlsReader!.feed(bytes)
        }
        guard tlsPayload.count >= 64 else { return nil }
        let afterHeader = Array(tlsPayload[64...])
        var leftover = afterHeader.isEmpty ? [] : FakeTLS.wrap(afterHeader, changeCipherSpecFirst: false)
        leftover += tlsReader!.takeUnread()
        return try obfuscated(header: Array(tlsPayload[0..<64]), secret: secret, leftover: leftover)
    }

    /// Checks the hello's digest, timestamp and domain; returns its session id to echo.
    private func checkClientHello(_ hello: [UInt8], secret: MTProxySecret) throws -> [UInt8] {
        let parsed = try ClientHelloFields(hello)
        var zeroed = hello
        let range = FakeTLS.randomOffset..<(FakeTLS.randomOffset + 32)
        let got = Array(hello[range])
        zeroed.replaceSubrange(range, with: [UInt8](repeating: 0, count: 32))
        let expected = HMACSHA256.authenticate(key: secret.key, data: zeroed)
        guard expected[0..<28] == got[0..<28] else { throw TransportError.badClientHelloDigest }
        var timestamp: UInt32 = 0
        for i in 0..<4 { timestamp |= UInt32(expected[28 + i] ^ got[28 + i]) << (8 * UInt32(i)) }
        let skew = Int(Int64(timestamp) - Int64(now().timeIntervalSince1970))
        guard abs(skew) <= maxClientHelloSkew else { throw TransportError.clientHelloTimestampOutOfRange(skew: skew) }
        if let domain = secret.domain, parsed.serverName?.lowercased() != domain.lowercased() {
            throw TransportError.unexpectedTLSDomain(got: parsed.serverName ?? "")
        }
        return parsed.sessionID
    }
}

/// The fields of a ClientHello record the proxy needs: the session id and the SNI host name.
struct ClientHelloFields {
    var sessionID: [UInt8] = []
    var serverName: String?

    init(_ record: [UInt8]) throws {
        var reader = BoundedReader(record)
        let recordHeader = try reader.take(5)
        guard recordHeader[0] == 0x16 else { throw TransportError.malformedClientHello("not a handshake record") }
        let handshakeHeader = try reader.take(4)
        guard handshakeHeader[0] == 0x01 else { throw TransportError.malformedClientHello("handshake type \(handshakeHeader[0]) is not ClientHello") }
        _ = try reader.take(2 + 32)
        sessionID = try reader.take(Int(try reader.take(1)[0]))
        _ = try reader.take(try reader.uint16())
        _ = try reader.take(Int(try reader.take(1)[0]))
        var extensions = BoundedReader(try reader.take(try reader.uint16()))
        while !extensions.isAtEnd {
            let type = try extensions.uint16()
            var body = BoundedReader(try extensions.take(try extensions.uint16()))
            guard type == 0x0000 else { continue }
            var list = BoundedReader(try body.take(try body.uint16()))
            while !list.isAtEnd {
                let nameType = try list.take(1)[0]
                let name = try list.take(try list.uint16())
                if nameType == 0 { serverName = String(decoding: name, as: UTF8.self) }
            }
        }
    }
}

/// Reads forward through bytes, throwing instead of reading past the end.
struct BoundedReader {
    private let bytes: [UInt8]
    private var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func take(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= bytes.count else { throw TransportError.malformedClientHello("a length runs past the end of the record") }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    mutating func uint16() throws -> Int {
        let b = try take(2)
        return Int(b[0]) << 8 | Int(b[1])
    }
}
