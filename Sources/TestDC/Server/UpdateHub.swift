import Foundation
import TL

/// Live connections by auth key, so the world's new messages (login codes from 777000,
/// messages from other sessions) reach logged-in sessions as `updates`, as Telegram pushes them.
final class UpdateHub: @unchecked Sendable {
    /// Delivers an encoded `Updates` body to one connection (queued in order with its answers).
    typealias Sink = @Sendable ([UInt8]) -> Void

    private var sinks: [Int64: [ObjectIdentifier: Sink]] = [:]
    private let lock = NSLock()
    private weak var world: World?

    init(world: World) {
        self.world = world
        world.onNewMessage = { [weak self] message, keys in self?.deliver(message, to: keys) }
        world.onLoginTokenAccepted = { [weak self] key in self?.loginTokenAccepted(key: key) }
    }

    /// Tells the session that exported a QR token that it was accepted (`updateLoginToken`), so it imports it.
    private func loginTokenAccepted(key: Int64) {
        let targets = lock.withLock { sinks[key].map { Array($0.values) } ?? [] }
        guard !targets.isEmpty else { return }
        let update = tl("updateShort", ["update": tl("updateLoginToken"), "date": .int(Int32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)))])
        guard let object = update.object, let body = try? TLSchema.shared.encode(object) else { return }
        for sink in targets { sink(body) }
    }

    func register(key: Int64, owner: ObjectIdentifier, sink: @escaping Sink) {
        lock.withLock { sinks[key, default: [:]][owner] = sink }
    }

    func unregister(owner: ObjectIdentifier, keys: [Int64]) {
        lock.withLock {
            for key in keys {
                sinks[key]?[owner] = nil
                if sinks[key]?.isEmpty == true { sinks[key] = nil }
            }
        }
    }

    private func deliver(_ message: StoredMessage, to keys: [Int64]) {
        let targets = lock.withLock { keys.flatMap { sinks[$0].map { Array($0.values) } ?? [] } }
        guard !targets.isEmpty, let world else { return }
        // Called under the world's lock: build the update from the message alone (users by id).
        let users = [message.fromID, message.peerID].reduce(into: [Int64]()) { if !$0.contains($1) { $0.append($1) } }
        DispatchQueue.global().async {
            let accounts = users.compactMap { world.account(id: $0) }
            let update = tl("updates", [
                "updates": .vector([tl("updateNewMessage", ["message": TLShapes.message(message), "pts": .int(message.pts), "pts_count": .int(1)])]),
                "users": .vector(accounts.map { TLShapes.user($0, viewer: message.ownerID) }),
                "chats": .emptyVector,
                "date": .int(Int32(truncatingIfNeeded: message.date)),
                "seq": .int(0),
            ])
            guard let object = update.object, let body = try? TLSchema.shared.encode(object) else { return }
            for sink in targets { sink(body) }
        }
    }
}
