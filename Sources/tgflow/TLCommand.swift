import ArgumentParser

/// `tgflow tl …`: questions about Telegram's schema.
struct TLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tl", abstract: "Inspect Telegram's TL schema.")
}
