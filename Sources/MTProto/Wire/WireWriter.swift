/// Builds MTProto's little-endian primitives into a byte array.
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int32(_ value: Int32) { uint32(UInt32(bitPattern: value)) }

    mutating func int64(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    /// A TL `bytes`/`string` with its length prefix and padding to 4 bytes.
    mutating func tlBytes(_ data: [UInt8]) {
        let header: Int
        if data.count < 254 {
            bytes.append(UInt8(data.count))
            header = 1
        } else {
            bytes.append(254)
            bytes.append(UInt8(truncatingIfNeeded: data.count))
            bytes.append(UInt8(truncatingIfNeeded: data.count >> 8))
            bytes.append(UInt8(truncatingIfNeeded: data.count >> 16))
            header = 4
        }
        bytes.append(contentsOf: data)
        let padding = (4 - (header + data.count) % 4) % 4
        bytes.append(contentsOf: [UInt8](repeating: 0, count: padding))
    }

    mutating func tlString(_ text: String) { tlBytes(Array(text.utf8)) }

    /// A boxed `Vector<long>`.
    mutating func longVector(_ values: [Int64]) {
        uint32(Wire.vector)
        int32(Int32(values.count))
        for v in values { int64(v) }
    }
}

/// Constructor ids of the MTProto structures this module builds and parses by hand.
enum Wire {
    static let vector: UInt32 = 0x1cb5c415
    static let boolTrue: UInt32 = 0x997275b5

    // Auth key creation.
    static let reqPQ: UInt32 = 0x60469778
    static let reqPQMulti: UInt32 = 0xbe7e8ef1
    static let resPQ: UInt32 = 0x05162463
    static let pqInnerData: UInt32 = 0x83c95aec
    static let pqInnerDataDC: UInt32 = 0xa9f55f95
    static let pqInnerDataTemp: UInt32 = 0x3c6a84d4
    static let pqInnerDataTempDC: UInt32 = 0x56fddf88
    static let reqDHParams: UInt32 = 0xd712e4be
    static let serverDHParamsFail: UInt32 = 0x79cb045d
    static let serverDHParamsOK: UInt32 = 0xd0e8075c
    static let serverDHInnerData: UInt32 = 0xb5890dba
    static let setClientDHParams: UInt32 = 0xf5045f1f
    static let clientDHInnerData: UInt32 = 0x6643b654
    static let dhGenOK: UInt32 = 0x3bcbf734
    static let dhGenRetry: UInt32 = 0x46dc1fb9
    static let dhGenFail: UInt32 = 0xa69dae02

    // Service messages.
    static let msgContainer: UInt32 = 0x73f1f8dc
    static let gzipPacked: UInt32 = 0x3072cfa1
    static let rpcResult: UInt32 = 0xf35c6d01
    static let rpcError: UInt32 = 0x2144ca19
    static let msgsAck: UInt32 = 0x62d6b459
    static let badMsgNotification: UInt32 = 0xa7eff811
    static let badServerSalt: UInt32 = 0xedab447b
    static let msgsStateReq: UInt32 = 0xda69fb52
    static let msgsStateInfo: UInt32 = 0x04deb57d
    static let msgsAllInfo: UInt32 = 0x8cc0d131
    static let msgDetailedInfo: UInt32 = 0x276d3ec6
    static let msgNewDetailedInfo: UInt32 = 0x809db6df
    static let msgResendReq: UInt32 = 0x7d861a08
    static let futureSalt: UInt32 = 0x0949d9dc
    static let futureSalts: UInt32 = 0xae500895
    static let getFutureSalts: UInt32 = 0xb921bd04
    static let pong: UInt32 = 0x347773c5
    static let ping: UInt32 = 0x7abe77ec
    static let pingDelayDisconnect: UInt32 = 0xf3427b8c
    static let destroySession: UInt32 = 0xe7512126
    static let destroySessionOK: UInt32 = 0xe22045fc
    static let destroySessionNone: UInt32 = 0x62d350c9
    static let newSessionCreated: UInt32 = 0x9ec20908
    static let httpWait: UInt32 = 0x9299359f
    static let rpcDropAnswer: UInt32 = 0x58e4a740
    static let rpcAnswerUnknown: UInt32 = 0x5e2ad36e

    // API wrappers.
    static let invokeWithLayer: UInt32 = 0xda9b0d0d
    static let initConnection: UInt32 = 0xc1cd5ea9
    static let inputClientProxy: UInt32 = 0x75588b3f

    /// The constructor id at the start of a boxed body, if there are 4 bytes.
    static func constructor(of body: [UInt8]) -> UInt32? {
        guard body.count >= 4 else { return nil }
        return UInt32(body[0]) | UInt32(body[1]) << 8 | UInt32(body[2]) << 16 | UInt32(body[3]) << 24
    }

    static func int64(_ bytes: ArraySlice<UInt8>) -> Int64 {
        var v: UInt64 = 0
        for (i, b) in bytes.prefix(8).enumerated() { v |= UInt64(b) << (8 * i) }
        return Int64(bitPattern: v)
    }
}
