import ArgumentParser

/// `tgflow plan`: Show what a workflow would do.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Show what a workflow would do.")
    func run() async throws { throw ValidationError("tgflow plan is not built yet") }
}
