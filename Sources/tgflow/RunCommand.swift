import ArgumentParser

/// `tgflow run`: Run a workflow.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a workflow.")
    func run() async throws { throw ValidationError("tgflow run is not built yet") }
}
