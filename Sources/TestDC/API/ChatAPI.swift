import Foundation
import TL

/// Users, usernames, messages and updates: the slice of the API a logged-in client needs first.
enum ChatAPI {
    static let handlers: [String: APIHandler] = [
        "users.getUsers": getUsers,
        "users.getFullUser": getFullUser,
        "contacts.resolveUsername": resolveUsername,
        "messages.sendMessage": sendMessage,
        "messages.getHistory": getHistory,
        "messages.getMessages": getMessages,
        "updates.getState": getState,
        "updates.getDifference": getDifference,
    ]

    /// The user an `InputUser`/`InputPeer` names, checked against its access_hash.
    static func userID(ofInput v: TLObject, _ c: RequestContext, me: Account) throws -> Int64 {
        switch v.name {
        case "inputUserSelf", "inputPeerSelf": return me.userID
        case "inputUser", "inputPeerUser":
            return try c.world.user(id: try v.long("user_id"), accessHash: try v.long("access_hash"), authKeyID: c.authKeyID).userID
        case "inputUserFromMessage", "inputPeerUserFromMessage":
            return try c.world.user(id: try v.long("user_id"), accessHash: 0, authKeyID: c.authKeyID).userID
        default: throw RPCFailure.peerIDInvalid
        }
    }

    static func getUsers(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let me = try c.me()
        let wanted = try r.vector("id").prefix(200)
        return .vector(wanted.map { v in
            guard let input = v.object, let id = try? userID(ofInput: input, c, me: me), let a = c.world.account(id: id) else {
                return tl("userEmpty", ["id": .long(v.object?.fields["user_id"]?.int64 ?? 0)])
            }
            return TLShapes.user(a, viewer: me.userID)
        })
    }

    static func getFullUser(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let me = try c.me()
        guard let a = c.world.account(id: try userID(ofInput: try r.object("id"), c, me: me)) else { throw RPCFailure.peerIDInvalid }
        var full: [String: TLValue] = [
            "id": .long(a.userID),
            "settings": tl("peerSettings", [:]),
            "notify_settings": tl("peerNotifySettings", [:]),
            "common_chats_count": .int(0),
        ]
        if !a.about.isEmpty { full["about"] = .string(a.about) }
        return tl("users.userFull", ["full_user": tl("userFull", full), "chats": .emptyVector, "users": .vector([TLShapes.user(a, viewer: me.userID)])])
    }

    static func resolveUsername(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let me = try c.me()
        let a = try c.world.resolve(username: try r.string("username"), authKeyID: c.authKeyID)
        return tl("contacts.resolvedPeer", ["peer": TLShapes.peerUser(a.userID), "chats": .emptyVector, "users": .vector([TLShapes.user(a, viewer: me.userID)])])
    }

    /// Answers with `updates` holding `updateMessageID` and `updateNewMessage`, as Telegram does.
    static func sendMessage(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let me = try c.me()
        let peer = try userID(ofInput: try r.object("peer"), c, me: me)
        let m = try c.world.sendMessage(authKeyID: c.authKeyID, to: peer, text: try r.string("message"), randomID: try r.long("random_id"), now: c.now)
        var users = [TLShapes.user(me, viewer: me.userID)]
        if peer != me.userID, let other = c.world.account(id: peer) { users.append(TLShapes.user(other, viewer: me.userID)) }
        return tl("updates", [
            "updates": .vector([
                tl("updateMessageID", ["id": .int(m.id), "random_id": .long(m.randomID)]),
                tl("updateNewMessage", ["message": TLShapes.message(m), "pts": .int(m.pts), "pts_count": .int(1)]),
            ]),
            "users": .vector(users),
            "chats": .emptyVector,
            "date": .int(Int32(truncatingIfNeeded: c.now)),
            "seq": .int(0),
        ])
    }

    static func involvedUsers(_ list: [StoredMessage], me: Account, _ c: RequestContext) -> [Account] {
        var ids = Set(list.flatMap { [$0.peerID, $0.fromID] })
        ids.insert(me.userID)
        return ids.sorted().compactMap { c.world.account(id: $0) }
    }

    static func getHistory(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let me = try c.me()
        let peer = try userID(ofInput: try r.object("peer"), c, me: me)
        let page = try c.world.history(authKeyID: c.authKeyID, peer: peer, offsetID: try r.int("offset_id"), addOffset: Int(try r.int("add_offset")), limit: Int(try r.int("limit")), maxID: try r.int("max_id"), minID: try r.int("min_id"))
        return TLShapes.messages(page.messages, users: involvedUsers(page.messages, me: me, c), viewer: me.userID, count: page.count)
    }

    static func getMessages(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let me = try c.me()
        let ids: [Int32] = try r.vector("id").compactMap { v in
            guard let o = v.object else { return nil }
            return o.name == "inputMessageID" ? o.fields["id"]?.int32 : nil
        }
        let found = try c.world.messages(authKeyID: c.authKeyID, ids: ids)
        let list = zip(ids, found).map { id, m in m.map(TLShapes.message) ?? tl("messageEmpty", ["id": .int(id)]) }
        let real = found.compactMap { $0 }
        return tl("messages.messages", ["messages": .vector(list), "topics": .emptyVector, "chats": .emptyVector,
                                         "users": .vector(involvedUsers(real, me: me, c).map { TLShapes.user($0, viewer: me.userID) })])
    }

    static func getState(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        TLShapes.updatesState(try c.world.updateState(authKeyID: c.authKeyID, now: c.now))
    }

    static func getDifference(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let me = try c.me()
        let diff = try c.world.difference(authKeyID: c.authKeyID, pts: try r.int("pts"), now: c.now)
        if diff.messages.isEmpty {
            return tl("updates.differenceEmpty", ["date": .int(Int32(truncatingIfNeeded: c.now)), "seq": .int(0)])
        }
        return tl("updates.difference", [
            "new_messages": .vector(diff.messages.map(TLShapes.message)),
            "new_encrypted_messages": .emptyVector,
            "other_updates": .emptyVector,
            "chats": .emptyVector,
            "users": .vector(involvedUsers(diff.messages, me: me, c).map { TLShapes.user($0, viewer: me.userID) }),
            "state": TLShapes.updatesState(diff.state),
        ])
    }
}

/// `help.*`: the server's own data centres.
enum HelpAPI {
    static let handlers: [String: APIHandler] = [
        "help.getConfig": { _, c in TLShapes.config(dcs: c.dcs, thisDC: c.dcID, now: c.now) },
        "help.getNearestDc": { _, c in tl("nearestDc", ["country": .string("US"), "this_dc": .int(Int32(c.dcID)), "nearest_dc": .int(Int32(c.dcID))]) },
    ]
}
