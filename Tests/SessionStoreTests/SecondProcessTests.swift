import Foundation
import XCTest
@testable import SessionStore

/// A second process opening a session that a first one holds. The test binary
/// re-runs itself as the holder (`TGFLOW_HOLD_SESSION=path`).
final class SecondProcessTests: XCTestCase {
    static let holdVariable = "TGFLOW_HOLD_SESSION"

    /// In the child: holds the session until its standard input closes.
    /// In the parent: checks the holder record names this process.
    func testHolderRecordNamesThisProcess() throws {
        if let path = ProcessInfo.processInfo.environment[SecondProcessTests.holdVariable] {
            let session = try SQLiteSession(path: path)
            FileHandle.standardOutput.write(Data("held\n".utf8))
            _ = FileHandle.standardInput.readDataToEndOfFile()
            session.close()
            return
        }
        let dir = try temporaryDirectory(self)
        let session = try SQLiteSession(path: dir.appendingPathComponent("me").path)
        let holder = SQLiteSession.readHolder(path: session.path)
        XCTAssertEqual(holder?.pid, getpid())
        XCTAssertFalse(holder?.command.isEmpty ?? true)
        session.close()
        XCTAssertNil(SQLiteSession.readHolder(path: session.path), "closing removes the holder record")
    }

    func testSecondProcessIsRefusedWithTheHolderNamed() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("shared.session").path
        let child = Process()
        child.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        child.arguments = ["SessionStoreTests.SecondProcessTests/testHolderRecordNamesThisProcess"]
        child.environment = ProcessInfo.processInfo.environment.merging([SecondProcessTests.holdVariable: path]) { $1 }
        let input = Pipe(), output = Pipe()
        child.standardInput = input
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer { if child.isRunning { child.terminate() } }

        // Wait (bounded) for the child to say it holds the session.
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while !seen.contains("held"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(seen.contains("held"), "the child never held the session: \(seen)")

        XCTAssertThrowsError(try SQLiteSession(path: path)) { error in
            guard case let .busy(busyPath, holder)? = error as? SessionStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(busyPath, path)
            XCTAssertEqual(holder?.pid, child.processIdentifier)
            let message = "\(error)"
            XCTAssertTrue(message.contains(path), message)
            XCTAssertTrue(message.contains("process \(child.processIdentifier)"), message)
            XCTAssertFalse(message.contains("database is locked"))
        }

        try input.fileHandleForWriting.close()
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0)
        let reopened = try SQLiteSession(path: path)
        XCTAssertEqual(reopened.path, path)
    }
}
