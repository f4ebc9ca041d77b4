import MTCrypto

/// One end of an MTProto transport, sans-IO: packets in, bytes to write out; bytes read in,
/// packets out. Layers, outermost first: fake-TLS records, obfuscated2 AES-256-CTR, framing.
/// The same type serves client and server; a server's codec for an obfuscated or MTProxy
/// connection must come from `ServerTransportDetector`, which reads the keys from the client's header.
public struct TransportCodec {
    public let transportProtocol: TransportProtocol
    public let role: TransportRole
    public let obfuscation: Obfuscation?
    public let maxFrameSize: Int
    /// The dc id a client wrote into its obfuscated2 header (server side), if it was obfuscated.
    public private(set) var headerDCID: Int?

    private var framing: Framing
    private let random: RandomSource
    private var encryptor: AESCTR?
    private var decryptor: AESCTR?
    private var tlsReader: TLSRecordReader?
    private var received = ByteQueue()
    private var handshakeDone = false
    private var refusal: TransportError?

    /// - Parameters:
    ///   - maxFrameSize: the largest packet accepted; longer announced lengths are refused unread.
    ///   - random: where padding and the obfuscated2 header come from (tests replay fixed bytes).
    public init(protocol transportProtocol: TransportProtocol, role: TransportRole, obfuscation: Obfuscation? = nil,
                maxFrameSize: Int = 16 << 20, random: RandomSource = .secure) {
        self.transportProtocol = transportProtocol
        self.role = role
        self.obfuscation = obfuscation
        self.maxFrameSize = maxFrameSize
        self.random = random
        framing = Framing(transport: transportProtocol, role: role, maxFrameSize: maxFrameSize)
        if obfuscation != nil, transportProtocol.obfuscatedTag == nil {
            refusal = .protocolNotAllowed(transportProtocol, reason: "Telegram defines no obfuscated2 tag for the full transport")
        }
    }

    /// The server's codec after `ServerTransportDetector` read the client's opening.
    init(serverFor transportProtocol: TransportProtocol, obfuscation: Obfuscation?, headerDCID: Int?,
         encryptor: AESCTR?, decryptor: AESCTR?, maxFrameSize: Int, random: RandomSource) {
        self.init(protocol: transportProtocol, role: .server, obfuscation: obfuscation, maxFrameSize: maxFrameSize, random: random)
        self.encryptor = encryptor
        self.decryptor = decryptor
        self.headerDCID = headerDCID
        handshakeDone = true
        if obfuscation?.fakeTLS == true { tlsReader = TLSRecordReader() }
    }

    /// Whether `init` was given a combination that cannot work (full over obfuscation); `feed`
    /// throws it and `encode` writes nothing.
    public var configurationError: TransportError? { refusal }

    /// What a client writes first: the protocol tag, or the 64-byte obfuscated2 header (in a
    /// TLS record after ChangeCipherSpec for fake TLS). Empty for a server, and after the first call.
    public mutating func handshake() -> [UInt8] {
        guard role == .client, !handshakeDone, refusal == nil else { return [] }
        handshakeDone = true
        guard let obfuscation, let tag = transportProtocol.obfuscatedTag else { return transportProtocol.plainTag }
        let (header, encryptor, decryptor) = obfuscation.makeClientHeader(tag: tag, random: random)
        self.encryptor = encryptor
        self.decryptor = decryptor
        if obfuscation.fakeTLS {
            tlsReader = TLSRecordReader()
            return FakeTLS.wrap(header, changeCipherSpecFirst: true)
        }
        return header
    }

    /// One MTProto packet framed (and encrypted) as bytes to write. A client that has not
    /// called `handshake()` gets the handshake prepended.
    public mutating func encode(_ packet: [UInt8]) -> [UInt8] {
        guard refusal == nil else { return [] }
        let prefix = handshakeDone ? [] : handshake()
        let frame = protect(framing.encode(packet, random: random))
        return prefix.isEmpty ? frame : prefix + frame
    }

    /// A server's transport error frame (e.g. -404), after which it closes the connection.
    public mutating func encodeTransportError(_ code: Int32) -> [UInt8] {
        guard refusal == nil else { return [] }
        return protect(framing.encodeTransportError(code))
    }

    /// Bytes read from the connection → whole packets and transport errors, in order. Throws
    /// `TransportError` when the stream cannot be trusted any more (close the connection).
    public mutating func feed(_ bytes: [UInt8]) throws -> [TransportEvent] {
        if let refusal { throw refusal }
        var data = bytes
        if tlsReader != nil { data = try tlsReader!.feed(data) }
        if let decryptor { decryptor.process(inPlace: &data) }
        received.append(data)
        return try framing.decode(&received)
    }

    private func protect(_ frame: [UInt8]) -> [UInt8] {
        var out = frame
        if let encryptor { encryptor.process(inPlace: &out) }
        if obfuscation?.fakeTLS == true { out = FakeTLS.wrap(out, changeCipherSpecFirst: false) }
        return out
    }
}
