import Foundation
import MTCrypto
import TL

/// Typed helpers for the calls workflows make most.
extension TelegramClient {
    /// Sends a text message to a peer (`me`, `@username`, `+phone`, id) and
    /// returns Telegram's answer (`Updates`). The `random_id` makes a resend
    /// after a lost answer detectable.
    public func sendMessage(to peer: String, text: String, randomID: Int64 = SecureRandom.int64()) async throws -> TLValue {
        let input = try await resolvePeer(peer)
        return try await call(TLObject(name: "messages.sendMessage", fields: [
            "peer": .object(input), "message": .string(text), "random_id": .long(randomID),
        ]))
    }

    /// The latest messages with a peer, newest first.
    public func getHistory(of peer: String, limit: Int = 20) async throws -> TLValue {
        let input = try await resolvePeer(peer)
        return try await call(TLObject(name: "messages.getHistory", fields: [
            "peer": .object(input), "offset_id": .int(0), "offset_date": .int(0), "add_offset": .int(0),
            "limit": .int(Int32(clamping: limit)), "max_id": .int(0), "min_id": .int(0), "hash": .long(0),
        ]))
    }
}
