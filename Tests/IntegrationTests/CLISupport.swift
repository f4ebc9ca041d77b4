import Foundation
import XCTest

/// Runs the built `tgflow` executable (found the way WorkflowCLITests finds it) in a scratch
/// HOME, for tests of the command line as a user meets it.
class CLITestCase: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: RepoPaths.tgflow) else { throw XCTSkip("tgflow is not built at \(RepoPaths.tgflow)") }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let d = dir!
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var all: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    @discardableResult
    func tgflow(_ arguments: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: RepoPaths.tgflow)
        p.arguments = arguments
        p.currentDirectoryURL = dir
        p.environment = ["PATH": "/usr/bin:/bin", "HOME": dir.path].merging(env) { $1 }
        // stderr goes to a file, so that neither stream can fill up and block the child.
        let errPath = dir.appendingPathComponent("stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? err.close(); try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = err
        if let stdin {
            let input = Pipe()
            p.standardInput = input
            try p.run()
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        } else {
            p.standardInput = FileHandle.nullDevice
            try p.run()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(text)", file: file, line: line)
    }
}

/// Telegram's schema file, read directly: the independent source the CLI's answers are checked against.
enum APISchemaFile {
    static let text = (try? String(contentsOf: RepoPaths.root.appendingPathComponent("schemas/tl/api.tl"), encoding: .utf8)) ?? ""

    /// The layer from the `// LAYER N` line.
    static var layer: Int? {
        text.split(separator: "\n").lazy.compactMap { line -> Int? in
            guard line.hasPrefix("// LAYER ") else { return nil }
            return Int(line.dropFirst("// LAYER ".count).trimmingCharacters(in: .whitespaces))
        }.first
    }

    /// The line declaring `name#…`, split into id, parameters (name, type) and result type.
    static func combinator(_ name: String) -> (id: String, params: [(String, String)], result: String)? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + "#") }) else { return nil }
        let sides = line.split(separator: "=")
        let words = sides[0].split(separator: " ")
        let id = String(words[0].split(separator: "#")[1])
        let params = words.dropFirst().map { w -> (String, String) in
            let parts = w.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        }
        return (id, params, sides[1].trimmingCharacters(in: CharacterSet(charactersIn: " ;")))
    }

    /// How many constructors declare the given result type.
    static func constructorCount(ofType type: String) -> Int {
        let functions = text.range(of: "---functions---")?.lowerBound ?? text.endIndex
        return text[..<functions].split(separator: "\n").filter { $0.hasSuffix("= \(type);") }.count
    }
}
