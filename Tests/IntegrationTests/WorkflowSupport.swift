import Foundation
import TestDC
import Workflow
import XCTest

/// An in-process test server with a scratch folder, for running workflows end to end.
final class WorkflowTestServer {
    let server: TestDCServer
    let directory: URL
    let infoPath: String
    let codeLogPath: String

    static let botConfig = #"{"bots":[{"token":"100200300:tgflow-testdc-bot","first_name":"tgflow test bot","username":"tgflow_test_bot"}]"#

    init(test: XCTestCase, config: String = botConfig + "}") async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-wf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        codeLogPath = directory.appendingPathComponent("codes.jsonl").path
        var options = TestDCOptions()
        options.config = try JSONDecoder().decode(TestDCConfig.self, from: Data(config.utf8))
        options.codeLogPath = codeLogPath
        options.keyPath = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-wf-tests-\(getpid()).pem").path
        server = try await TestDCServer.start(options)
        infoPath = directory.appendingPathComponent("testdc.json").path
        try server.writeInfo(to: infoPath)
        let dir = directory
        test.addTeardownBlock { [server] in
            await server.close()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// Login codes the server sent (one code-log line per `auth.sendCode`/`resendCode`),
    /// for one phone or all; email confirmation codes are not counted.
    func loggedCodes(phone: String? = nil) -> [String] {
        let text = (try? String(contentsOfFile: codeLogPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { line in
            !line.contains("\"method\":\"email\"") && (phone.map { line.contains("\"phone\":\"\($0.filter(\.isNumber))\"") } ?? true)
        }
    }

    /// Runs a workflow file in-process against this server.
    func run(_ path: String, inputs: [(String, String)] = [], env: [String: String] = [:], state: String? = nil, recorder: RecordingSink = RecordingSink()) async throws -> RunOutcome {
        try await Self.run(path, infoPath: infoPath, directory: directory, inputs: inputs, env: env, state: state, recorder: recorder)
    }

    /// Runs a workflow file in-process against the test server an info file describes
    /// (this one, or a `tgflow testdc` process), with `directory` for its files and state.
    static func run(_ path: String, infoPath: String, directory: URL, inputs: [(String, String)] = [], env: [String: String] = [:], state: String? = nil, recorder: RecordingSink = RecordingSink()) async throws -> RunOutcome {
        let workflow = try WorkflowLoader.load(path: path)
        let problems = WorkflowValidator(catalog: TLMethodCatalog()).validate(workflow)
        XCTAssertEqual(problems, [], path)
        var options = RunOptions(environment: SecretEnvironment(variables: env, isTerminal: false, readStandardInput: { nil }, prompt: { _ in nil }))
        options.inputs = inputs
        options.serverInfoPath = infoPath
        options.outputDirectory = directory
        let redactor = Redactor()
        let store = try CheckpointStore(path: state ?? directory.appendingPathComponent("state.db").path, redactor: redactor)
        let runner = WorkflowRunner(workflow: workflow, options: options, store: store, redactor: redactor, sink: recorder, telegram: TelegramClientAdapter.factory)
        return await runner.run()
    }
}

final class RecordingSink: RunEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var events: [RunEvent] = []
    func emit(_ event: RunEvent) { lock.lock(); events.append(event); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return events.map(\.json).joined(separator: "\n") }
}

enum RepoPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func workflow(_ name: String) -> String { root.appendingPathComponent("workflows/\(name)").path }
    /// The `tgflow` executable built next to the test bundle.
    static var tgflow: String {
        let products = Bundle.allBundles.map(\.bundleURL).first { $0.pathExtension == "xctest" }?.deletingLastPathComponent()
            ?? root.appendingPathComponent(".build/debug")
        return products.appendingPathComponent("tgflow").path
    }
}

extension XCTestCase {
    /// Starts pproxy listening on a free port (the `{port}` in `listen`); stopped at teardown.
    func startPProxy(_ listen: String) throws -> Int {
        let python = RepoPaths.root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("needs .venv with pproxy (scripts/test creates it in CI)") }
        let port = try freePort()
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: python)
        // --auth 0: check credentials on every connection (pproxy otherwise trusts an IP for 30 days).
        proxy.arguments = ["-m", "pproxy", "--auth", "0", "-l", listen.replacingOccurrences(of: "{port}", with: "\(port)")]
        proxy.standardOutput = FileHandle.nullDevice
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        // pproxy ignores SIGTERM.
        addTeardownBlock { kill(proxy.processIdentifier, SIGKILL); proxy.waitUntilExit() }
        try waitForListener(port: port, timeout: 15)
        return port
    }
}

/// A loopback port nobody is listening on right now (bound, read back, closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 } }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Waits until something accepts connections on a loopback port.
func waitForListener(port: Int, timeout: TimeInterval) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } }
        close(fd)
        if ok { return }
        usleep(100_000)
    }
    throw NotListening(port: port, timeout: timeout)
}

struct NotListening: Error, CustomStringConvertible {
    let port: Int
    let timeout: TimeInterval
    var description: String { "nothing listens on 127.0.0.1:\(port) after \(Int(timeout)) s" }
}
