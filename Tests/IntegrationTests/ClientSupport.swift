import Foundation
import TGClient
import XCTest

/// A `tgflow testdc` process started for one test (built by `swift build`;
/// `$TGFLOW_BIN` overrides the path), with its info file and code log, and
/// clients pointed at it through `TelegramServer.testdcInfo`.
final class ClientTestServer {
    let process: Process
    let directory: URL
    let infoPath: String
    let codeLogPath: String
    let info: TestDCInfo

    static let apiID = 12345
    static let apiHash = "0123456789abcdef0123456789abcdef"
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String {
        ProcessInfo.processInfo.environment["TGFLOW_BIN"] ?? repositoryRoot.appendingPathComponent(".build/debug/tgflow").path
    }

    init(test: XCTestCase, config: String? = nil, statePath: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw XCTSkip("needs the tgflow binary at \(Self.binary) (swift build)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        infoPath = directory.appendingPathComponent("info.json").path
        codeLogPath = directory.appendingPathComponent("codes.jsonl").path
        var arguments = ["testdc", "--listen", "127.0.0.1:0", "--info", infoPath, "--code-log", codeLogPath,
                         "--key", Self.sharedKeyPath]
        if let config {
            let path = directory.appendingPathComponent("config.json").path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
        }
        if let statePath { arguments += ["--state", statePath] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: infoPath) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw NSError(domain: "testdc", code: 1, userInfo: [NSLocalizedDescriptionKey: "tgflow testdc did not start"])
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        // The info file may be seen before it is completely written.
        var parsed: TestDCInfo?
        while parsed == nil, Date() < deadline {
            parsed = try? TestDCInfo(contentsOf: infoPath)
            if parsed == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let parsed else { throw NSError(domain: "testdc", code: 2, userInfo: [NSLocalizedDescriptionKey: "unreadable info file"]) }
        info = parsed
        let process = self.process, dir = directory
        test.addTeardownBlock {
            if process.isRunning { process.terminate(); process.waitUntilExit() }
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// Stops the server (for restart tests); a new one may reuse its state file.
    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// One RSA key for every server in the run (generating one per test is slow).
    static let sharedKeyPath: String = {
        FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-client-tests-\(getpid()).pem").path
    }()

    func port(ofDC id: Int) -> Int? { info.dataCenters.first { $0.id == id }?.port }

    func configuration(floodThreshold: Duration = .seconds(60), transport: TransportProtocol = .intermediate) -> ClientConfiguration {
        ClientConfiguration(server: .testdcInfo(path: infoPath), transport: transport, floodSleepThreshold: floodThreshold,
                            keyExchangeTimeout: .seconds(3), requestTimeout: .seconds(20))
    }

    func client(session: SessionStorage = MemorySession(), floodThreshold: Duration = .seconds(60),
                transport: TransportProtocol = .intermediate) -> TelegramClient {
        TelegramClient(session: session, apiID: Self.apiID, apiHash: Self.apiHash,
                       configuration: configuration(floodThreshold: floodThreshold, transport: transport))
    }

    /// The codes the server logged (`{"phone","code","method",…}` lines), oldest first.
    func loggedCodes(method: String? = nil) -> [[String: String]] {
        guard let text = try? String(contentsOfFile: codeLogPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.map { $0.compactMapValues { $0 as? String } }
            .filter { method == nil || $0["method"] == method }
    }

    /// Logs a new client in with a test number (`99966XYYYY`, code X×5), signing up if needed.
    func loggedInClient(phone: String, session: SessionStorage = MemorySession(), firstName: String = "Test") async throws -> TelegramClient {
        let client = self.client(session: session)
        try await client.connect()
        _ = try await client.sendCodeRequest(phone: phone)
        do {
            try await client.signIn(code: Self.testCode(phone))
        } catch TelegramError.phoneNumberUnoccupied {
            try await client.signUp(firstName: firstName)
        }
        return client
    }

    static func testCode(_ phone: String) -> String {
        let digits = CachedEntity.digits(phone)
        let dc = digits[digits.index(digits.startIndex, offsetBy: 5)]
        return String(repeating: dc, count: 5)
    }
}
