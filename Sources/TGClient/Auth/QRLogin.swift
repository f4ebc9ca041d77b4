import Foundation
import TL

/// Logging in by QR code: this client shows a token, a logged-in app accepts it.
extension TelegramClient {
    /// Exports login tokens (`auth.exportLoginToken`) and hands each new one to
    /// `onToken` (show `token.url` as a QR code) until a logged-in app accepts
    /// it, following `auth.loginTokenMigrateTo` to the account's data centre.
    /// Throws `TelegramError.sessionPasswordNeeded` when the account has 2FA
    /// (then call `signIn(password:)`), `ClientError.qrLoginExpired` on timeout.
    @discardableResult
    public func qrLogin(timeout: Duration = .seconds(120), pollInterval: Duration = .milliseconds(500),
                        exceptUserIDs: [Int64] = [],
                        onToken: @Sendable (LoginToken) async throws -> Void) async throws -> User {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        var shown: [UInt8]?
        while Date() < deadline {
            let result = try await call(TLObject(name: "auth.exportLoginToken", fields: [
                "api_id": .int(Int32(truncatingIfNeeded: apiID)), "api_hash": .string(apiHash),
                "except_ids": .vector(exceptUserIDs.map { .long($0) }),
            ]))
            guard let object = result.object else { throw ClientError.unexpectedAnswer(method: "auth.exportLoginToken", got: "a non-object") }
            switch object.name {
            case "auth.loginToken":
                let token = object["token"]?.bytesValue ?? []
                if token != shown {
                    shown = token
                    let expires = Date(timeIntervalSince1970: TimeInterval(object["expires"]?.int32 ?? 0))
                    try await onToken(LoginToken(token: token, expires: expires))
                }
                try await Task.sleep(for: pollInterval)
            case "auth.loginTokenMigrateTo":
                guard let dc = object["dc_id"]?.int32, let token = object["token"] else {
                    throw ClientError.unexpectedAnswer(method: "auth.exportLoginToken", got: "loginTokenMigrateTo without dc_id/token")
                }
                try await migrateHome(to: Int(dc))
                let imported = try await call(TLObject(name: "auth.importLoginToken", fields: ["token": token]))
                guard imported.object?.name == "auth.loginTokenSuccess", let authorization = imported["authorization"] else {
                    throw ClientError.unexpectedAnswer(method: "auth.importLoginToken", got: imported.object?.name ?? "a non-object")
                }
                return try await completeAuthorization(authorization, method: "auth.importLoginToken")
            case "auth.loginTokenSuccess":
                guard let authorization = object["authorization"] else {
                    throw ClientError.unexpectedAnswer(method: "auth.exportLoginToken", got: "loginTokenSuccess without authorization")
                }
                return try await completeAuthorization(authorization, method: "auth.exportLoginToken")
            default:
                throw ClientError.unexpectedAnswer(method: "auth.exportLoginToken", got: object.name)
            }
        }
        throw ClientError.qrLoginExpired
    }

    /// Accepts another device's QR login token from this (logged-in) session.
    public func acceptLoginToken(_ token: [UInt8]) async throws {
        _ = try await call(TLObject(name: "auth.acceptLoginToken", fields: ["token": .bytes(token)]))
    }

    /// Reads the token back from a `tg://login?token=…` URL.
    public nonisolated static func loginToken(fromURL url: String) -> [UInt8]? {
        guard let range = url.range(of: "token=") else { return nil }
        var b64 = String(url[range.upperBound...]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return Data(base64Encoded: b64).map { [UInt8]($0) }
    }
}
