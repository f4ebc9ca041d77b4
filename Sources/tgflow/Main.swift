import ArgumentParser

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
}
