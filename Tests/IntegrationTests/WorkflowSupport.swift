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
