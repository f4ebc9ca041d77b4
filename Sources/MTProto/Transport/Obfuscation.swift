import MTCrypto

/// Obfuscated2: a 64-byte random header from which both AES-256-CTR stream keys are derived,
/// so the connection looks like random bytes. With an MTProxy secret, each key is hashed with
/// the secret; with a fake-TLS secret the stream also travels inside TLS application-data records.
public struct Obfuscation: Sendable, Equatable {
    /// The data centre number written into the header (see `headerDCID`); 0 leaves it unset.
    public var dcID: Int
    /// The MTProxy secret's 16-byte key, or `nil` for plain obfuscated2 to a data centre.
    public var secret: [UInt8]?
    /// Wrap the stream in TLS application-data records (MTProxy `ee` secrets).
    public var fakeTLS: Bool

    public init(dcID: Int = 0, secret: [UInt8]? = nil, fakeTLS: Bool = false) {
        self.dcID = dcID
        self.secret = secret
        self.fakeTLS = fakeTLS
    }

    /// Obfuscation for an MTProxy: its key, and fake-TLS records for an `ee` secret.
    public init(mtproxy: MTProxySecret, dcID: Int) {
        self.init(dcID: dcID, secret: mtproxy.key, fakeTLS: mtproxy.isFakeTLS)
    }

    /// The dc id as Telegram expects it in the header: +10000 for test servers, negative for media.
    public static func headerDCID(id: Int, isTest: Bool, isMedia: Bool) -> Int {
        let base = isTest ? id + 10000 : id
        return isMedia ? -base : base
    }

    /// First four header bytes a client must never send: they look like another protocol.
    static let reservedStarts: [[UInt8]] = [
        Array("HEAD".utf8), Array("POST".utf8), Array("GET ".utf8), Array("OPTI".utf8),
        [0xee, 0xee, 0xee, 0xee], [0xdd, 0xdd, 0xdd, 0xdd], [0x16, 0x03, 0x01, 0x02],
    ]

    static func isAllowedHeader(_ header: [UInt8]) -> Bool {
        header[0] != 0xef
            && !reservedStarts.contains(Array(header[0..<4]))
            && header[4..<8] != [0, 0, 0, 0]
    }

    /// The client's header and ciphers: `random` is drawn until it avoids the reserved starts.
    func makeClientHeader(tag: [UInt8], random: RandomSource) -> (header: [UInt8], encryptor: AESCTR, decryptor: AESCTR) {
        var header = random.bytes(64)
        var attempts = 0
        while !Self.isAllowedHeader(header) {
            attempts += 1
            header = random.bytes(64)
            if attempts > 64 { header[0] = 0x01; header[4] = 0x01; break }   // a broken random source must not loop forever
        }
        let (encryptor, decryptor) = Self.ciphers(header: header, secret: secret, forServer: false)
        header.replaceSubrange(56..<60, with: tag)
        let dc = Int16(truncatingIfNeeded: dcID)
        if dcID != 0 {
            header[60] = UInt8(truncatingIfNeeded: UInt16(bitPattern: dc))
            header[61] = UInt8(truncatingIfNeeded: UInt16(bitPattern: dc) >> 8)
        }
        let encrypted = encryptor.process(header)
        header.replaceSubrange(56..<64, with: encrypted[56..<64])
        return (header, encryptor, decryptor)
    }

    /// The two CTR ciphers a header implies. The client encrypts with the key in bytes 8..<40
    /// (IV 40..<56) and decrypts with the reverse of bytes 8..<56; the server the other way round.
    static func ciphers(header: [UInt8], secret: [UInt8]?, forServer: Bool) -> (encryptor: AESCTR, decryptor: AESCTR) {
        let forward = Array(header[8..<56])
        let backward = Array(forward.reversed())
        func cipher(_ material: [UInt8]) -> AESCTR {
            var key = Array(material[0..<32])
            if let secret { key = SHA256.hash(key + secret) }
            // Key 32 and IV 16 bytes by construction, so AESCTR cannot refuse them.
            return try! AESCTR(key: key, iv: Array(material[32..<48]))
        }
        let clientToServer = cipher(forward)
        let serverToClient = cipher(backward)
        return forServer ? (serverToClient, clientToServer) : (clientToServer, serverToClient)
    }

    /// The server's reading of a client header: protocol, dc id and ciphers, or why it is refused.
    static func readClientHeader(_ header: [UInt8], secret: [UInt8]?) throws -> (TransportProtocol, dcID: Int, encryptor: AESCTR, decryptor: AESCTR) {
        let (encryptor, decryptor) = ciphers(header: header, secret: secret, forServer: true)
        let plain = decryptor.process(header)
        let tag = Array(plain[56..<60])
        guard let transport = TransportProtocol.allCases.first(where: { $0.obfuscatedTag == tag }) else {
            throw TransportError.unknownObfuscatedTag(tag)
        }
        let dc = Int(Int16(bitPattern: UInt16(plain[60]) | UInt16(plain[61]) << 8))
        return (transport, dc, encryptor, decryptor)
    }
}
