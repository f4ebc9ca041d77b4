import Foundation
import TL

/// The entity cache: every user, chat and channel in every result is kept so
/// that `@username`, phone numbers, ids and `me` resolve without extra calls.
extension TelegramClient {
    /// Collects the peers in any value (bounded depth) and saves them.
    func rememberEntities(in value: TLValue) {
        var found: [CachedEntity] = []
        var selfID: Int64?
        TelegramClient.collectEntities(value, depth: 0, into: &found, selfID: &selfID)
        if !found.isEmpty { try? session.saveEntities(found) }
        if let selfID { try? session.setSelfUserID(selfID) }
    }

    static func collectEntities(_ value: TLValue, depth: Int, into found: inout [CachedEntity], selfID: inout Int64?) {
        guard depth < 32 else { return }
        switch value {
        case .vector(let items):
            for item in items { collectEntities(item, depth: depth + 1, into: &found, selfID: &selfID) }
        case .object(let o):
            if let entity = entity(from: o) {
                found.append(entity)
                if o.name == "user", o["self"]?.boolValue == true { selfID = entity.id }
            }
            for field in o.fields.values {
                switch field {
                case .object, .vector: collectEntities(field, depth: depth + 1, into: &found, selfID: &selfID)
                default: break
                }
            }
        default:
            break
        }
    }

    /// A cache row for a `user`, `chat` or `channel` with a usable access hash.
    static func entity(from o: TLObject) -> CachedEntity? {
        guard let id = o["id"]?.int64 else { return nil }
        let isMin = o["min"]?.boolValue ?? false
        switch o.name {
        case "user":
            guard !isMin, let hash = o["access_hash"]?.int64 else { return nil }
            let name = [o["first_name"]?.stringValue, o["last_name"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return CachedEntity(id: id, accessHash: hash, username: o["username"]?.stringValue, phone: o["phone"]?.stringValue,
                                name: name.isEmpty ? nil : name)
        case "chat":
            return CachedEntity(id: CachedEntity.markedID(chat: id), accessHash: 0, name: o["title"]?.stringValue)
        case "channel":
            guard !isMin, let hash = o["access_hash"]?.int64 else { return nil }
            return CachedEntity(id: CachedEntity.markedID(channel: id), accessHash: hash, username: o["username"]?.stringValue,
                                name: o["title"]?.stringValue)
        default:
            return nil
        }
    }

    /// The input peer for a cached entity.
    public nonisolated static func inputPeer(for entity: CachedEntity) -> TLObject {
        switch entity.kind {
        case .user: return TLObject(name: "inputPeerUser", fields: ["user_id": .long(entity.bareID), "access_hash": .long(entity.accessHash)])
        case .chat: return TLObject(name: "inputPeerChat", fields: ["chat_id": .long(entity.bareID)])
        case .channel: return TLObject(name: "inputPeerChannel", fields: ["channel_id": .long(entity.bareID), "access_hash": .long(entity.accessHash)])
        }
    }

    /// Resolves `me`/`self`, `@username` (or `t.me/username`), a phone number
    /// (`+…`) or a marked id to an input peer, from the cache when possible,
    /// else with `contacts.resolveUsername` / `contacts.resolvePhone`.
    public func resolvePeer(_ text: String) async throws -> TLObject {
        let key = text.trimmingCharacters(in: .whitespaces)
        let lower = key.lowercased()
        if lower == "me" || lower == "self" { return TLObject(name: "inputPeerSelf") }
        if key.hasPrefix("+") {
            let digits = CachedEntity.digits(key)
            if let cached = try session.entity(phone: digits) { return TelegramClient.inputPeer(for: cached) }
            _ = try await call(TLObject(name: "contacts.resolvePhone", fields: ["phone": .string(digits)]))
            if let cached = try session.entity(phone: digits) { return TelegramClient.inputPeer(for: cached) }
            throw ClientError.peerNotFound(key)
        }
        if let id = Int64(key) {
            if let cached = try session.entity(id: id) ?? session.entity(phone: key) { return TelegramClient.inputPeer(for: cached) }
            throw ClientError.peerNotFound(key)
        }
        var username = key
        for prefix in ["https://t.me/", "http://t.me/", "t.me/", "@"] where username.lowercased().hasPrefix(prefix) {
            username = String(username.dropFirst(prefix.count))
        }
        guard !username.isEmpty, username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw ClientError.peerNotFound(key)
        }
        if let cached = try session.entity(username: username) { return TelegramClient.inputPeer(for: cached) }
        _ = try await call(TLObject(name: "contacts.resolveUsername", fields: ["username": .string(username)]))
        if let cached = try session.entity(username: username) { return TelegramClient.inputPeer(for: cached) }
        throw ClientError.peerNotFound(key)
    }
}
