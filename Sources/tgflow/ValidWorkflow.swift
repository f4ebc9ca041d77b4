import ArgumentParser
import Foundation
import Workflow

/// Loads and validates the workflow `run` and `plan` are about to use; on problems
/// prints each as `file:line:col: message [rule]` with its line and caret, and
/// exits with the usage code (2), before anything is sent to Telegram.
func loadValidWorkflow(path file: String) throws -> Workflow {
    do {
        let workflow = try WorkflowLoader.load(path: file)
        let problems = WorkflowValidator(catalog: TLMethodCatalog()).validate(workflow)
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return workflow
    } catch let list as DiagnosticList {
        let source = try? String(contentsOfFile: file, encoding: .utf8)
        for d in list.diagnostics {
            FileHandle.standardError.write(Data((DiagnosticPrinter.human(d, source: d.location.file == file ? source : nil) + "\n").utf8))
        }
        throw ExitCode(RunExitCode.usage.rawValue)
    }
}
