import Foundation

/// The `--code-log` file: one JSON line `{"phone":…,"code":…,"method":…}` per code the server sends,
/// so tests and scripts can log in without a phone. (Codes are the point of this file; it is for loopback use only.)
public final class CodeLog: @unchecked Sendable {
    let path: String
    private let lock = NSLock()

    public init(path: String) { self.path = path }

    /// Appends one line; `method` is `sms`, `app`, `resend`, `email` or `recovery`.
    public func append(phone: String, code: String, method: String, extra: [String: String] = [:]) {
        var object: [String: String] = extra
        object["phone"] = phone
        object["code"] = code
        object["method"] = method
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        line.append(0x0A)
        lock.withLock {
            if !FileManager.default.fileExists(atPath: path) {
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: line)
        }
    }
}
