import MTCrypto

/// The plain TL structures of auth-key creation, encoded and decoded by hand so the
/// exchange does not depend on the API schema being loaded.

struct ResPQ: Equatable {
    var nonce: [UInt8]
    var serverNonce: [UInt8]
    var pq: [UInt8]
    var fingerprints: [Int64]

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.uint32(Wire.resPQ)
        w.raw(nonce); w.raw(serverNonce); w.tlBytes(pq); w.longVector(fingerprints)
        return w.bytes
    }

    init(nonce: [UInt8], serverNonce: [UInt8], pq: [UInt8], fingerprints: [Int64]) {
        self.nonce = nonce; self.serverNonce = serverNonce; self.pq = pq; self.fingerprints = fingerprints
    }

    init(_ r: inout WireReader) throws {
        nonce = try r.int128(); serverNonce = try r.int128(); pq = try r.tlBytes()
        fingerprints = try r.longVector()
    }
}

/// `p_q_inner_data` in its four forms; which fields exist depends on `constructor`.
struct PQInnerData: Equatable {
    var constructor: UInt32 = Wire.pqInnerDataDC
    var pq: [UInt8]
    var p: [UInt8]
    var q: [UInt8]
    var nonce: [UInt8]
    var serverNonce: [UInt8]
    var newNonce: [UInt8]
    var dc: Int32?
    var expiresIn: Int32?

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.uint32(constructor)
        w.tlBytes(pq); w.tlBytes(p); w.tlBytes(q); w.raw(nonce); w.raw(serverNonce); w.raw(newNonce)
        if constructor == Wire.pqInnerDataDC || constructor == Wire.pqInnerDataTempDC { w.int32(dc ?? 0) }
        if constructor == Wire.pqInnerDataTemp || constructor == Wire.pqInnerDataTempDC { w.int32(expiresIn ?? 0) }
        return w.bytes
    }

    init(pq: [UInt8], p: [UInt8], q: [UInt8], nonce: [UInt8], serverNonce: [UInt8], newNonce: [UInt8], dc: Int32) {
        self.pq = pq; self.p = p; self.q = q; self.nonce = nonce; self.serverNonce = serverNonce
        self.newNonce = newNonce; self.dc = dc
    }

    /// Reads any of the four forms; trailing bytes (RSA padding) are left unread.
    init(decoding bytes: [UInt8]) throws {
        var r = WireReader(bytes)
        constructor = try r.uint32()
        let known = [Wire.pqInnerData, Wire.pqInnerDataDC, Wire.pqInnerDataTemp, Wire.pqInnerDataTempDC]
        guard known.contains(constructor) else { throw WireError.unexpectedConstructor(constructor) }
        pq = try r.tlBytes(); p = try r.tlBytes(); q = try r.tlBytes()
        nonce = try r.int128(); serverNonce = try r.int128(); newNonce = try r.int256()
        if constructor == Wire.pqInnerDataDC || constructor == Wire.pqInnerDataTempDC { dc = try r.int32() }
        if constructor == Wire.pqInnerDataTemp || constructor == Wire.pqInnerDataTempDC { expiresIn = try r.int32() }
    }
}

struct ReqDHParams: Equatable {
    var nonce: [UInt8]
    var serverNonce: [UInt8]
    var p: [UInt8]
    var q: [UInt8]
    var fingerprint: Int64
    var encryptedData: [UInt8]

    func encoded() -> [UInt8] {
        var w = WireWriter(capacity: 320)
        w.uint32(Wire.reqDHParams)
        w.raw(nonce); w.raw(serverNonce); w.tlBytes(p); w.tlBytes(q); w.int64(fingerprint); w.tlBytes(encryptedData)
        return w.bytes
    }

    init(nonce: [UInt8], serverNonce: [UInt8], p: [UInt8], q: [UInt8], fingerprint: Int64, encryptedData: [UInt8]) {
        self.nonce = nonce; self.serverNonce = serverNonce; self.p = p; self.q = q
        self.fingerprint = fingerprint; self.encryptedData = encryptedData
    }

    init(_ r: inout WireReader) throws {
        nonce = try r.int128(); serverNonce = try r.int128(); p = try r.tlBytes(); q = try r.tlBytes()
        fingerprint = try r.int64(); encryptedData = try r.tlBytes()
    }
}

struct ServerDHInnerData: Equatable {
    var nonce: [UInt8]
    var serverNonce: [UInt8]
    var g: Int32
    var dhPrime: [UInt8]
    var gA: [UInt8]
    var serverTime: Int32

