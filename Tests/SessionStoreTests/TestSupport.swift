import Foundation
import XCTest

/// A fresh temporary folder per test, removed afterwards.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-session-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// 256 bytes that differ per seed, standing in for an auth key.
func fakeKey(_ seed: UInt8) -> [UInt8] { (0..<256).map { UInt8(truncatingIfNeeded: Int($0) &* 7 &+ Int(seed)) } }

/// The repository root (three levels above this file).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a Python snippet with the project's venv (`$PY` or `.venv/bin/python`,
/// which has Telethon 1.45.0). Skips the test when no such interpreter exists.
func runPython(_ script: String, arguments: [String] = []) throws -> String {
    let python = ProcessInfo.processInfo.environment["PY"].map { $0.hasPrefix("/") ? $0 : repositoryRoot.appendingPathComponent($0).path }
        ?? repositoryRoot.appendingPathComponent(".venv/bin/python").path
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw XCTSkip("needs the Python peer (Telethon 1.45.0) at \(python); run .ci/run or set PY")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw NSError(domain: "python", code: Int(process.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: String(decoding: errors, as: UTF8.self)])
    }
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
