import ArgumentParser

/// `tgflow validate`: Check workflows without running them.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check workflows without running them.")
    func run() async throws { throw ValidationError("tgflow validate is not built yet") }
}
