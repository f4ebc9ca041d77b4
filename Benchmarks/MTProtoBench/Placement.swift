import Foundation
import NIOCore

/// Where the network figures run. With two or more cores the whole process (the test
/// server's loop, our client's loop and the cooperative pool its callers run on) and the
/// Telethon process share core 0, so both clients get the same single core beside the same
/// server: a wake-up across cores costs tens of microseconds on this kind of VM (see the
/// floor line), and where the scheduler put each thread otherwise decided the figures.
/// BENCH_UNPINNED=1 leaves placement to the scheduler.
enum Placement {
    static let pinned = System.coreCount >= 2 && ProcessInfo.processInfo.environment["BENCH_UNPINNED"] == nil

    static var description: String {
        pinned ? "this process (server, client loop, pool) and Telethon pinned to core 0" : "left to the scheduler"
    }

    /// Pins every thread of this process to core 0 when `pinned`; threads started later
    /// (the pool's, the event loops') inherit the mask. Returns false if that failed.
    @discardableResult
    static func pinProcess() -> Bool {
        guard pinned else { return true }
        // sched_setaffinity is not visible to Swift through Glibc (it needs _GNU_SOURCE).
        typealias SetAffinity = @convention(c) (Int32, Int, UnsafeRawPointer) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sched_setaffinity") else { return false }
        let setAffinity = unsafeBitCast(symbol, to: SetAffinity.self)
        var mask = [UInt64](repeating: 0, count: 16)  // a 1024-bit cpu_set_t
        mask[0] = 1
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var ok = !threads.isEmpty
        for tid in threads.compactMap({ Int32($0) }) {
            ok = mask.withUnsafeBytes { setAffinity(tid, $0.count, $0.baseAddress!) } == 0 && ok
        }
        return ok
    }
}
