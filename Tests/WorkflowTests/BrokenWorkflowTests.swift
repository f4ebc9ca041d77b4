import Foundation
import XCTest
@testable import Workflow

/// Every file in Broken/ starts with `# expect: LINE:COL [rule] message`; validating it
/// must report exactly that problem at exactly that place.
final class BrokenWorkflowTests: XCTestCase {
    func testEveryBrokenWorkflowReportsItsExpectedDiagnostic() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.broken.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 30)
        for name in files {
            let path = Repo.broken.appendingPathComponent(name).path
            let source = try String(contentsOfFile: path, encoding: .utf8)
            let header = source.split(separator: "\n").first.map(String.init) ?? ""
            let pattern = try NSRegularExpression(pattern: #"^# expect: (?:([\w./-]+\.yaml):)?(\d+):(\d+) \[(\w+)\] (.+)$"#)
            guard let m = pattern.firstMatch(in: header, range: NSRange(header.startIndex..., in: header)) else {
                XCTFail("\(name): no '# expect:' header"); continue
            }
            func group(_ i: Int) -> String? { Range(m.range(at: i), in: header).map { String(header[$0]) } }
            let line = Int(group(2)!)!, column = Int(group(3)!)!, rule = group(4)!, message = group(5)!
            // The problem may be in an included template, named relative to the broken file.
            let expectedFile = group(1).map { Repo.broken.appendingPathComponent($0).standardizedFileURL.path } ?? path
            let found: [Diagnostic]
            do {
                let workflow = try WorkflowLoader.load(path: path)
                found = WorkflowValidator(catalog: TLMethodCatalog()).validate(workflow)
            } catch let list as DiagnosticList {
                found = list.diagnostics
            }
            let match = found.contains {
                $0.location.line == line && $0.location.column == column && $0.rule.rawValue == rule && $0.message.contains(message)
                    && URL(fileURLWithPath: $0.location.file).standardizedFileURL.path == expectedFile
            }
            XCTAssertTrue(match, "\(name): expected \(line):\(column) [\(rule)] \(message)\n  got:\n" + found.map { "  \($0)" }.joined(separator: "\n"))
        }
    }

    func testHumanRenderingShowsLineAndCaret() throws {
        let source = "version: 1\nstepz:\n  - get_me: {}\n"
        let d = diagnostics(source: source, file: "x.yaml")
        XCTAssertEqual(d.count, 2)  // the unknown key, and then no steps
        let text = DiagnosticPrinter.human(try XCTUnwrap(d.first { $0.rule == .key && $0.message.contains("stepz") }), source: source)
        XCTAssertEqual(text, """
        x.yaml:2:1: unknown key 'stepz' in the workflow; did you mean 'steps'? [key]
        2 | stepz:
          | ^
        """)
    }

    func testJSONRendering() {
        let d = Diagnostic("a \"quoted\" thing", at: SourceLocation(file: "a.yaml", line: 3, column: 7), rule: .tl)
        XCTAssertEqual(DiagnosticPrinter.json([d]), #"[{"file":"a.yaml","line":3,"column":7,"message":"a \"quoted\" thing","rule":"tl"}]"#)
    }
}
