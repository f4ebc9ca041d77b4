import Foundation

/// Why a secret could not be resolved. Messages name the secret and its source, never a value.
public enum SecretError: Error, CustomStringConvertible, Equatable {
    /// The environment variable is not set (or empty).
    case missingEnvironment(secret: String, variable: String)
    /// The file does not exist or cannot be read.
    case unreadableFile(secret: String, path: String)
    /// The file can be read by every user; refused unless `allow_world_readable: true`.
    case worldReadable(secret: String, path: String)
    /// A prompt was needed but there is no terminal (CI, a pipe); give the secret another way.
    case noTerminal(secret: String)
    /// Standard input was empty or already used by another secret.
    case stdinUnavailable(secret: String)
    /// The command could not start, or exited with a non-zero status.
    case commandFailed(secret: String, command: String, status: Int32)
    /// The command did not finish in time and was stopped.
    case commandTimedOut(secret: String, command: String, seconds: Double)

    public var description: String {
        switch self {
        case .missingEnvironment(let s, let v): return "secret '\(s)': environment variable \(v) is not set"
        case .unreadableFile(let s, let p): return "secret '\(s)': cannot read file \(p)"
        case .worldReadable(let s, let p): return "secret '\(s)': \(p) is readable by every user; run 'chmod 600 \(p)' or set allow_world_readable: true"
        case .noTerminal(let s): return "secret '\(s)' needs a prompt, but there is no terminal; give it with env, file, stdin or command instead"
        case .stdinUnavailable(let s): return "secret '\(s)': standard input is empty or was already read by another secret"
        case .commandFailed(let s, let c, let status): return "secret '\(s)': command '\(c)' failed with exit status \(status)"
        case .commandTimedOut(let s, let c, let t): return "secret '\(s)': command '\(c)' did not finish within \(Int(t)) s"
        }
    }
}

/// What secret providers read from; the real process environment by default, scripted in tests.
public struct SecretEnvironment: Sendable {
    public var variables: [String: String]
    public var isTerminal: Bool
    public var readStandardInput: @Sendable () -> String?
    /// Asks on the terminal without echo.
    public var prompt: @Sendable (String) -> String?

    public init(variables: [String: String], isTerminal: Bool, readStandardInput: @escaping @Sendable () -> String?, prompt: @escaping @Sendable (String) -> String?) {
        self.variables = variables
        self.isTerminal = isTerminal
        self.readStandardInput = readStandardInput
        self.prompt = prompt
    }

    public static var process: SecretEnvironment {
        SecretEnvironment(
            variables: ProcessInfo.processInfo.environment,
            isTerminal: isatty(0) == 1 && isatty(2) == 1,
            readStandardInput: {
                // At most 1 MiB: a secret is small, and a runaway pipe must not exhaust memory.
                var data = Data()
                while data.count < 1 << 20 {
                    let chunk = FileHandle.standardInput.readData(ofLength: 64 << 10)
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                return data.count < 1 << 20 ? String(data: data, encoding: .utf8) : nil
            },
            prompt: { question in
                FileHandle.standardError.write(Data("\(question): ".utf8))
                guard let p = getpass("") else { return nil }
                return String(cString: p)
            })
    }
}

/// Resolves declared secrets through their providers and registers every value with the redactor.
public struct SecretResolver {
    public var environment: SecretEnvironment
    public var redactor: Redactor
    /// Relative `file:` paths are read from here (the workflow's folder).
    public var baseDirectory: URL

    public init(environment: SecretEnvironment, redactor: Redactor, baseDirectory: URL) {
        self.environment = environment
        self.redactor = redactor
        self.baseDirectory = baseDirectory
    }

    /// Every secret's value (optional ones that cannot be resolved are null). Throws the first failure.
    public func resolveAll(_ declarations: [SecretDeclaration]) throws -> [String: Evaluated] {
        var stdinUsed = false
        var values: [String: Evaluated] = [:]
        for d in declarations {
            do {
                if case .stdin = d.source {
                    if stdinUsed { throw SecretError.stdinUnavailable(secret: d.name) }
                    stdinUsed = true
                }
                let value = try resolve(d)
                redactor.register(value)
                values[d.name] = Evaluated(.string(value), secret: true)
            } catch let error as SecretError where d.optional {
                _ = error
                values[d.name] = Evaluated(.null, secret: true)
            }
        }
        return values
    }

    public func resolve(_ d: SecretDeclaration) throws -> String {
        switch d.source {
        case .env(let variable):
            guard let v = environment.variables[variable], !v.isEmpty else { throw SecretError.missingEnvironment(secret: d.name, variable: variable) }
            return v
        case .file(let path, let allowWorldReadable):
            let url = resolvePath((path as NSString).expandingTildeInPath, against: baseDirectory)
            var st = stat()
            guard stat(url.path, &st) == 0 else { throw SecretError.unreadableFile(secret: d.name, path: path) }
            if st.st_mode & S_IROTH != 0, !allowWorldReadable { throw SecretError.worldReadable(secret: d.name, path: path) }
            guard let data = FileManager.default.contents(atPath: url.path), data.count <= 1 << 20,
                  let text = String(data: data, encoding: .utf8) else { throw SecretError.unreadableFile(secret: d.name, path: path) }
            return Self.trimNewline(text)
        case .stdin:
            guard let text = environment.readStandardInput(), !text.isEmpty else { throw SecretError.stdinUnavailable(secret: d.name) }
            return Self.trimNewline(text)
        case .prompt(let question):
            guard environment.isTerminal, let answer = environment.prompt(question) else { throw SecretError.noTerminal(secret: d.name) }
            return answer
        case .command(let argv, let timeout):
            return Self.trimNewline(try CommandRunner.output(of: argv, timeout: timeout, secretName: d.name))
        }
    }

    static func trimNewline(_ text: String) -> String {
        var t = text
        if t.hasSuffix("\r\n") { t.removeLast(2) } else if t.hasSuffix("\n") { t.removeLast() }
        return t
    }
}

/// `path` as an absolute file URL: itself when absolute, else inside `directory`. (Unlike
/// `URL(fileURLWithPath:relativeTo:)`, which resolves against the base's parent when the
/// base URL does not end in a slash.)
func resolvePath(_ path: String, against directory: URL) -> URL {
    path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: directory.path).appendingPathComponent(path)
}

/// Runs a program (no shell) and returns its standard output, with a deadline.
enum CommandRunner {
    static func output(of argv: [String], timeout: Double, secretName: String, input: String? = nil) throws -> String {
        let process = Process()
        let program = argv[0]
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(argv.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
        }
        let out = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardInput = inPipe
        process.standardError = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch { throw SecretError.commandFailed(secret: secretName, command: program, status: -1) }
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let collected = DataBox()
        let reader = Thread {
            collected.data = out.fileHandleForReading.readDataToEndOfFile()
            collected.done.signal()
        }
        reader.start()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = done.wait(timeout: .now() + 2)
            throw SecretError.commandTimedOut(secret: secretName, command: program, seconds: timeout)
        }
        _ = collected.done.wait(timeout: .now() + 5)
        guard process.terminationStatus == 0 else {
            throw SecretError.commandFailed(secret: secretName, command: program, status: process.terminationStatus)
        }
        guard collected.data.count <= 1 << 20, let text = String(data: collected.data, encoding: .utf8) else {
            throw SecretError.commandFailed(secret: secretName, command: program, status: 0)
        }
        return text
    }

    private final class DataBox: @unchecked Sendable {
        var data = Data()
        let done = DispatchSemaphore(value: 0)
    }
}
