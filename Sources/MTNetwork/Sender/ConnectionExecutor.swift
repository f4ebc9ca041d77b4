import Foundation
import NIOCore
import NIOPosix

/// Runs a task's code on the event loop of its sender's current connection, where answers
/// are handled: a caller that prefers it (`withTaskExecutorPreference(sender.taskExecutor)`)
/// is resumed without waking another thread and its requests are written without a hop, so
/// a round trip costs two thread wake-ups (ours and the server's) instead of four. Work on
/// it delays the connection's I/O: use it for code that mostly waits on requests.
///
/// Jobs are queued here and run in batches, one event-loop task per batch: the answers in
/// one packet resume all their callers with a single hand-over to the loop.
public final class ConnectionExecutor: TaskExecutor, @unchecked Sendable {
    private let core: SenderCore
    private let lock = AdaptiveLock()
    private var jobs: [UnownedJob] = []
    /// A batch is on its way to an event loop; jobs queued meanwhile join it.
    private var batchScheduled = false

    init(core: SenderCore) { self.core = core }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let first: Bool = lock.withLock {
            jobs.append(job)
            defer { batchScheduled = true }
            return !batchScheduled
        }
        guard first else { return }
        let run: @Sendable () -> Void = { self.runBatch() }
        // Before the first connection (and between connections), any event loop will do.
        if !core.executeOnConnection(run) { MultiThreadedEventLoopGroup.singleton.any().execute(run) }
    }

    /// Runs the jobs queued so far; those they queue run in the next batch, after the loop's I/O.
    private func runBatch() {
        var batch: [UnownedJob] = []
        lock.withLock {
            swap(&batch, &jobs)
            batchScheduled = false
        }
        let executor = asUnownedTaskExecutor()
        for job in batch { job.runSynchronously(on: executor) }
    }
}
