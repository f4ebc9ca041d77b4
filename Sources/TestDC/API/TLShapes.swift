import Foundation
import TL
import MTCrypto

/// The TL objects the test server answers with, built from the world model.
enum TLShapes {
    /// `user#…` as `viewer` sees `a` (phone and `self` only for oneself).
    static func user(_ a: Account, viewer: Int64?) -> TLValue {
        var f: [String: TLValue] = [
            "id": .long(a.userID),
            "access_hash": .long(a.accessHash),
            "first_name": .string(a.firstName),
        ]
        if !a.lastName.isEmpty { f["last_name"] = .string(a.lastName) }
        if let u = a.username { f["username"] = .string(u) }
        if a.userID == viewer {
            f["self"] = .bool(true)
            if let p = a.phone { f["phone"] = .string(p) }
        }
        if a.isBot {
            f["bot"] = .bool(true)
            f["bot_info_version"] = .int(1)
        }
        if a.userID == World.serviceUserID {
            f["verified"] = .bool(true)
            f["support"] = .bool(true)
        }
        f["status"] = a.isBot ? tl("userStatusEmpty") : tl("userStatusRecently", [:])
        return tl("user", f)
    }

    static func peerUser(_ id: Int64) -> TLValue { tl("peerUser", ["user_id": .long(id)]) }

    static func message(_ m: StoredMessage) -> TLValue {
        var f: [String: TLValue] = [
            "id": .int(m.id),
            "peer_id": peerUser(m.peerID),
            "from_id": peerUser(m.fromID),
            "date": .int(Int32(truncatingIfNeeded: m.date)),
            "message": .string(m.text),
        ]
        if m.out { f["out"] = .bool(true) }
        return tl("message", f)
    }

    static func authorization(_ a: Account, viewer: Int64) -> TLValue {
        tl("auth.authorization", ["user": user(a, viewer: viewer)])
    }

    static func sentCode(_ s: SentCode) -> TLValue {
        let type = s.inApp ? tl("auth.sentCodeTypeApp", ["length": .int(Int32(s.length))]) : tl("auth.sentCodeTypeSms", ["length": .int(Int32(s.length))])
        return tl("auth.sentCode", ["type": type, "phone_code_hash": .string(s.phoneCodeHash)])
    }

    static func termsOfService() -> TLValue {
        tl("help.termsOfService", [
            "id": tl("dataJSON", ["data": .string("{\"id\":\"testdc-tos-1\"}")]),
            "text": .string("This is tgflow's loopback test server. Nothing here is real."),
            "entities": .emptyVector,
        ])
    }

    static func kdfAlgo(salt1: [UInt8], salt2: [UInt8]) -> TLValue {
        tl("passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow", [
            "salt1": .bytes(salt1), "salt2": .bytes(salt2), "g": .int(Int32(TelegramDH.g)), "p": .bytes(TelegramDH.prime),
        ])
    }

    static func password(_ info: PasswordInfo) -> TLValue {
        var f: [String: TLValue] = [
            "new_algo": kdfAlgo(salt1: info.newSalt1, salt2: info.newSalt2),
            "new_secure_algo": tl("securePasswordKdfAlgoPBKDF2HMACSHA512iter100000", ["salt": .bytes(SecureRandom.bytes(8))]),
            "secure_random": .bytes(SecureRandom.bytes(32)),
        ]
        if let c = info.current {
            f["has_password"] = .bool(true)
            f["current_algo"] = kdfAlgo(salt1: c.salt1, salt2: c.salt2)
            f["srp_B"] = .bytes(c.srpB)
            f["srp_id"] = .long(c.srpID)
        }
        if let h = info.hint { f["hint"] = .string(h) }
        if info.hasRecovery { f["has_recovery"] = .bool(true) }
        if let p = info.emailUnconfirmedPattern { f["email_unconfirmed_pattern"] = .string(p) }
        return tl("account.password", f)
    }

    static func authorizationInfo(_ auth: Authorization, current: Bool) -> TLValue {
        var f: [String: TLValue] = [
            "hash": .long(current ? 0 : auth.hash),
            "device_model": .string(auth.device.deviceModel),
            "platform": .string("tgflow-testdc"),
            "system_version": .string(auth.device.systemVersion),
            "api_id": .int(auth.device.apiID),
            "app_name": .string("app \(auth.device.apiID)"),
            "app_version": .string(auth.device.appVersion),
            "date_created": .int(Int32(truncatingIfNeeded: auth.createdAt)),
            "date_active": .int(Int32(truncatingIfNeeded: auth.activeAt)),
            "ip": .string("127.0.0.1"),
            "country": .string("Loopback"),
            "region": .string(""),
        ]
        if current { f["current"] = .bool(true) }
        return tl("authorization", f)
    }

    static func updatesState(_ s: UpdateState) -> TLValue {
        tl("updates.state", ["pts": .int(s.pts), "qts": .int(0), "date": .int(Int32(truncatingIfNeeded: s.date)), "seq": .int(0), "unread_count": .int(0)])
    }

    static func messages(_ list: [StoredMessage], users: [Account], viewer: Int64, count: Int? = nil) -> TLValue {
        var f: [String: TLValue] = [
            "messages": .vector(list.map(message)),
            "topics": .emptyVector,
            "chats": .emptyVector,
            "users": .vector(users.map { user($0, viewer: viewer) }),
        ]
        if let count, count > list.count {
            f["count"] = .int(Int32(count))
            return tl("messages.messagesSlice", f)
        }
        return tl("messages.messages", f)
    }

    static func config(dcs: [DCAddress], thisDC: Int, now: Int) -> TLValue {
        let ints: [String: Int32] = [
            "chat_size_max": 200, "megagroup_size_max": 200_000, "forwarded_count_max": 100,
            "online_update_period_ms": 210_000, "offline_blur_timeout_ms": 5_000, "offline_idle_timeout_ms": 30_000,
            "online_cloud_timeout_ms": 300_000, "notify_cloud_delay_ms": 30_000, "notify_default_delay_ms": 1_500,
            "push_chat_period_ms": 60_000, "push_chat_limit": 2, "edit_time_limit": 172_800,
            "revoke_time_limit": 2_147_483_647, "revoke_pm_time_limit": 2_147_483_647, "rating_e_decay": 2_419_200,
            "stickers_recent_limit": 200, "channels_read_media_period": 604_800,
            "call_receive_timeout_ms": 20_000, "call_ring_timeout_ms": 90_000, "call_connect_timeout_ms": 30_000,
            "call_packet_timeout_ms": 10_000, "caption_length_max": 1_024, "message_length_max": Int32(World.maxMessageLength),
            "webfile_dc_id": 1,
        ]
        var f = ints.mapValues { TLValue.int($0) }
        f["date"] = .int(Int32(truncatingIfNeeded: now))
        f["expires"] = .int(Int32(truncatingIfNeeded: now + 3600))
        f["test_mode"] = .bool(false)
        f["this_dc"] = .int(Int32(thisDC))
        f["dc_options"] = .vector(dcs.map { dc in
            tl("dcOption", ["id": .int(Int32(dc.id)), "ip_address": .string(dc.host), "port": .int(Int32(dc.port))])
        })
        f["dc_txt_domain_name"] = .string("")
        f["me_url_prefix"] = .string("https://t.me/")
        return tl("config", f)
    }
}
