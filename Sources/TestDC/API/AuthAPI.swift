import Foundation
import TL

/// The `auth.*` methods: codes, sign-in and sign-up, bots, 2FA login, log-out, exported authorisations, QR login.
enum AuthAPI {
    static let handlers: [String: APIHandler] = [
        "auth.sendCode": sendCode,
        "auth.resendCode": resendCode,
        "auth.cancelCode": cancelCode,
        "auth.signIn": signIn,
        "auth.signUp": signUp,
        "auth.importBotAuthorization": importBotAuthorization,
        "auth.checkPassword": checkPassword,
        "auth.logOut": logOut,
        "auth.resetAuthorizations": resetAuthorizations,
        "auth.exportAuthorization": exportAuthorization,
        "auth.importAuthorization": importAuthorization,
        "auth.exportLoginToken": exportLoginToken,
        "auth.importLoginToken": importLoginToken,
        "auth.acceptLoginToken": acceptLoginToken,
        "auth.requestPasswordRecovery": requestPasswordRecovery,
        "auth.recoverPassword": recoverPassword,
    ]

    static func sendCode(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let sent = try c.world.sendCode(phone: try r.string("phone_number"), apiID: try r.int("api_id"), apiHash: try r.string("api_hash"), dc: c.dcID, now: c.now)
        return TLShapes.sentCode(sent)
    }

    static func resendCode(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        TLShapes.sentCode(try c.world.resendCode(phone: try r.string("phone_number"), phoneCodeHash: try r.string("phone_code_hash"), now: c.now))
    }

    static func cancelCode(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        .bool(try c.world.cancelCode(phone: try r.string("phone_number"), phoneCodeHash: try r.string("phone_code_hash")))
    }

    static func signIn(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let result = try c.world.signIn(phone: try r.string("phone_number"), phoneCodeHash: try r.string("phone_code_hash"), code: r.optionalString("phone_code"), authKeyID: c.authKeyID, dc: c.dcID, device: c.device, now: c.now)
        switch result {
        case .authorized(let a): return TLShapes.authorization(a, viewer: a.userID)
        case .signUpRequired: return tl("auth.authorizationSignUpRequired", ["terms_of_service": TLShapes.termsOfService()])
        }
    }

    static func signUp(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let a = try c.world.signUp(phone: try r.string("phone_number"), phoneCodeHash: try r.string("phone_code_hash"), firstName: try r.string("first_name"), lastName: r.optionalString("last_name") ?? "", authKeyID: c.authKeyID, dc: c.dcID, device: c.device, now: c.now)
        return TLShapes.authorization(a, viewer: a.userID)
    }

    static func importBotAuthorization(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let bot = try c.world.importBotAuthorization(token: try r.string("bot_auth_token"), apiID: try r.int("api_id"), apiHash: try r.string("api_hash"), authKeyID: c.authKeyID, dc: c.dcID, device: c.device, now: c.now)
        return TLShapes.authorization(bot, viewer: bot.userID)
    }

    /// Reads an `InputCheckPasswordSRP`.
    static func proof(_ v: TLObject) throws -> PasswordProof {
        switch v.name {
        case "inputCheckPasswordEmpty": return .empty
        case "inputCheckPasswordSRP": return .srp(id: try v.long("srp_id"), A: try v.bytes("A"), M1: try v.bytes("M1"))
        default: throw RPCFailure.inputRequestInvalid(field: "password")
        }
    }

    static func checkPassword(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let a = try c.world.checkPassword(try proof(try r.object("password")), authKeyID: c.authKeyID, now: c.now)
        return TLShapes.authorization(a, viewer: a.userID)
    }

    static func logOut(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        try c.world.logOut(authKeyID: c.authKeyID)
        return tl("auth.loggedOut", [:])
    }

    static func resetAuthorizations(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        try c.world.resetAuthorizations(authKeyID: c.authKeyID)
        return .boolTrue
    }

    static func exportAuthorization(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let e = try c.world.exportAuthorization(toDC: Int(try r.int("dc_id")), authKeyID: c.authKeyID)
        return tl("auth.exportedAuthorization", ["id": .long(e.id), "bytes": .bytes(e.bytes)])
    }

    static func importAuthorization(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let a = try c.world.importAuthorization(id: try r.long("id"), bytes: try r.bytes("bytes"), authKeyID: c.authKeyID, dc: c.dcID, device: c.device, now: c.now)
        return TLShapes.authorization(a, viewer: a.userID)
    }

    static func loginToken(_ result: LoginTokenResult) -> TLValue {
        switch result {
        case .token(let t, let expires): return tl("auth.loginToken", ["expires": .int(Int32(truncatingIfNeeded: expires)), "token": .bytes(t)])
        case .migrate(let dc, let t): return tl("auth.loginTokenMigrateTo", ["dc_id": .int(Int32(dc)), "token": .bytes(t)])
        case .success(let a): return tl("auth.loginTokenSuccess", ["authorization": TLShapes.authorization(a, viewer: a.userID)])
        }
    }

    static func exportLoginToken(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        loginToken(try c.world.exportLoginToken(apiID: try r.int("api_id"), apiHash: try r.string("api_hash"), authKeyID: c.authKeyID, dc: c.dcID, device: c.device, now: c.now))
    }

    static func importLoginToken(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        loginToken(try c.world.importLoginToken(try r.bytes("token"), authKeyID: c.authKeyID, dc: c.dcID, device: c.device, now: c.now))
    }

    static func acceptLoginToken(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        TLShapes.authorizationInfo(try c.world.acceptLoginToken(try r.bytes("token"), authKeyID: c.authKeyID, now: c.now), current: false)
    }

    static func requestPasswordRecovery(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        tl("auth.passwordRecovery", ["email_pattern": .string(try c.world.requestPasswordRecovery(authKeyID: c.authKeyID, now: c.now))])
    }

    static func recoverPassword(_ r: TLObject, _ c: RequestContext) throws -> TLValue {
        let settings = try r.fields["new_settings"]?.object.map(AccountAPI.newSettings)
        let a = try c.world.recoverPassword(code: try r.string("code"), newSettings: settings, authKeyID: c.authKeyID, now: c.now)
        return TLShapes.authorization(a, viewer: a.userID)
    }
}
