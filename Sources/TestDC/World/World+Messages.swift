import Foundation

/// The update state of one account (`updates.state`).
public struct UpdateState: Equatable, Sendable {
    public var pts: Int32
    public var date: Int
}

extension World {
    /// The most messages one box keeps; older ones are dropped first.
    public static let maxMessagesPerBox = 10_000
    /// The longest message text accepted.
    public static let maxMessageLength = 4096

    /// Appends a message to an account's box, bumping its pts.
    @discardableResult
    func appendLocked(owner: Int64, peer: Int64, from: Int64, out: Bool, text: String, randomID: Int64, now: Int, senderKey: Int64? = nil) -> StoredMessage? {
        guard var a = accounts[owner] else { return nil }
        a.lastMessageID += 1
        a.pts += 1
        let m = StoredMessage(ownerID: owner, id: a.lastMessageID, peerID: peer, fromID: from, out: out, date: now, text: text, randomID: randomID, pts: a.pts)
        put(a)
        messages[owner, default: []].append(m)
        if messages[owner]!.count > World.maxMessagesPerBox {
            let drop = messages[owner]!.count - World.maxMessagesPerBox
            for old in messages[owner]!.prefix(drop) { store.deleteMessage(owner: owner, id: old.id) }
            messages[owner]!.removeFirst(drop)
        }
        store.save(message: m)
        if let hook = newMessageHook {
            let keys = authorizations.values.filter { $0.state == .authorized(userID: owner) && $0.authKeyID != senderKey }.map(\.authKeyID)
            if !keys.isEmpty { hook(m, keys) }
        }
        return m
    }

    /// Sends a login code as a message from 777000 when the phone's account has a logged-in session; true if it did.
    func deliverInAppLocked(phone: String, code: String, now: Int) -> Bool {
        guard let id = userByPhone[phone],
              authorizations.values.contains(where: { $0.state == .authorized(userID: id) }) else { return false }
        let text = "Login code: \(code). Do not give this code to anyone, even if they say they are from Telegram!"
        appendLocked(owner: id, peer: World.serviceUserID, from: World.serviceUserID, out: false, text: text, randomID: 0, now: now)
        return true
    }

    /// `messages.sendMessage`: stores the message in the sender's box (and the recipient's, if it is someone else).
    public func sendMessage(authKeyID: Int64, to peer: Int64, text: String, randomID: Int64, now: Int) throws -> StoredMessage {
        guard !text.isEmpty else { throw RPCFailure.messageEmpty }
        guard text.count <= World.maxMessageLength else { throw RPCFailure.custom(code: 400, message: "MESSAGE_TOO_LONG") }
        return try lock.withLock {
            let me = try userLocked(authKeyID)
            guard accounts[peer] != nil else { throw RPCFailure.peerIDInvalid }
            if randomID != 0, let earlier = messages[me.userID]?.last(where: { $0.randomID == randomID && $0.out }) {
                return earlier
            }
            guard let sent = appendLocked(owner: me.userID, peer: peer, from: me.userID, out: true, text: text, randomID: randomID, now: now, senderKey: authKeyID) else {
                throw RPCFailure.peerIDInvalid
            }
            if peer != me.userID { appendLocked(owner: peer, peer: me.userID, from: me.userID, out: false, text: text, randomID: 0, now: now) }
            return sent
        }
    }

    /// `messages.getHistory`: newest first, at most `limit`, below `offsetID` when it is set.
    public func history(authKeyID: Int64, peer: Int64, offsetID: Int32, addOffset: Int, limit: Int, maxID: Int32, minID: Int32) throws -> (messages: [StoredMessage], count: Int) {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            let dialog = (messages[me.userID] ?? []).filter { $0.peerID == peer }
            var newestFirst = dialog.reversed().filter { (maxID <= 0 || $0.id < maxID) && $0.id > minID }
            if offsetID > 0 { newestFirst = newestFirst.filter { $0.id < offsetID } }
            let skip = max(0, addOffset)
            let page = newestFirst.dropFirst(skip).prefix(max(0, min(limit, 100)))
            return (Array(page), dialog.count)
        }
    }

    /// `messages.getMessages`: the caller's messages with these ids (nil for ids it does not have).
    public func messages(authKeyID: Int64, ids: [Int32]) throws -> [StoredMessage?] {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            let box = messages[me.userID] ?? []
            return ids.prefix(200).map { id in box.first { $0.id == id } }
        }
    }

    /// `updates.getState`.
    public func updateState(authKeyID: Int64, now: Int) throws -> UpdateState {
        try lock.withLock { UpdateState(pts: try userLocked(authKeyID).pts, date: now) }
    }

    /// `updates.getDifference`: the caller's messages after `pts` (at most `limit`).
    public func difference(authKeyID: Int64, pts: Int32, limit: Int = 100, now: Int) throws -> (messages: [StoredMessage], state: UpdateState) {
        try lock.withLock {
            let me = try userLocked(authKeyID)
            let newer = (messages[me.userID] ?? []).filter { $0.pts > pts }.prefix(limit)
            let statePts = newer.count == limit ? newer.last!.pts : me.pts
            return (Array(newer), UpdateState(pts: statePts, date: now))
        }
    }
}
