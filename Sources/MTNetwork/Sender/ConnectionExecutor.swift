import Foundation
import NIOCore
import NIOPosix

/// Runs a task's code on the event loop of its sender's current connection, where answers
/// are handled: a caller that prefers it (`withTaskExecutorPreference(sender.taskExecutor)`)
/// is resumed without waking another thread and its requests are written without a hop, so
/// a round trip costs two thread wake-ups (ours and the server's) instead of four. Work on
/// it delays the connection's I/O: use it for code that mostly waits on requests.
public final class ConnectionExecutor: TaskExecutor, @unchecked Sendable {
    private let core: SenderCore

    init(core: SenderCore) { self.core = core }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let run: @Sendable () -> Void = { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        // Before the first connection (and between connections), any event loop will do.
        if !core.executeOnConnection(run) { MultiThreadedEventLoopGroup.singleton.any().execute(run) }
    }
}
