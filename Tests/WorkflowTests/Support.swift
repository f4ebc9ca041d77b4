import Foundation
@testable import Workflow

/// Paths inside the repository, found from this file's location.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let broken = root.appendingPathComponent("Tests/WorkflowTests/Broken")
    static let workflows = root.appendingPathComponent("workflows")
}

/// Writes `text` to a fresh temporary directory and returns the file's path.
func temporaryFile(_ name: String = "w.yaml", _ text: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wf-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Loads and validates; returns every diagnostic (loader's or validator's).
func diagnostics(source: String, file: String = "w.yaml", catalog: MethodCatalog? = TLMethodCatalog()) -> [Diagnostic] {
    do {
        let workflow = try WorkflowLoader.load(source: source, file: file)
        return WorkflowValidator(catalog: catalog).validate(workflow)
    } catch let list as DiagnosticList {
        return list.diagnostics
    } catch {
        return [Diagnostic("\(error)", at: SourceLocation(file: file, line: 0, column: 0), rule: .syntax)]
    }
}
