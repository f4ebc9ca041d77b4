import Foundation

extension WorkflowRunner {
    /// `ensure_2fa`, `set_2fa`, `change_2fa`, `remove_2fa`. The current password's salt is
    /// checkpointed before the change is sent; a resumed run compares it with the server's
    /// (`account.getPassword`) and never applies the same change twice.
    func runPasswordChange(_ run: StepRun) async throws -> [String: Evaluated] {
        let tg = try await run.telegram()
        let now = try await tg.passwordState()
        let kind = run.step.kind
        let saltNow = now.currentSaltHex ?? "none"
        if let before = run.state["salt_before"]?.stringValue, before != saltNow {
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "the 2FA change was applied before the last run stopped (the server's password salt changed); not applying it again"))
            return ["changed": Evaluated(.bool(true)), "has_password": Evaluated(.bool(now.hasPassword))]
        }
        let current = try secretString(run, "current_password")
        let new = try secretString(run, kind == .change2FA ? "new_password" : "password")
        switch kind {
        case .ensure2FA where now.hasPassword:
            return ["changed": Evaluated(.bool(false)), "has_password": Evaluated(.bool(true))]
        case .set2FA, .ensure2FA:
            if now.hasPassword && current == nil {
                throw StepFailure(message: "the account already has a 2FA password; use change_2fa, or give set_2fa.current_password")
            }
        case .change2FA:
            if !now.hasPassword { throw StepFailure(message: "the account has no 2FA password to change; use set_2fa") }
        case .remove2FA:
            if !now.hasPassword { return ["changed": Evaluated(.bool(false)), "has_password": Evaluated(.bool(false))] }
        default: break
        }
        try run.save(["salt_before": .string(saltNow), "action": .string(kind.rawValue)])
        let email = try secretString(run, "email")
        var emailCode: (@Sendable (Int) async throws -> String)?
        if email != nil {
            guard let source = run.step.parameters["email_code"] else {
                throw StepFailure(message: "a recovery email needs \(kind.rawValue).email_code, where its confirmation code comes from")
            }
            emailCode = { _ in
                try await self.resolveCode(source, run: run, question: "Recovery email code",
                                           waiting: WaitingForPerson(message: "a confirmation code was sent to the recovery email; rerun with --input code=CODE"))
            }
        }
        try await tg.editPassword(current: now.hasPassword ? current : nil, new: kind == .remove2FA ? nil : new,
                                  hint: try run.string("hint"), email: email, emailCode: emailCode)
        return ["changed": Evaluated(.bool(true)), "has_password": Evaluated(.bool(kind != .remove2FA))]
    }

    private func secretString(_ run: StepRun, _ name: String) throws -> String? {
        guard let s = try run.string(name) else { return nil }
        redactor.register(s)
        return s
    }

    /// `rotate_2fa`: generate a strong password, store it at its destination (a 0600 file
    /// or a command) before the server is asked to use it, change, confirm with
    /// `account.getPassword`, then retire the old one. A resumed run reuses the stored
    /// candidate, so a password the server accepted is never lost.
    func runRotatePassword(_ run: StepRun) async throws -> [String: Evaluated] {
        let tg = try await run.telegram()
        let now = try await tg.passwordState()
        let saltNow = now.currentSaltHex ?? "none"
        guard case .object(let dest, _, _, _)? = run.step.parameters["destination"] else { throw StepFailure(message: "'rotate_2fa.destination' is required") }
        let file = try dest["file"].map { try run.evaluator.evaluate($0).value.interpolated }
        let fileURL = file.map { resolvePath($0, against: outputDirectory) }
        let pendingURL = fileURL.map { URL(fileURLWithPath: $0.path + ".pending") }
        let destinationName = file ?? "command"

        if let before = run.state["salt_before"]?.stringValue, before != saltNow {
            if let fileURL, let pendingURL, FileManager.default.fileExists(atPath: pendingURL.path) {
                try PasswordFile.promote(pendingURL, to: fileURL)
            }
            emit(RunEvent(.notice, runID: runID, step: run.path, message: "the rotation was applied before the last run stopped; the new password is at \(destinationName)"))
            return ["changed": Evaluated(.bool(true)), "destination": Evaluated(.string(destinationName))]
        }

        var current = try secretString(run, "current_password")
        if current == nil, now.hasPassword, let fileURL, let old = try? PasswordFile.read(fileURL) {
            current = register(old)
        }
        if now.hasPassword && current == nil {
            throw StepFailure(message: "the account has a 2FA password; give rotate_2fa.current_password (or keep it in the destination file)")
        }
        let length = Int(try run.parameter("length")?.value.intValue ?? 32)
        guard (12...128).contains(length) else { throw StepFailure(message: "'rotate_2fa.length' must be between 12 and 128") }
        let candidate: String
        if let pendingURL, let pending = try? PasswordFile.read(pendingURL) {
            candidate = register(pending)
        } else {
            candidate = register(PasswordGenerator.generate(length: length))
            if let pendingURL {
                try PasswordFile.write(candidate, to: pendingURL)
            } else if case .array(let items, _)? = dest["command"] {
                let argv = try items.map { try run.evaluator.evaluate($0).value.interpolated }
                _ = try CommandRunner.output(of: argv, timeout: 60, secretName: "rotate_2fa.destination", input: candidate + "\n")
            }
        }
        try run.save(["salt_before": .string(saltNow), "phase": .string("changing"), "destination": .string(destinationName)])
        emit(RunEvent(.notice, runID: runID, step: run.path, message: "new password stored at \(destinationName); asking Telegram to use it"))
        try await tg.editPassword(current: now.hasPassword ? current : nil, new: candidate, hint: try run.string("hint"), email: nil, emailCode: nil)
        let after = try await tg.passwordState()
        guard (after.currentSaltHex ?? "none") != saltNow, after.hasPassword else {
            throw StepFailure(message: "Telegram accepted the new 2FA password but account.getPassword does not show the change; the new password is kept at \(destinationName)")
        }
        if let fileURL, let pendingURL { try PasswordFile.promote(pendingURL, to: fileURL) }
        try run.save(["phase": .string("done")])
        return ["changed": Evaluated(.bool(true)), "destination": Evaluated(.string(destinationName))]
    }
}

/// Strong random passwords from the system's CSPRNG.
enum PasswordGenerator {
    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%")
    static func generate(length: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }
}

/// Password files: created 0600, written and fsynced before use, replaced atomically.
enum PasswordFile {
    static func write(_ password: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw StepFailure(message: "cannot create \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let bytes = Array((password + "\n").utf8)
        guard bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw StepFailure(message: "cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    static func read(_ url: URL) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path), let s = String(data: data, encoding: .utf8) else {
            throw StepFailure(message: "cannot read \(url.path)")
        }
        return SecretResolver.trimNewline(s)
    }

    /// Replaces `target` with `pending` (rename is atomic), then syncs the folder.
    static func promote(_ pending: URL, to target: URL) throws {
        guard rename(pending.path, target.path) == 0 else { throw StepFailure(message: "cannot move \(pending.path) to \(target.path)") }
        let dir = open(target.deletingLastPathComponent().path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