    func encoded() -> [UInt8] {
        var w = WireWriter(capacity: 600)
        w.uint32(Wire.serverDHInnerData)
        w.raw(nonce); w.raw(serverNonce); w.int32(g); w.tlBytes(dhPrime); w.tlBytes(gA); w.int32(serverTime)
        return w.bytes
    }

    init(nonce: [UInt8], serverNonce: [UInt8], g: Int32, dhPrime: [UInt8], gA: [UInt8], serverTime: Int32) {
        self.nonce = nonce; self.serverNonce = serverNonce; self.g = g; self.dhPrime = dhPrime
        self.gA = gA; self.serverTime = serverTime
    }

    init(_ r: inout WireReader) throws {
        let id = try r.uint32()
        guard id == Wire.serverDHInnerData else { throw WireError.unexpectedConstructor(id) }
        nonce = try r.int128(); serverNonce = try r.int128(); g = try r.int32()
        dhPrime = try r.tlBytes(); gA = try r.tlBytes(); serverTime = try r.int32()
    }
}

struct ClientDHInnerData: Equatable {
    var nonce: [UInt8]
    var serverNonce: [UInt8]
    var retryID: Int64
    var gB: [UInt8]

    func encoded() -> [UInt8] {
        var w = WireWriter(capacity: 320)
        w.uint32(Wire.clientDHInnerData)
        w.raw(nonce); w.raw(serverNonce); w.int64(retryID); w.tlBytes(gB)
        return w.bytes
    }

    init(nonce: [UInt8], serverNonce: [UInt8], retryID: Int64, gB: [UInt8]) {
        self.nonce = nonce; self.serverNonce = serverNonce; self.retryID = retryID; self.gB = gB
    }

    init(_ r: inout WireReader) throws {
        let id = try r.uint32()
        guard id == Wire.clientDHInnerData else { throw WireError.unexpectedConstructor(id) }
        nonce = try r.int128(); serverNonce = try r.int128(); retryID = try r.int64(); gB = try r.tlBytes()
    }
}

/// `dh_gen_ok`, `dh_gen_retry` or `dh_gen_fail`, told apart by `constructor`.
struct DHGenAnswer: Equatable {
    var constructor: UInt32
    var nonce: [UInt8]
    var serverNonce: [UInt8]
    var newNonceHash: [UInt8]

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.uint32(constructor); w.raw(nonce); w.raw(serverNonce); w.raw(newNonceHash)
        return w.bytes
    }
}

/// Encodes `nonce | server_nonce | bytes` messages (`server_DH_params_ok`, `set_client_DH_params`).
func encodeNoncesAndBytes(_ constructor: UInt32, _ nonce: [UInt8], _ serverNonce: [UInt8], _ data: [UInt8]) -> [UInt8] {
    var w = WireWriter(capacity: data.count + 48)
    w.uint32(constructor); w.raw(nonce); w.raw(serverNonce); w.tlBytes(data)
    return w.bytes
}

/// `SHA1(data) | data | random padding` to a multiple of 16, the form AES-IGE carries
/// in `server_DH_params_ok` and `set_client_DH_params`.
func withHashAndPadding(_ data: [UInt8]) -> [UInt8] {
    var out = SHA1.hash(data) + data
    let padding = (16 - out.count % 16) % 16
    out += SecureRandom.bytes(padding)
    return out
}

/// Splits `SHA1(data) | data | padding` after decryption, checking the hash over exactly the
/// bytes the decoder consumed and that the padding is shorter than a block.
func readHashed<T>(_ answer: [UInt8], _ decode: (inout WireReader) throws -> T) throws -> T {
    guard answer.count > 20 else { throw AuthKeyExchangeError.answerHashMismatch }
    var r = WireReader(answer, offset: 20)
    let value = try decode(&r)
    let consumed = r.offset - 20
    let padding = answer.count - 20 - consumed
    guard padding < 16, SHA1.hash(Array(answer[20..<(20 + consumed)])) == Array(answer[0..<20]) else {
        throw AuthKeyExchangeError.answerHashMismatch
    }
    return value
}

/// Minimal big-endian bytes of a positive integer (how TL carries p, q and pq).
func bigEndianBytes(_ value: UInt64) -> [UInt8] {
    var bytes: [UInt8] = []
    var v = value
    while v > 0 { bytes.insert(UInt8(v & 0xff), at: 0); v >>= 8 }
    return bytes.isEmpty ? [0] : bytes
}

func uint64(bigEndian bytes: [UInt8]) -> UInt64? {
    guard bytes.count <= 8 else { return nil }
    return bytes.reduce(0) { $0 << 8 | UInt64($1) }
}
