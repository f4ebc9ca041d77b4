import ArgumentParser
import Foundation
import TestDC
import Workflow

/// `tgflow run`: run a workflow, checkpointing every step; resume an unfinished run of the
/// same workflow and inputs. Exit codes are listed in README.md ("Exit codes").
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a workflow.",
        discussion: """
        Exit status: 0 succeeded; 1 a step failed; 2 bad usage (invalid workflow, missing input or secret; nothing sent); \
        3 internal error; 4 waiting for a person (rerun with --input code=… or --input password=…); \
        5 resume refused (a finished step changed, or an unsafe call was in flight: use --fresh or --retry-unsafe).
        """)

    @Argument(help: "The workflow file.") var file: String
    @Option(name: .customLong("input"), help: "An input as NAME=VALUE (repeatable). code= and password= answer a waiting login.") var inputs: [String] = []
    @Option(help: "The checkpoint database (default: next to the session, else .tgflow/state.db beside the workflow).") var state: String?
    @Flag(help: "Start a new run even if an unfinished one exists.") var fresh = false
    @Flag(help: "Print one JSON event per line on stdout.") var json = false
    @Flag(help: "Start an embedded test server on free loopback ports and run against it (session and state in a scratch folder).") var testdc = false
    @Option(help: "Run against a running `tgflow testdc` described by its info file.") var server: String?
    @Flag(help: "Resend a non-idempotent call that was in flight when the last run stopped.") var retryUnsafe = false

    func run() async throws {
        let workflow = try loadValidWorkflow(path: file)
        if testdc && server != nil { fail("--testdc and --server cannot be used together") }

        var options = RunOptions(environment: .process)
        for item in inputs {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { fail("--input takes NAME=VALUE") }
            options.inputs.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
        }
        options.fresh = fresh
        options.retryUnsafe = retryUnsafe
        options.serverInfoPath = server

        var embedded: EmbeddedTestServer?
        if testdc {
            do {
                embedded = try await EmbeddedTestServer.start()
            } catch {
                FileHandle.standardError.write(Data("tgflow run: cannot start the embedded test server: \(error)\n".utf8))
                throw ExitCode(RunExitCode.internalError.rawValue)
            }
            options.serverInfoPath = embedded!.infoPath
            options.outputDirectory = embedded!.scratch
        }
        let statePath = state ?? StatePaths.defaultState(for: workflow, outputDirectory: options.outputDirectory?.path)

        let redactor = Redactor()
        let store: CheckpointStore
        do {
            store = try CheckpointStore(path: statePath, redactor: redactor)
        } catch {
            FileHandle.standardError.write(Data("tgflow run: cannot open the checkpoint database \(statePath): \(error)\n".utf8))
            throw ExitCode(RunExitCode.internalError.rawValue)
        }
        let style: ConsoleReporter.Style = json ? .json : (isatty(2) == 1 ? .terminal : .plain)
        let runner = WorkflowRunner(workflow: workflow, options: options, store: store, redactor: redactor,
                                    sink: ConsoleReporter(style: style), telegram: TelegramClientAdapter.factory)
        let outcome = await runner.run()
        if embedded != nil, outcome.exitCode == .waitingForPerson {
            FileHandle.standardError.write(Data("tgflow run: the embedded test server stops with this run, so this run cannot be resumed; give the answer up front with --input\n".utf8))
        }
        if outcome.runID == nil, let message = outcome.message {
            FileHandle.standardError.write(Data("tgflow run: \(message)\n".utf8))
        }
        if !json, !outcome.outputs.isEmpty { print(Value.object(outcome.outputs).json) }
        await embedded?.stop()
        if outcome.exitCode != .succeeded { throw ExitCode(outcome.exitCode.rawValue) }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("tgflow run: \(message)\n".utf8))
        Foundation.exit(RunExitCode.usage.rawValue)
    }
}

/// The test server `tgflow run --testdc` starts in-process on free loopback ports, with a
/// scratch folder for the run's session, password files and checkpoint. It knows one bot
/// (the token workflows/bot-login.yaml defaults to).
final class EmbeddedTestServer {
    let scratch: URL
    let infoPath: String
    private let server: TestDCServer

    static let configJSON = #"{"bots":[{"token":"100200300:tgflow-testdc-bot","first_name":"tgflow test bot","username":"tgflow_test_bot"}]}"#

    private init(scratch: URL, infoPath: String, server: TestDCServer) {
        self.scratch = scratch
        self.infoPath = infoPath
        self.server = server
    }

    static func start() async throws -> EmbeddedTestServer {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-testdc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var options = TestDCOptions()
        options.host = "127.0.0.1"
        options.port = 0
        options.codeLogPath = scratch.appendingPathComponent("codes.jsonl").path
        options.config = try JSONDecoder().decode(TestDCConfig.self, from: Data(configJSON.utf8))
        let server = try await TestDCServer.start(options)
        let info = scratch.appendingPathComponent("testdc.json").path
        try server.writeInfo(to: info)
        return EmbeddedTestServer(scratch: scratch, infoPath: info, server: server)
    }

    /// Stops the server and removes the scratch folder: its session and files belong to a
    /// test Telegram that no longer exists.
    func stop() async {
        await server.close()
        try? FileManager.default.removeItem(at: scratch)
    }
}
