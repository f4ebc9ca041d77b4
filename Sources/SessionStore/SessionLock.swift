import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on the session file itself, held for
/// as long as the session is open. `flock` is independent of SQLite's own
/// `fcntl` locks, so Telethon (which takes none) can still read the file, while
/// a second tgflow process is refused at once instead of meeting
/// "database is locked" mid-run. A process that dies releases it automatically.
final class SessionLock: @unchecked Sendable {
    private static let heldPaths = NSLock()
    nonisolated(unsafe) private static var held: Set<String> = []

    let path: String
    private var fd: Int32

    /// Creates the file with mode 0600 if missing, tightens it to 0600 if not,
    /// and takes the lock; returns nil when someone else holds it.
    static func acquire(path: String) throws -> SessionLock? {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        heldPaths.lock(); defer { heldPaths.unlock() }
        if held.contains(key) { return nil }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 {
            throw SessionStoreError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            close(fd)
            if err == EWOULDBLOCK { return nil }
            throw SessionStoreError.cannotOpen(path: path, reason: "cannot lock: \(String(cString: strerror(err)))")
        }
        _ = fchmod(fd, 0o600)
        held.insert(key)
        return SessionLock(path: key, fd: fd)
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Releases the lock. Call only after the database connection is closed:
    /// closing any descriptor of the file drops this process's `fcntl` locks.
    func release() {
        guard fd >= 0 else { return }
        SessionLock.heldPaths.lock()
        SessionLock.held.remove(path)
        SessionLock.heldPaths.unlock()
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// This process as a holder record. Only the program name and a plain-word
    /// subcommand are kept, never other arguments (they may carry secrets).
    static func currentHolder(since: Date = Date()) -> SessionHolder {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "unknown host"
        let args = ProcessInfo.processInfo.arguments
        var command = URL(fileURLWithPath: args.first ?? "?").lastPathComponent
        if args.count > 1, args[1].allSatisfy({ $0.isLetter || $0 == "-" }), !args[1].hasPrefix("-") {
            command += " " + args[1]
        }
        return SessionHolder(pid: getpid(), host: host, command: command, since: since)
    }
}
