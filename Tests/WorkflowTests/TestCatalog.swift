import Foundation
@testable import Workflow

/// A method catalog read from the committed schemas/tl/api.tl, for validation tests.
struct TestCatalog: MethodCatalog {
    static let shared = TestCatalog()
    let methods: [String: [MethodParameter]]

    init() {
        let text = (try? String(contentsOf: Repo.root.appendingPathComponent("schemas/tl/api.tl"), encoding: .utf8)) ?? ""
        var methods: [String: [MethodParameter]] = [:]
        var inFunctions = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("---functions---") { inFunctions = true; continue }
            if line.hasPrefix("---types---") { inFunctions = false; continue }
            guard inFunctions, let hash = line.firstIndex(of: "#"), let eq = line.range(of: " = ") else { continue }
            let name = String(line[..<hash])
            let params = line[line.index(after: hash)..<eq.lowerBound].split(separator: " ").dropFirst().compactMap { part -> MethodParameter? in
                let pieces = part.split(separator: ":", maxSplits: 1)
                guard pieces.count == 2, !pieces[0].hasPrefix("{") else { return nil }
                let type = String(pieces[1])
                return MethodParameter(name: String(pieces[0]), type: type, optional: type == "#" || type.contains("?"))
            }
            methods[name] = params
        }
        self.methods = methods
    }

    func parameters(ofMethod name: String) -> [MethodParameter]? { methods[name] }
    func suggestions(forMethod name: String) -> [String] {
        closestName(to: name, in: Array(methods.keys)).map { [$0] } ?? []
    }
}
