import Foundation

/// Who holds a session file open: recorded by the holder, shown to whoever is refused.
public struct SessionHolder: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var host: String
    /// The program name and its subcommand only: never its other arguments,
    /// which may carry secrets.
    public var command: String
    public var since: Date

    public init(pid: Int32, host: String, command: String, since: Date) {
        self.pid = pid; self.host = host; self.command = command; self.since = since
    }

    public var description: String {
        let when = ISO8601DateFormatter().string(from: since)
        return "process \(pid) (\(command)) on \(host) since \(when)"
    }
}

/// Why a session could not be opened, read, imported or exported.
public enum SessionStoreError: Error, Equatable, CustomStringConvertible {
    /// Another process (or another open session in this one) has the file.
    /// Nothing was changed; stop the holder or use another session file.
    case busy(path: String, holder: SessionHolder?)
    /// The file could not be created or opened (permissions, missing folder).
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not a SQLite session in Telethon's format.
    case notASession(path: String, reason: String)
    /// The file's Telethon schema version is newer than the one this build knows (8).
    case unsupportedVersion(path: String, version: Int)
    /// A string session could not be decoded; the reason names what was wrong.
    case invalidStringSession(reason: String)
    /// The session cannot be written as a string session (no auth key, or the
    /// home address is a host name rather than an IP address).
    case notExportable(reason: String)

    public var description: String {
        switch self {
        case let .busy(path, holder?):
            return "session \(path) is in use by \(holder); stop that process or use another session file"
        case let .busy(path, nil):
            return "session \(path) is in use by another process; stop it or use another session file"
        case let .cannotOpen(path, reason):
            return "cannot open session \(path): \(reason)"
        case let .notASession(path, reason):
            return "\(path) is not a Telethon/tgflow session file (\(reason)); check the path"
        case let .unsupportedVersion(path, version):
            return "session \(path) has schema version \(version), newer than the supported 8; use a newer tgflow"
        case let .invalidStringSession(reason):
            return "not a valid Telethon string session: \(reason); copy the whole string starting with '1'"
        case let .notExportable(reason):
            return "this session cannot be exported as a string session: \(reason)"
        }
    }
}
