import ArgumentParser

/// `tgflow session`: Inspect, export and import session files.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "session", abstract: "Inspect, export and import session files.")
    func run() async throws { throw ValidationError("tgflow session is not built yet") }
}
