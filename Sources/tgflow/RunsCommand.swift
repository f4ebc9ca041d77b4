import ArgumentParser

/// `tgflow runs`: List and show recorded runs.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List and show recorded runs.")
    func run() async throws { throw ValidationError("tgflow runs is not built yet") }
}
