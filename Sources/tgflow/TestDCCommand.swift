import ArgumentParser

/// `tgflow testdc`: Serve a loopback Telegram stand-in.
struct TestDCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "testdc", abstract: "Serve a loopback Telegram stand-in.")
    func run() async throws { throw ValidationError("tgflow testdc is not built yet") }
}
