import MTCrypto

/// The MTProto TCP framings Telegram servers accept. Each names how one packet's length is written.
public enum TransportProtocol: String, Sendable, CaseIterable, Equatable {
    /// `0xef`, then a 1- or 4-byte length in 32-bit words: the smallest overhead.
    case abridged
    /// `0xeeeeeeee`, then a 4-byte little-endian length before each packet.
    case intermediate
    /// `0xdddddddd`: intermediate with 0–3 random bytes after each packet (MTProxy `dd` secrets).
    case paddedIntermediate
    /// No tag: length, sequence number, packet and CRC32 of it all.
    case full

    /// The four bytes that name this protocol inside an obfuscated2 header; `nil` for full,
    /// which Telegram does not define over obfuscation.
    public var obfuscatedTag: [UInt8]? {
        switch self {
        case .abridged: return [0xef, 0xef, 0xef, 0xef]
        case .intermediate: return [0xee, 0xee, 0xee, 0xee]
        case .paddedIntermediate: return [0xdd, 0xdd, 0xdd, 0xdd]
        case .full: return nil
        }
    }

    /// What a client writes first on a plain (not obfuscated) connection.
    public var plainTag: [UInt8] {
        switch self {
        case .abridged: return [0xef]
        case .intermediate: return [0xee, 0xee, 0xee, 0xee]
        case .paddedIntermediate: return [0xdd, 0xdd, 0xdd, 0xdd]
        case .full: return []
        }
    }
}

/// Which end of the connection a codec serves; it decides direction-dependent details
/// (who writes the tag, which obfuscation key encrypts, whether 4-byte packets are errors).
public enum TransportRole: Sendable, Equatable {
    case client, server
}

/// What decoding incoming bytes produced.
public enum TransportEvent: Equatable, Sendable {
    /// One whole MTProto packet (framing, padding and checksum removed).
    case packet([UInt8])
    /// The server's 4-byte transport error instead of a packet, e.g. -404 (no such auth key)
    /// or -429 (too many connections). The server closes the connection after it.
    case transportError(code: Int32)
}

/// Where codecs get randomness: the operating system's by default; tests replay fixed bytes.
public struct RandomSource: @unchecked Sendable {
    private let generate: (Int) -> [UInt8]

    public init(_ generate: @escaping (Int) -> [UInt8]) { self.generate = generate }

    public func bytes(_ count: Int) -> [UInt8] { count <= 0 ? [] : generate(count) }

    /// Cryptographically secure bytes (MTCrypto's `SecureRandom`).
    public static let secure = RandomSource { SecureRandom.bytes($0) }

    /// Replays `chunks` in order, one per request (each must be as long as asked; when they run
    /// out or a length differs, the request is filled by a counter so tests fail visibly, not crash).
    public static func replaying(_ chunks: [[UInt8]]) -> RandomSource {
        let box = ReplayBox(chunks)
        return RandomSource { box.next($0) }
    }
}

private final class ReplayBox: @unchecked Sendable {
    private var chunks: [[UInt8]]
    private var index = 0
    init(_ chunks: [[UInt8]]) { self.chunks = chunks }
    func next(_ count: Int) -> [UInt8] {
        defer { index += 1 }
        if index < chunks.count, chunks[index].count == count { return chunks[index] }
        return (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ index) }
    }
}
