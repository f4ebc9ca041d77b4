import Foundation
import TL

/// The `account.*` methods: 2FA settings and email, authorisations, profile and username.
enum AccountAPI {
    static let handlers: [String: APIHandler] = [
        "account.getPassword": getPassword,
        "account.getPasswordSettings": getPasswordSettings,
        "account.updatePasswordSettings": updatePasswordSettings,
        "account.confirmPasswordEmail": confirmPasswordEmail,
        "account.resendPasswordEmail": resendPasswordEmail,
        "account.cancelPasswordEmail": cancelPasswordEmail,
        "account.getAuthorizations": getAuthorizations,
        "account.resetAuthorization": resetAuthorization,
        "account.updateProfile": updateProfile,
        "account.updateUsername": updateUsername,
    ]

    static func getPassword(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        TLShapes.password(try c.world.passwordInfo(authKeyID: c.authKeyID, now: c.now))
    }

    static func getPasswordSettings(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let email = try c.world.passwordSettings(try AuthAPI.proof(try r.object("password")), authKeyID: c.authKeyID, now: c.now)
        return tl("account.passwordSettings", email.map { ["email": .string($0)] } ?? [:])
    }

    /// Reads `account.passwordInputSettings`: an empty new_password_hash means "remove the password".
    static func newSettings(_ s: TLObject) throws -> NewPasswordSettings {
        let email = s.optionalString("email")
        guard let hashValue = s.fields["new_password_hash"] else {
            return NewPasswordSettings(password: nil, remove: false, email: email)
        }
        let hash = hashValue.bytesValue ?? []
        if hash.isEmpty { return NewPasswordSettings(password: nil, remove: true, email: nil) }
        let algo = try s.object("new_algo")
        guard algo.name == "passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow" else { throw RPCFailure.newSaltInvalid }
        return NewPasswordSettings(password: (try algo.bytes("salt1"), try algo.bytes("salt2"), hash, s.optionalString("hint") ?? ""), remove: false, email: email)
    }

    static func updatePasswordSettings(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        try c.world.updatePasswordSettings(try AuthAPI.proof(try r.object("password")), try newSettings(try r.object("new_settings")), authKeyID: c.authKeyID, now: c.now)
        return .boolTrue
    }

    static func confirmPasswordEmail(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        try c.world.confirmPasswordEmail(code: try r.string("code"), authKeyID: c.authKeyID)
        return .boolTrue
    }

    static func resendPasswordEmail(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        try c.world.resendPasswordEmail(authKeyID: c.authKeyID, now: c.now)
        return .boolTrue
    }

    static func cancelPasswordEmail(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        try c.world.cancelPasswordEmail(authKeyID: c.authKeyID)
        return .boolTrue
    }

    static func getAuthorizations(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let list = try c.world.authorizations(authKeyID: c.authKeyID)
        return tl("account.authorizations", [
            "authorization_ttl_days": .int(180),
            "authorizations": .vector(list.map { TLShapes.authorizationInfo($0.0, current: $0.current) }),
        ])
    }

    static func resetAuthorization(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        try c.world.resetAuthorization(hash: try r.long("hash"), authKeyID: c.authKeyID)
        return .boolTrue
    }

    static func updateProfile(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let a = try c.world.updateProfile(firstName: r.optionalString("first_name"), lastName: r.optionalString("last_name"), about: r.optionalString("about"), authKeyID: c.authKeyID)
        return TLShapes.user(a, viewer: a.userID)
    }

    static func updateUsername(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let a = try c.world.updateUsername(try r.string("username"), authKeyID: c.authKeyID)
        return TLShapes.user(a, viewer: a.userID)
    }
}
