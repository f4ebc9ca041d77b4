import Foundation
import XCTest
@testable import Workflow

/// The JSON Schema editors use must accept exactly what the loader accepts, and every
/// shipped example must validate cleanly.
final class SchemaAndExamplesTests: XCTestCase {
    func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: Repo.root.appendingPathComponent("schemas/workflow.schema.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func keys(_ object: Any?) -> Set<String> { Set(((object as? [String: Any])?["properties"] as? [String: Any])?.keys.map { $0 } ?? []) }

    func testSchemaIsDraft07AndMatchesTheLoadersKeys() throws {
        let s = try schema()
        XCTAssertEqual(s["$schema"] as? String, "http://json-schema.org/draft-07/schema#")
        XCTAssertEqual(keys(s), Set(WorkflowLoader.topKeys))
        let definitions = try XCTUnwrap(s["definitions"] as? [String: Any])
        XCTAssertEqual(keys(definitions["input"]), Set(WorkflowLoader.inputKeys))
        XCTAssertEqual(keys(definitions["secret"]), Set(WorkflowLoader.secretKeys))
        XCTAssertEqual(keys(definitions["client"]), Set(WorkflowLoader.clientKeys))
        let step = definitions["step"] as? [String: Any]
        XCTAssertEqual(keys(step), Set(WorkflowLoader.stepKeys + StepKind.allCases.map(\.rawValue)))
        XCTAssertEqual((step?["oneOf"] as? [Any])?.count, StepKind.allCases.count)
        let stepProperties = try XCTUnwrap(step?["properties"] as? [String: Any])
        for kind in StepKind.allCases where kind != .call && kind != .uses {
            XCTAssertEqual(keys(stepProperties[kind.rawValue]), Set(kind.parameters.map(\.name)), kind.rawValue)
        }
        XCTAssertEqual(keys((step?["properties"] as? [String: Any])?["retry"]), Set(WorkflowLoader.retryKeys))
    }

    func testEveryExampleValidatesCleanly() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.workflows.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(files.count, 7)
        for name in files + ["templates/login.yaml", "templates/ensure-2fa.yaml"] {
            let path = Repo.workflows.appendingPathComponent(name).path
            let source = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertTrue(source.hasPrefix("# yaml-language-server: $schema="), name)
            do {
                let w = try WorkflowLoader.load(path: path)
                XCTAssertEqual(WorkflowValidator(catalog: TLMethodCatalog()).validate(w), [], name)
            } catch {
                XCTFail("\(name): \(error)")
            }
        }
    }
}
