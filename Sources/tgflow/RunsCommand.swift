import ArgumentParser
import Foundation
import Workflow

/// `tgflow runs`: List and show recorded runs from a checkpoint database.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List and show recorded runs.",
                                                    subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct Location: ParsableArguments {
        @Option(help: "The checkpoint database (default: the one `tgflow run` uses for --workflow, else .tgflow/state.db).") var state: String?
        @Option(help: "Find the checkpoint database the way `tgflow run FILE` does.") var workflow: String?

        func open() throws -> CheckpointStore {
            let path: String
            if let state { path = state }
            else if let workflow, let w = try? WorkflowLoader.load(path: workflow) { path = StatePaths.defaultState(for: w) }
            else { path = ".tgflow/state.db" }
            guard FileManager.default.fileExists(atPath: path) else {
                FileHandle.standardError.write(Data("tgflow runs: no checkpoint database at \(path)\n".utf8))
                throw ExitCode(2)
            }
            return try CheckpointStore(path: path, redactor: Redactor())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent runs, newest first.")
        @OptionGroup var location: Location
        @Flag(help: "JSON lines instead of text.") var json = false

        func run() async throws {
            let store = try location.open()
            let f = ISO8601DateFormatter()
            for r in try store.runs() {
                if json {
                    print(Value.object(["id": .string(r.id), "workflow": .string(r.workflowPath), "status": .string(r.status.rawValue),
                                        "started_at": .string(f.string(from: r.startedAt)), "error": r.error.map(Value.string) ?? .null]).json)
                } else {
                    print("\(r.id)  \(r.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(f.string(from: r.startedAt))  \(r.workflowPath)" + (r.error.map { "\n    \($0)" } ?? ""))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run's steps and events.")
        @OptionGroup var location: Location
        @Argument(help: "The run's id (or a unique prefix).") var id: String
        @Flag(help: "Include the event log.") var events = false

        func run() async throws {
            let store = try location.open()
            guard let r = try store.run(id) else {
                FileHandle.standardError.write(Data("tgflow runs: no run \(id)\n".utf8))
                throw ExitCode(2)
            }
            print("run \(r.id): \(r.status.rawValue)\nworkflow \(r.workflowPath) (sha256 \(r.workflowDigest.prefix(12)))")
            if let error = r.error { print("error: \(error)") }
            for s in try store.steps(ofRun: r.id) {
                let duration = s.finishedAt.map { String(format: " %.2f s", $0.timeIntervalSince(s.startedAt)) } ?? ""
                // A step still "running" in a run that ended was cut off: its outcome is unknown
                // until the next run settles it.
                let status = s.status == .running && r.status != .running ? "unknown" : s.status.rawValue
                print("  \(status.padding(toLength: 9, withPad: " ", startingAt: 0)) \(s.path) [\(s.kind)] attempt \(s.attempt)\(duration)")
                if s.outputs != .object([:]) { print("      outputs \(s.outputs.json)") }
                if let e = s.error { print("      error \(e)") }
            }
            if events { for e in try store.events(ofRun: r.id) { print(e.body) } }
        }
    }
}
