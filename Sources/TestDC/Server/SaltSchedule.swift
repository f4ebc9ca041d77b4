import Foundation
import MTCrypto

/// The server salt clients must use: one per server, optionally rotated every N seconds
/// (fault injection) so clients must handle `bad_server_salt` mid-session.
final class SaltSchedule: @unchecked Sendable {
    private let rotateEvery: Int?
    private var salt: Int64
    private var since: Int
    private let lock = NSLock()

    init(rotateEvery: Int?, now: Int) {
        self.rotateEvery = rotateEvery.flatMap { $0 > 0 ? $0 : nil }
        self.salt = SecureRandom.int64()
        self.since = now
    }

    func current(now: Int) -> Int64 {
        lock.withLock {
            if let every = rotateEvery, now - since >= every {
                salt = SecureRandom.int64()
                since = now
            }
            return salt
        }
    }
}
