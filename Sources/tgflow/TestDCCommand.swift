import ArgumentParser
import Foundation
import MTProto
import TestDC

/// `tgflow testdc`: Serve a loopback Telegram stand-in.
struct TestDCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testdc",
        abstract: "Serve a loopback Telegram stand-in.",
        discussion: """
        Serves N data centres on consecutive ports. Phone numbers 99966XYYYY live on DC X and their \
        code is X five times; other numbers get a random code, sent from 777000 to the account's \
        logged-in sessions. Every code sent is appended to --code-log as {"phone","code","method"}. \
        When ready, prints the info JSON (DCs, RSA public key, fingerprint) and writes it to --info.

        --config is JSON with any of these keys:
          apps      [{"api_id", "api_hash"}]: only these apps may log in
          bots      [{"token", "username", "first_name", "dc"}]
          accounts  [{"phone", "first_name", "password", "hint", "email"}]
          limits    {"code_ttl", "code_attempts", "send_code_per_window",
                     "password_attempts", "flood_window", "default_dc"}
          faults    {"drop_after_frames", "drop_at_method",
                     "close_mid_frame_at_method", "delay_ms",
                     "rotate_salt_seconds", "clock_skew_seconds",
                     "errors": [{"method", "error", "phone", "times"}]}
        e.g. {"faults": {"errors": [{"method": "auth.sendCode",
                                     "error": "FLOOD_WAIT_30", "times": 1}]}}
        Set TESTDC_DEBUG=1 to log each request's method and outcome (never codes or keys) on stderr.
        """)

    @Option(name: .long, help: "HOST:PORT of the first DC (port 0: any free ports).")
    var listen = "127.0.0.1:0"
    @Option(name: .long, help: "How many data centres to serve.")
    var dcs = 3
    @Option(name: .long, help: "Write the info JSON here when ready.")
    var info: String?
    @Option(name: .long, help: "PEM RSA private key to reuse (created there if missing).")
    var key: String?
    @Option(name: .long, help: "SQLite file keeping accounts and auth keys across restarts.")
    var state: String?
    @Option(name: .customLong("code-log"), help: "Append every login/email code sent as a JSON line here.")
    var codeLog: String?
    @Option(name: .long, help: "JSON config: apps, bots, accounts, limits, faults.")
    var config: String?
    @Option(name: .customLong("mtproxy-secret"), help: "Serve as an MTProxy with this secret (dd… or ee…).")
    var mtproxySecret: String?

    func run() async throws {
        var options = TestDCOptions()
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, let port = Int(parts.last!), (0...65535).contains(port) else {
            throw ValidationError(TestDCError.badListenAddress(listen).description)
        }
        options.host = parts.dropLast().joined(separator: ":")
        options.port = port
        guard (1...9).contains(dcs) else { throw ValidationError("--dcs must be between 1 and 9") }
        options.dcCount = dcs
        options.keyPath = key
        options.statePath = state
        options.codeLogPath = codeLog
        if let path = config { options.config = try TestDCConfig.load(path: path) }
        if let s = mtproxySecret {
            do { options.mtproxySecret = try MTProxySecret(parsing: s) } catch {
                throw ValidationError("--mtproxy-secret is not a valid MTProxy secret (hex or base64url, optionally dd…/ee…)")
            }
        }
        let server = try await TestDCServer.start(options)
        if let info { try server.writeInfo(to: info) }
        print(server.infoJSON)
        fflush(stdout)
        await waitForTermination()
        await server.close()
    }

    /// Blocks until SIGINT or SIGTERM.
    private func waitForTermination() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
                source.setEventHandler { if once.claim() { done.resume() } }
                source.resume()
                OnceFlag.keep(source)
            }
        }
    }
}

private final class OnceFlag: @unchecked Sendable {
    private var claimed = false
    private let lock = NSLock()
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    func claim() -> Bool { lock.withLock { defer { claimed = true }; return !claimed } }
    static func keep(_ s: DispatchSourceSignal) { sources.append(s) }
}
