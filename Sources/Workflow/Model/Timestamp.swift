import Foundation

/// UTC timestamps as RFC 3339 / ISO 8601 text (`2026-11-26T05:55:05Z`), the form
/// events, checkpoints and `now()` use. Formatted directly: a formatter object per
/// event cost about a quarter of a run's CPU.
public enum Timestamp {
    public static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
