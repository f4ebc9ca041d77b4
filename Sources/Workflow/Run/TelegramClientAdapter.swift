/// Creates the `WorkflowTelegram` a run uses, over TGClient's `TelegramClient`.
public enum TelegramClientAdapter {
    public static let factory: WorkflowRunner.TelegramFactory = { _ in
        throw StepFailure(message: "this build has no Telegram client yet (TGClient is not merged)")
    }
}
