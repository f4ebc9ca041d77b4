/// The key-exchange derivations of "Creating an Authorization Key".
public enum AuthKeyMath {
    /// tmp_aes_key and tmp_aes_iv, which encrypt server_DH_inner_data and client_DH_inner_data.
    public static func tmpAESKeyIV(newNonce: [UInt8], serverNonce: [UInt8]) -> (key: [UInt8], iv: [UInt8]) {
        let newServer = SHA1.hash(newNonce + serverNonce)
        let serverNew = SHA1.hash(serverNonce + newNonce)
        let newNew = SHA1.hash(newNonce + newNonce)
        let key = newServer + serverNew[0..<12]
        let iv = Array(serverNew[12..<20]) + newNew + newNonce[0..<4]
        return (key, iv)
    }

    /// new_nonce_hash1/2/3: the low 128 bits of SHA1(new_nonce ‖ number ‖ auth_key_aux_hash).
    public static func newNonceHash(newNonce: [UInt8], authKey: AuthKey, number: UInt8) -> [UInt8] {
        precondition((1...3).contains(number), "new_nonce_hash number must be 1, 2 or 3")
        let digest = SHA1.hash(newNonce + [number] + authKey.auxHash.littleEndianBytes)
        return Array(digest[4..<20])
    }

    /// Throws `newNonceHashMismatch` unless `received` is our new_nonce_hash`number`.
    public static func verifyNewNonceHash(_ received: [UInt8], newNonce: [UInt8], authKey: AuthKey, number: UInt8) throws {
        let expected = newNonceHash(newNonce: newNonce, authKey: authKey, number: number)
        guard constantTimeEqual(received, expected) else { throw CryptoError.newNonceHashMismatch(number: Int(number)) }
    }

    /// The first server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8), little-endian.
    public static func serverSalt(newNonce: [UInt8], serverNonce: [UInt8]) -> Int64 {
        Int64(littleEndianBytes: zip(newNonce[0..<8], serverNonce[0..<8]).map { $0 ^ $1 })
    }
}
