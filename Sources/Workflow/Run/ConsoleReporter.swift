import Foundation

/// Prints run events: one JSON object per line on stdout (`--json`), or one line per
/// step on stderr for people (with a status mark and duration). Text is already redacted.
public final class ConsoleReporter: RunEventSink, @unchecked Sendable {
    public enum Style: Sendable { case json, plain, terminal }
    private let style: Style
    private let lock = NSLock()
    /// On a terminal: the step in progress, redrawn with a spinner until it ends.
    private var current: (step: String, started: Date)?
    private var frame = 0
    private var timer: DispatchSourceTimer?
    private static let frames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

    public init(style: Style) {
        self.style = style
        if style == .terminal {
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "tgflow.spinner"))
            t.schedule(deadline: .now() + 0.1, repeating: 0.1)
            t.setEventHandler { [weak self] in self?.tick() }
            t.resume()
            timer = t
        }
    }

    deinit { timer?.cancel() }

    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        guard let current else { return }
        frame += 1
        let elapsed = String(format: "%.1f s", Date().timeIntervalSince(current.started))
        FileHandle.standardError.write(Data("\r\u{1B}[K\(Self.frames[frame % Self.frames.count]) \(current.step) \(elapsed)".utf8))
    }

    public func emit(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        if style == .json {
            FileHandle.standardOutput.write(Data((event.json + "\n").utf8))
            return
        }
        if style == .terminal {
            if event.kind == .stepStarted, let step = event.step {
                current = (step, Date())
                return
            }
            if current != nil {
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                if [.stepSucceeded, .stepFailed, .stepWaiting].contains(event.kind) { current = nil }
            }
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
