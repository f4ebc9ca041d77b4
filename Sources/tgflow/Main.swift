import ArgumentParser
import Foundation

/// The `tgflow` command line: run declarative Telegram workflows, validate them,
/// serve a loopback test Telegram, and inspect the TL schema.
@main
struct TGFlow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tgflow",
        abstract: "Run declarative YAML workflows against Telegram.",
        version: TGFlowVersion.description,
        subcommands: [RunCommand.self, ValidateCommand.self, PlanCommand.self, RunsCommand.self, TestDCCommand.self, SessionCommand.self, TLCommand.self]
    )

    /// Parses and runs a subcommand with tgflow's exit codes (README.md, "Exit codes"):
    /// every usage error exits 2, not swift-argument-parser's 64, and an error a command
    /// did not expect exits 3.
    static func main() async {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exitForParse(error)
        }
        do {
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            exitForRun(error, in: type(of: command))
        }
        Foundation.exit(0)
    }

    /// A command line that did not parse: help and --version exit 0 as usual; a usage
    /// error prints the parser's message and usage, then exits 2.
    private static func exitForParse(_ error: Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(CLIExitCode.usage)
    }

    /// A command that threw: an `ExitCode` it chose is kept (as are help and clean exits),
    /// a `ValidationError` or another usage error exits 2, anything else is an internal error (3).
    private static func exitForRun(_ error: Error, in command: ParsableCommand.Type) -> Never {
        let code = exitCode(for: error)
        if error is ExitCode || code == .success { exit(withError: error) }
        let name = (["tgflow"] + commandPath(to: command)).joined(separator: " ")
        if let usage = error as? ValidationError {
            FileHandle.standardError.write(Data("\(name): \(usage.message)\n".utf8))
            Foundation.exit(CLIExitCode.usage)
        }
        if code == .validationFailure {
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(CLIExitCode.usage)
        }
        FileHandle.standardError.write(Data("\(name): internal error: \(error)\n".utf8))
        Foundation.exit(CLIExitCode.internalError)
    }

    /// The subcommand names leading from `tgflow` to `command` (e.g. ["session", "import"]).
    static func commandPath(to command: ParsableCommand.Type, from root: ParsableCommand.Type = TGFlow.self) -> [String] {
        for sub in root.configuration.subcommands {
            if ObjectIdentifier(sub) == ObjectIdentifier(command) { return [sub._commandName] }
            let below = commandPath(to: command, from: sub)
            if !below.isEmpty { return [sub._commandName] + below }
        }
        return []
    }
}

/// The exit statuses every subcommand shares; `tgflow run` adds 4 and 5 (`RunExitCode`).
enum CLIExitCode {
    static let usage: Int32 = 2
    static let internalError: Int32 = 3
}
