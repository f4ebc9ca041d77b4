import ArgumentParser
import Foundation
import SessionStore
import TGClient

/// `tgflow session`: inspect session files, and move them to and from
/// Telethon string sessions.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Inspect, export and import session files (Telethon-compatible).",
        subcommands: [Info.self, Export.self, Import.self]
    )

    /// `tgflow session info FILE`: what the session holds, without any secret.
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a session's data centre, login state, pending login and flood waits (never its keys).")

        @Argument(help: "The session file (.session is appended if missing).")
        var path: String

        func run() async throws {
            let session = try open(path, mustExist: true)
            defer { session.close() }
            print("session: \(session.path)")
            if let home = try session.home() {
                let key = try session.authKey(dc: home.id) != nil ? "auth key present" : "no auth key"
                print("home:    DC \(home.id) at \(home.host):\(home.port) (\(key))")
            } else {
                print("home:    none (never connected)")
            }
            let known = Set(try session.dcList().map(\.id)).union(1...5)
            let others = try known.sorted().filter { try session.home()?.id != $0 && session.authKey(dc: $0) != nil }
            if !others.isEmpty { print("keys:    also for DC \(others.map(String.init).joined(separator: ", "))") }
            if let me = try session.selfUserID() {
                print("account: logged in as user \(me)")
            } else {
                print("account: not logged in")
            }
            if let pending = try session.pendingLogin() {
                print("pending: code sent to +\(pending.phone) at \(ISO8601DateFormatter().string(from: pending.sentAt))")
            }
            for method in ["auth.sendCode", "auth.signIn", "auth.checkPassword", "auth.signUp"] {
                if let until = try session.floodDeadline(method: method), until > Date() {
                    print("flood:   \(method) blocked for \(Int(until.timeIntervalSinceNow.rounded(.up))) s more")
                }
            }
        }
    }

    /// `tgflow session export FILE`: the Telethon string session (a credential).
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the session as a Telethon StringSession. The string logs anyone in: keep it secret.")

        @Argument(help: "The session file (.session is appended if missing).")
        var path: String

        func run() async throws {
            let session = try open(path, mustExist: true)
            defer { session.close() }
            print(try StringSession(from: session).encoded())
        }
    }

    /// `tgflow session import FILE`: a session file from a Telethon string session,
    /// read from standard input so that it never appears in the process list.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update a session file from a Telethon StringSession read from standard input.")

        @Argument(help: "The session file to write (.session is appended if missing; created 0600).")
        var path: String

        func run() async throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("no string session on standard input (pipe it in: tgflow session import FILE < string.txt)")
            }
            let string: StringSession
            do {
                string = try StringSession(parsing: line)
            } catch {
                throw ValidationError("\(error)")
            }
            let session = try open(path)
            defer { session.close() }
            try string.apply(to: session)
            print("imported \(string.dc) into \(session.path)")
        }
    }
}

private func open(_ path: String, mustExist: Bool = false) throws -> SQLiteSession {
    let file = path.hasSuffix(".session") ? path : path + ".session"
    if mustExist, !FileManager.default.fileExists(atPath: file) {
        throw ValidationError("no session file at \(file)")
    }
    do {
        return try SQLiteSession(path: path)
    } catch let error as SessionStoreError {
        throw ValidationError(error.description)
    }
}
