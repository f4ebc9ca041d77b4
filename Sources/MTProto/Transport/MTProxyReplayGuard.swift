import Foundation

/// Remembers the openings an MTProxy server has seen (fake-TLS ClientHello digests and
/// obfuscated2 headers) so that a recorded handshake replayed by a prober is refused, as
/// Telegram's MTProxy does. Holds at most `capacity` entries, forgetting the oldest first.
public final class MTProxyReplayGuard: @unchecked Sendable {
    public let capacity: Int
    private let lock = NSLock()
    private var seen = Set<[UInt8]>()
    private var order: [[UInt8]] = []
    private var oldest = 0

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    /// Records `opening` (its first 32 bytes); false if it was already seen.
    public func firstSight(_ opening: [UInt8]) -> Bool {
        let key = Array(opening.prefix(32))
        return lock.withLock {
            guard !seen.contains(key) else { return false }
            seen.insert(key)
            if order.count < capacity {
                order.append(key)
            } else {
                seen.remove(order[oldest])
                order[oldest] = key
                oldest = (oldest + 1) % capacity
            }
            return true
        }
    }
}
