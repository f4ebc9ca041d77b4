/// Why incoming transport bytes were refused. Every case except `invalidMTProxySecret` and
/// `invalidProxyLink` (which come from parsing configuration) means the byte stream can no
/// longer be trusted: the connection must be closed.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A full-transport frame's CRC32 did not match its bytes: corruption or a wrong peer.
    case badCRC(expected: UInt32, got: UInt32)
    /// A full-transport frame carried sequence number `got` where `expected` was due:
    /// a frame was lost, repeated or injected.
    case badSequenceNumber(expected: Int32, got: Int32)
    /// A frame announced `size` bytes, more than the codec's `limit`; refused before buffering it.
    case frameTooLarge(size: Int, limit: Int)
    /// A length field was negative (e.g. a 2 GB length `0x80000000`).
    case negativeLength(Int)
    /// A frame was shorter than its framing allows (full transport needs at least 12 bytes).
    case frameTooSmall(size: Int, minimum: Int)
    /// An abridged length byte with the quick-ack bit came from the server, which we never ask for.
    case unexpectedQuickAck
    /// The first bytes a client sent name no transport this server speaks (shown in hex).
    case unknownProtocol(firstBytes: [UInt8])
    /// An obfuscated2 header decrypted to an unknown protocol tag: wrong MTProxy secret or garbage.
    case unknownObfuscatedTag([UInt8])
    /// This protocol has no obfuscated2 tag (full) or is not allowed with this MTProxy secret kind.
    case protocolNotAllowed(TransportProtocol, reason: String)
    /// A TLS record of a type or version fake-TLS does not use (type 0x17 application data expected).
    case unexpectedTLSRecord(type: UInt8, version: UInt16)
    /// A TLS record longer than TLS allows (16 KiB plus overhead).
    case tlsRecordTooLarge(size: Int, limit: Int)
    /// The fake-TLS ClientHello's HMAC digest did not match the secret: not an MTProxy client of ours.
    case badClientHelloDigest
    /// The fake-TLS ClientHello's timestamp was `skew` seconds away from our clock (replay or clock off).
    case clientHelloTimestampOutOfRange(skew: Int)
    /// The fake-TLS ClientHello named `got` instead of the secret's domain.
    case unexpectedTLSDomain(got: String)
    /// The fake-TLS ClientHello was not a well-formed ClientHello (what was wrong).
    case malformedClientHello(String)
    /// The proxy's ServerHello did not carry the HMAC of our hello: not the MTProxy the secret is for.
    case badServerHelloDigest
    /// The proxy's answer to the ClientHello was not ServerHello, ChangeCipherSpec, application data.
    case malformedServerHello(String)
    /// An MTProxy opening (ClientHello or obfuscated2 header) identical to one seen before:
    /// a replayed handshake, as active probes send.
    case replayedHandshake
    /// An MTProxy secret that could not be parsed (why; the secret itself is never shown).
    case invalidMTProxySecret(String)
    /// A `tg://proxy` or `https://t.me/proxy` link that could not be parsed (why).
    case invalidProxyLink(String)

    public var description: String {
        switch self {
        case let .badCRC(expected, got):
            return "transport frame failed its CRC32 check (expected \(hex32(expected)), got \(hex32(got))); the connection is corrupt and was closed"
        case let .badSequenceNumber(expected, got):
            return "transport frame had sequence number \(got), expected \(expected); a frame was lost or injected"
        case let .frameTooLarge(size, limit):
            return "transport frame of \(size) bytes exceeds the limit of \(limit) bytes; refused"
        case let .negativeLength(length):
            return "transport frame announced a negative length (\(length)); the peer is not speaking this transport"
        case let .frameTooSmall(size, minimum):
            return "transport frame of \(size) bytes is shorter than the minimum \(minimum)"
        case .unexpectedQuickAck:
            return "server sent a quick acknowledgement that was never requested"
        case let .unknownProtocol(bytes):
            return "client's first bytes \(hexString(bytes)) name no known MTProto transport"
        case let .unknownObfuscatedTag(tag):
            return "obfuscated2 header decrypted to unknown protocol tag \(hexString(tag)) (wrong MTProxy secret?)"
        case let .protocolNotAllowed(proto, reason):
            return "transport \(proto.rawValue) not allowed here: \(reason)"
        case let .unexpectedTLSRecord(type, version):
            return "unexpected TLS record type 0x\(String(type, radix: 16)) version 0x\(String(version, radix: 16)) in a fake-TLS stream"
        case let .tlsRecordTooLarge(size, limit):
            return "TLS record of \(size) bytes exceeds \(limit)"
        case .badClientHelloDigest:
            return "fake-TLS ClientHello digest does not match the MTProxy secret"
        case let .clientHelloTimestampOutOfRange(skew):
            return "fake-TLS ClientHello timestamp is \(skew) s away from the server clock; check the client's clock"
        case let .unexpectedTLSDomain(got):
            return "fake-TLS ClientHello is for domain \"\(got)\", not the secret's domain"
        case let .malformedClientHello(why):
            return "malformed fake-TLS ClientHello: \(why)"
        case .badServerHelloDigest:
            return "the proxy's TLS ServerHello is not signed with the MTProxy secret: wrong secret, or not an MTProxy"
        case let .malformedServerHello(why):
            return "malformed fake-TLS ServerHello from the proxy: \(why)"
        case .replayedHandshake:
            return "MTProxy handshake replayed (seen before); refused"
        case let .invalidMTProxySecret(why):
            return "invalid MTProxy secret: \(why)"
        case let .invalidProxyLink(why):
            return "invalid proxy link: \(why)"
        }
    }
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
