import Foundation

/// Prints run events: one JSON object per line on stdout (`--json`), or one line per
/// step on stderr for people (with a status mark and duration). Text is already redacted.
public final class ConsoleReporter: RunEventSink, @unchecked Sendable {
    public enum Style: Sendable { case json, plain, terminal }
    private let style: Style
    private let lock = NSLock()

    public init(style: Style) { self.style = style }

    public func emit(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        if style == .json {
            FileHandle.standardOutput.write(Data((event.json + "\n").utf8))
            return
        }
        guard let line = humanLine(event) else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func mark(_ symbol: String, _ color: String) -> String {
        style == .terminal ? "\u{1B}[\(color)m\(symbol)\u{1B}[0m" : symbol
    }

    private func humanLine(_ e: RunEvent) -> String? {
        let step = e.step ?? ""
        let time = e.duration.map { String(format: " (%.2f s)", $0) } ?? ""
        switch e.kind {
        case .runStarted, .runResumed: return "▶ " + (e.message ?? "")
        case .stepStarted: return nil
        case .stepSucceeded: return "\(mark("✓", "32")) \(step)\(time)"
        case .stepFailed: return "\(mark("✗", "31")) \(step)\(time): \(e.message ?? "")"
        case .stepSkipped: return "\(mark("-", "90")) \(step) skipped: \(e.message ?? "")"
        case .stepRestored: return "\(mark("↺", "36")) \(step) \(e.message ?? "")"
        case .stepWaiting: return "\(mark("…", "33")) \(step) waiting: \(e.message ?? "")"
        case .notice: return "  \(step): \(e.message ?? "")"
        case .runFinished:
            let status = e.fields["status"]?.stringValue ?? ""
            var line = status == "succeeded" ? "\(mark("✓", "32")) run succeeded" : "\(mark("✗", "31")) run \(status)" + (e.message.map { ": \($0)" } ?? "")
            if case .object(let outputs)? = e.fields["outputs"], !outputs.isEmpty {
                line += "\n" + outputs.keys.sorted().map { "  \($0) = \(outputs[$0]!.interpolated)" }.joined(separator: "\n")
            }
            return line
        }
    }
}
