import MTCrypto

/// The key an exchange produced, with what the session needs to start.
public struct CreatedAuthKey: Sendable {
    public let authKey: AuthKey
    /// The first server salt: `new_nonce[0..<8] XOR server_nonce[0..<8]`.
    public let serverSalt: Int64
    /// `server_time - local_time` in seconds, from `server_DH_inner_data` (0 on the server side).
    public let timeOffset: Int

    public init(authKey: AuthKey, serverSalt: Int64, timeOffset: Int) {
        self.authKey = authKey
        self.serverSalt = serverSalt
        self.timeOffset = timeOffset
    }
}

/// What the client does next in an exchange.
public enum AuthKeyExchangeStep: Sendable {
    /// Send this packet (a plain message) to the server.
    case send([UInt8])
    /// The key is ready.
    case done(CreatedAuthKey)
}

/// What the server does next in an exchange.
public enum ServerAuthKeyStep: Sendable {
    /// Send this packet to the client.
    case send([UInt8])
    /// The key is ready; send `packet` (`dh_gen_ok`) to the client.
    case done(CreatedAuthKey, packet: [UInt8])
}


/// `new_nonce[0..<8] XOR server_nonce[0..<8]`, read little-endian.
func initialSalt(newNonce: [UInt8], serverNonce: [UInt8]) -> Int64 {
    let bytes = (0..<8).map { newNonce[$0] ^ serverNonce[$0] }
    return Wire.int64(bytes[...])
}
