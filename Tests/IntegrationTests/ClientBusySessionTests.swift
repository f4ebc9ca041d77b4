import Foundation
import SessionStore
import TGClient
import XCTest

/// A second process (the `tgflow` binary) opening a session this process holds.
final class ClientBusySessionTests: XCTestCase {
    func testSecondProcessIsRefusedWithTheHolderNamed() throws {
        guard FileManager.default.isExecutableFile(atPath: ClientTestServer.binary) else {
            throw XCTSkip("needs the tgflow binary at \(ClientTestServer.binary) (swift build)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("held").path
        let session = try SQLiteSession(path: path)
        try session.setHome(DCAddress(id: 2, host: "127.0.0.1", port: 443))

        func run() throws -> (status: Int32, stderr: String, stdout: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ClientTestServer.binary)
            process.arguments = ["session", "info", path]
            let err = Pipe(), out = Pipe()
            process.standardError = err
            process.standardOutput = out
            try process.run()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            let o = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: e, as: UTF8.self), String(decoding: o, as: UTF8.self))
        }

        let refused = try run()
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("held.session"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("in use by process \(getpid())"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("database is locked"))

        session.close()
        let allowed = try run()
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertTrue(allowed.stdout.contains("DC 2"), allowed.stdout)
    }
}
