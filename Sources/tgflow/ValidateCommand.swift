import ArgumentParser
import Foundation
import Workflow

/// `tgflow validate`: Check workflows without running them, actionlint-style.
/// Exit 0 clean, 1 problems found, 2 bad usage (no such file), 3 internal error.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check workflows without running them.",
        discussion: "Prints each problem as file:line:col: message [rule], with the line and a caret. Exit status: 0 clean, 1 problems found, 2 bad usage, 3 internal error.")

    enum Format: String, ExpressibleByArgument { case human, json }

    @Argument(help: "Workflow files to check.") var files: [String] = []
    @Option(help: "Output format: human or json.") var format: Format = .human

    func run() async throws {
        guard !files.isEmpty else {
            FileHandle.standardError.write(Data("tgflow validate: give at least one workflow file\n".utf8))
            throw ExitCode(2)
        }
        var all: [Diagnostic] = []
        var sources: [String: String] = [:]
        for file in files {
            guard FileManager.default.isReadableFile(atPath: file) else {
                FileHandle.standardError.write(Data("tgflow validate: cannot read \(file)\n".utf8))
                throw ExitCode(2)
            }
            do {
                let workflow = try WorkflowLoader.load(path: file)
                all += WorkflowValidator(catalog: TLMethodCatalog()).validate(workflow)
            } catch let list as DiagnosticList {
                all += list.diagnostics
            } catch {
                FileHandle.standardError.write(Data("tgflow validate: internal error on \(file): \(error)\n".utf8))
                throw ExitCode(3)
            }
        }
        for d in all where sources[d.location.file] == nil {
            sources[d.location.file] = (try? String(contentsOfFile: d.location.file, encoding: .utf8)) ?? ""
        }
        switch format {
        case .json:
            print(DiagnosticPrinter.json(all))
        case .human:
            for d in all { print(DiagnosticPrinter.human(d, source: sources[d.location.file])) }
            if !all.isEmpty { FileHandle.standardError.write(Data("\(all.count) problem\(all.count == 1 ? "" : "s") found\n".utf8)) }
        }
        if !all.isEmpty { throw ExitCode(1) }
    }
}
