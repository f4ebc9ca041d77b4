import MTCrypto

/// Packet framing for one protocol, in one direction pair: writes frames around outgoing
/// packets and cuts incoming bytes into packets, refusing any length it cannot trust
/// before buffering the frame.
struct Framing {
    let transport: TransportProtocol
    let role: TransportRole
    let maxFrameSize: Int
    private var sendSequence: Int32 = 0
    private var receiveSequence: Int32 = 0

    /// Lengths this small and negative are Telegram's bare transport error codes (e.g. -404).
    static let transportErrorCodes: ClosedRange<Int32> = -999...(-1)

    init(transport: TransportProtocol, role: TransportRole, maxFrameSize: Int) {
        self.transport = transport
        self.role = role
        self.maxFrameSize = maxFrameSize
    }

    mutating func encode(_ packet: [UInt8], random: RandomSource) -> [UInt8] {
        switch transport {
        case .abridged:
            var body = packet
            if body.count % 4 != 0 { body += [UInt8](repeating: 0, count: 4 - body.count % 4) }
            let words = body.count / 4
            var out: [UInt8] = []
            out.reserveCapacity(body.count + 4)
            if words < 0x7f {
                out.append(UInt8(words))
            } else {
                out += [0x7f, UInt8(truncatingIfNeeded: words), UInt8(truncatingIfNeeded: words >> 8), UInt8(truncatingIfNeeded: words >> 16)]
            }
            out += body
            return out
        case .intermediate:
            var out: [UInt8] = []
            out.reserveCapacity(packet.count + 4)
            out.appendLE(UInt32(packet.count))
            out += packet
            return out
        case .paddedIntermediate:
            // 0–3 bytes keep the padding readable as `length % 4` (Telethon's reading of it too).
            let padding = random.bytes(Int(random.bytes(1).first ?? 0) % 4)
            var out: [UInt8] = []
            out.reserveCapacity(packet.count + 8)
            out.appendLE(UInt32(packet.count + padding.count))
            out += packet
            out += padding
            return out
        case .full:
            var out: [UInt8] = []
            out.reserveCapacity(packet.count + 12)
            out.appendLE(UInt32(packet.count + 12))
            out.appendLE(sendSequence)
            out += packet
            out.appendLE(CRC32.checksum(out))
            sendSequence &+= 1
            return out
        }
    }

    /// Every whole frame at the front of `buffer`, consumed; a partial frame stays.
    mutating func decode(_ buffer: inout ByteQueue) throws -> [TransportEvent] {
        var events: [TransportEvent] = []
        while let event = try decodeOne(&buffer) { events.append(event) }
        return events
    }

    private mutating func decodeOne(_ buffer: inout ByteQueue) throws -> TransportEvent? {
        switch transport {
        case .abridged:
            guard buffer.count >= 1 else { return nil }
            let first = buffer[0]
            var header = 1
            var words = Int(first)
            if first >= 0x80 {
                // A client asks for a quick ack with the top bit; a server's quick acks we never request.
                guard role == .server else { throw TransportError.unexpectedQuickAck }
                words = Int(first & 0x7f)
            }
            if words == 0x7f {
                guard buffer.count >= 4 else { return nil }
                words = Int(buffer[1]) | Int(buffer[2]) << 8 | Int(buffer[3]) << 16
                header = 4
            }
            let length = words * 4
            guard length <= maxFrameSize else { throw TransportError.frameTooLarge(size: length, limit: maxFrameSize) }
            guard buffer.count >= header + length else { return nil }
            buffer.skip(header)
            return packetEvent(buffer.read(length))
        case .intermediate, .paddedIntermediate:
            guard buffer.count >= 4 else { return nil }
            let length = buffer.int32LE(at: 0)
            if length < 0 {
                if role == .client, Self.transportErrorCodes.contains(length) {
                    buffer.skip(4)
                    return .transportError(code: length)
                }
                throw TransportError.negativeLength(Int(length))
            }
            guard Int(length) <= maxFrameSize else { throw TransportError.frameTooLarge(size: Int(length), limit: maxFrameSize) }
            guard buffer.count >= 4 + Int(length) else { return nil }
            buffer.skip(4)
            var body = buffer.read(Int(length))
            if transport == .paddedIntermediate { body.removeLast(body.count % 4) }
            return packetEvent(body)
        case .full:
            guard buffer.count >= 4 else { return nil }
            let length = buffer.int32LE(at: 0)
            if length < 0 {
                if role == .client, Self.transportErrorCodes.contains(length) {
                    buffer.skip(4)
                    return .transportError(code: length)
                }
                throw TransportError.negativeLength(Int(length))
            }
            guard length >= 12 else { throw TransportError.frameTooSmall(size: Int(length), minimum: 12) }
            guard Int(length) - 12 <= maxFrameSize else { throw TransportError.frameTooLarge(size: Int(length) - 12, limit: maxFrameSize) }
            guard buffer.count >= Int(length) else { return nil }
            let frame = buffer.read(Int(length))
            let got = frame.uint32LE(at: frame.count - 4)
            let expected = CRC32.checksum(Array(frame[0..<(frame.count - 4)]))
            guard got == expected else { throw TransportError.badCRC(expected: expected, got: got) }
            let sequence = Int32(bitPattern: frame.uint32LE(at: 4))
            guard sequence == receiveSequence else {
                throw TransportError.badSequenceNumber(expected: receiveSequence, got: sequence)
            }
            receiveSequence &+= 1
            return packetEvent(Array(frame[8..<(frame.count - 4)]))
        }
    }

    private func packetEvent(_ body: [UInt8]) -> TransportEvent {
        if role == .client, body.count == 4 {
            let code = Int32(bitPattern: body.uint32LE(at: 0))
            if code < 0 { return .transportError(code: code) }
        }
        return .packet(body)
    }

    /// A transport error frame as a server sends it: the 4-byte negative code as the packet.
    mutating func encodeTransportError(_ code: Int32) -> [UInt8] {
        var body: [UInt8] = []
        body.appendLE(code)
        switch transport {
        case .abridged: return [1] + body
        case .intermediate, .paddedIntermediate: return [4, 0, 0, 0] + body
        case .full: return encode(body, random: .secure)
        }
    }
}
