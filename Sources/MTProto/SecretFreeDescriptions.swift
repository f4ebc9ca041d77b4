/// The protocol state machines hold nonces, DH secrets, temporary AES keys and auth keys;
/// printing or dumping them shows only what is safe to log.

extension ClientAuthKeyExchange: CustomStringConvertible, CustomReflectable {
    public var description: String { "ClientAuthKeyExchange(dc: \(dcID), keys: \(serverKeys.map(\.fingerprint)))" }
    public var customMirror: Mirror { Mirror(self, children: ["dcID": dcID], displayStyle: .struct) }
}

extension ServerAuthKeyExchange: CustomStringConvertible, CustomReflectable {
    public var description: String { "ServerAuthKeyExchange(key: \(privateKey.publicKey.fingerprint))" }
    public var customMirror: Mirror { Mirror(self, children: ["requestedDC": requestedDC as Any], displayStyle: .struct) }
}

extension ClientSession: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "ClientSession(auth key \(authKey.id), session \(sessionID), \(pendingRequests) pending, \(rejectedPackets) rejected)"
    }
    public var customMirror: Mirror {
        Mirror(self, children: ["authKeyID": authKey.id, "sessionID": sessionID, "pendingRequests": pendingRequests],
               displayStyle: .struct)
    }
}

extension ServerSession: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "ServerSession(auth key \(authKey.id), session \(sessionID.map(String.init) ?? "none"), \(rejectedPackets) rejected)"
    }
    public var customMirror: Mirror {
        Mirror(self, children: ["authKeyID": authKey.id, "sessionID": sessionID as Any], displayStyle: .struct)
    }
}
