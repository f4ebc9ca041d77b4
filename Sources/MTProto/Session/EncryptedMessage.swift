import MTCrypto

/// The MTProto 2.0 envelope: `auth_key_id | msg_key | AES-IGE(salt | session_id | msg_id |
/// seq_no | length | body | padding)`, with msg_key = SHA256(auth_key[88+x..<120+x] | plaintext)[8..<24].
/// `x` is 0 for client→server and 8 for server→client.
struct EncryptedMessage: Equatable {
    var salt: Int64
    var sessionID: Int64
    var msgID: Int64
    var seqNo: Int32
    var body: [UInt8]

    /// Encrypts with 12–27 bytes of random padding so the plaintext is a multiple of 16.
    /// Built in its final buffer: the body is copied once and encrypted where it lies.
    func pack(authKey: AuthKey, x: Int) throws -> [UInt8] {
        let inner = 32 + body.count
        let padding = 12 + (16 - (inner + 12) % 16) % 16
        let plainCount = inner + padding
        return try [UInt8](unsafeUninitializedCapacity: 24 + plainCount) { buffer, initialized in
            let out = UnsafeMutableRawBufferPointer(buffer)
            func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
                withUnsafeBytes(of: value.littleEndian) { out.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            put(authKey.id, at: 0)
            put(salt, at: 24); put(sessionID, at: 32); put(msgID, at: 40); put(seqNo, at: 48); put(Int32(body.count), at: 52)
            if !body.isEmpty { body.withUnsafeBytes { out.baseAddress!.advanced(by: 56).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            SecureRandom.fill(UnsafeMutableRawBufferPointer(rebasing: out[(24 + inner)...]))
            initialized = 24 + plainCount
            let plaintext = UnsafeMutableRawBufferPointer(rebasing: out[24...])
            MessageKey.compute(authKey: authKey, plaintext: UnsafeRawBufferPointer(plaintext), x: x, into: out.baseAddress! + 8)
            let (key, iv) = MessageKey.aesKeyIV(authKey: authKey, msgKey: Array(out[8..<24]), x: x)
            try AESIGE.encryptInPlace(plaintext, key: key, iv: iv)
        }
    }

    /// Decrypts and checks the envelope: auth_key_id, length % 16, msg_key, the length
    /// field (multiple of 4, inside the packet) and padding of 12–1024 bytes.
    static func unpack(_ packet: [UInt8], authKey: AuthKey, x: Int) throws -> EncryptedMessage {
        // 24 bytes of header, then at least 32 bytes of inner header and 12 of padding.
        guard packet.count >= 24 + 48 else { throw SessionError.packetTooShort(packet.count) }
        guard (packet.count - 24) % 16 == 0 else { throw SessionError.badPacketLength(packet.count) }
        let keyID = Wire.int64(packet[0..<8])
        guard keyID == authKey.id else { throw SessionError.wrongAuthKeyID(expected: authKey.id, got: keyID) }
        let msgKey = Array(packet[8..<24])
        let (key, iv) = MessageKey.aesKeyIV(authKey: authKey, msgKey: msgKey, x: x)
        let plaintext: [UInt8]
        do { plaintext = try AESIGE.decrypt(packet[24...], key: key, iv: iv) } catch {
            throw SessionError.badPacketLength(packet.count)
        }
        guard constantTimeEqual(MessageKey.compute(authKey: authKey, plaintext: plaintext, x: x), msgKey) else {
            throw SessionError.wrongMsgKey
        }
        var r = WireReader(plaintext)
        let salt = try r.int64()
        let sessionID = try r.int64()
        let msgID = try r.int64()
        let seqNo = try r.int32()
        let length = Int(try r.int32())
        guard length >= 0, length % 4 == 0, length <= r.remaining else {
            throw SessionError.badMessageLength(length)
        }
        let padding = r.remaining - length
        guard (12...1024).contains(padding) else { throw SessionError.badPadding(padding) }
        return EncryptedMessage(salt: salt, sessionID: sessionID, msgID: msgID, seqNo: seqNo, body: try r.raw(length))
    }
}
