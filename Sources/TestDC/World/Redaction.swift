/// The world's types that hold secrets (codes, verifiers, tokens, api_hash, seed passwords)
/// print without them: `description`, `debugDescription`, string interpolation and `dump`
/// show only what identifies the value.

extension Account: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "Account(id: \(userID), dc: \(homeDC), bot: \(isBot), has password: \(password != nil), pts: \(pts))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["userID": userID, "homeDC": homeDC, "isBot": isBot]) }
}

extension PasswordState: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "PasswordState(<SRP verifier>, recovery email: \(email != nil))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["hasEmail": email != nil]) }
}

extension PendingPasswordEmail: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "PendingPasswordEmail(<code>, sent at \(sentAt))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["sentAt": sentAt]) }
}

extension LoginCode: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "LoginCode(<code>, attempts: \(attempts), expires at \(expiresAt))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["attempts": attempts, "expiresAt": expiresAt]) }
}

extension LoginToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "LoginToken(<token>, dc: \(dcID), accepted: \(acceptedBy != nil))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["dcID": dcID]) }
}

extension TestDCConfig.App: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "App(api_id: \(apiID), api_hash: <secret>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["apiID": apiID]) }
}

extension TestDCConfig.Bot: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Bot(\(username ?? "?"), token: <secret>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["username": username as Any]) }
}

extension TestDCConfig.SeedAccount: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SeedAccount(\(firstName), password: \(password == nil ? "none" : "<secret>"))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["firstName": firstName]) }
}
