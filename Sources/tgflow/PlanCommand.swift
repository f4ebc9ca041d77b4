import ArgumentParser
import Foundation
import Workflow

/// `tgflow plan`: each step, the Telegram methods it may call, which of them are not
/// idempotent, and which secrets it needs. Sends nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Show what a workflow would do, without doing it.")

    @Argument(help: "The workflow file.") var file: String
    @Flag(help: "One JSON object instead of text.") var json = false

    func run() async throws {
        let workflow = try loadValidWorkflow(path: file)
        let plan = WorkflowPlan(workflow)
        if json { print(plan.json.json) } else { print(plan.text) }
    }
}
