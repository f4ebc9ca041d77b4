import Foundation

/// Generates MTProto message ids: roughly the server's unix time × 2³², strictly
/// increasing, with the known offset between the local and the server's clock applied.
///
/// Client ids are divisible by 4; server ids are odd (1 mod 4 for responses, 3 mod 4
/// otherwise), as MTProto requires.
public struct MessageIDClock: Sendable {
    /// Which side of the connection the ids are for.
    public enum Role: Sendable { case client, server }

    /// Seconds to add to the local clock to get the server's (`serverTime - localTime`).
    public private(set) var timeOffset: Int
    public let role: Role
    private var last: Int64 = 0

    public init(role: Role = .client, timeOffset: Int = 0) {
        self.role = role
        self.timeOffset = timeOffset
    }

    /// The next message id. `isResponse` only matters for the server role.
    public mutating func next(now: Date, isResponse: Bool = false) -> Int64 {
        let seconds = now.timeIntervalSince1970 + Double(timeOffset)
        let whole = seconds.rounded(.down)
        let fraction = seconds - whole
        var id = Int64(whole) << 32 | Int64(fraction * 4_294_967_296.0) & 0xffff_fffc
        switch role {
        case .client:
            id &= ~3
            if id <= last { id = last + 4 }
        case .server:
            let tag: Int64 = isResponse ? 1 : 3
            id = (id & ~3) | tag
            // The smallest id with this tag above the last (many ids are made from one `now`).
            if id <= last { id += ((last - id) / 4 + 1) * 4 }
        }
        last = id
        return id
    }

    /// The server's time as this clock sees it (local time plus the offset).
    public func serverTime(now: Date) -> Int {
        Int(now.timeIntervalSince1970.rounded(.down)) + timeOffset
    }

    /// Adopts the server's time, as told by a message id the server produced, and
    /// starts ids afresh from it (ids from a clock that ran ahead would otherwise stay ahead).
    public mutating func correct(serverMessageID: Int64, now: Date) {
        correct(serverTime: Int(serverMessageID >> 32), now: now)
    }

    /// Adopts the server's unix time `serverTime` observed at local time `now`.
    public mutating func correct(serverTime: Int, now: Date) {
        timeOffset = serverTime - Int(now.timeIntervalSince1970.rounded(.down))
        last = 0
    }
}
