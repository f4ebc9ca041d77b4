import ArgumentParser
import Foundation
import TL

/// `tgflow tl …`: questions about Telegram's schema.
struct TLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tl",
        abstract: "Inspect Telegram's TL schema.",
        subcommands: [Describe.self]
    )

    /// `tgflow tl describe NAME`: a method's or constructor's parameters (TL type,
    /// optional or not) and its result type; a type name lists its constructors.
    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a method's or constructor's parameters and result type, or a type's constructors."
        )

        @Argument(help: "A method (auth.sendCode), a constructor (inputPeerUser) or a type (InputPeer).")
        var name: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("give a method (auth.sendCode), constructor (inputPeerUser) or type (InputPeer) name")
            }
            let schema = TLSchema.shared
            if let combinator = schema.combinator(named: name) {
                print(json ? Self.json(combinator).serialized(pretty: true) : Self.text(combinator))
            } else if schema.hasType(name) {
                let constructors = schema.constructors(ofType: name)
                if json {
                    print(JSONValue.object(["type": .string(name), "constructors": .array(constructors.map { Self.json($0) })]).serialized(pretty: true))
                } else {
                    print("type \(name): \(constructors.count) constructor\(constructors.count == 1 ? "" : "s")\n")
                    print(constructors.map(Self.text).joined(separator: "\n\n"))
                }
            } else {
                let suggestions = schema.suggestions(for: name, limit: 3)
                var message = "tgflow: no method, constructor or type named '\(name)' in layer \(schema.layer)"
                if !suggestions.isEmpty { message += "; did you mean " + suggestions.joined(separator: ", ") + "?" }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                throw ExitCode(1)
            }
        }

        static func text(_ c: TLCombinator) -> String {
            let kind = c.isMethod ? "method" : "constructor"
            var lines = ["\(c.name)#\(hex(c.id)) (\(kind)) \(c.isMethod ? "returns" : "of type") \(c.resultType)"]
            let shown = c.params.filter { !$0.isFlags }
            if shown.isEmpty { lines.append("  (no parameters)") }
            let nameWidth = shown.map(\.name.count).max() ?? 0
            let typeWidth = shown.map(\.type.description.count).max() ?? 0
            for p in shown {
                let name = p.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                let type = p.type.description.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
                var note = "required"
                if let c = p.condition {
                    note = (p.type == .trueFlag ? "optional flag, true or absent" : "optional") + " (\(c.flagsField).\(c.bit))"
                }
                lines.append("  \(name)  \(type)  \(note)")
            }
            return lines.joined(separator: "\n")
        }

        static func json(_ c: TLCombinator) -> JSONValue {
            .object([
                "name": .string(c.name), "id": .string(hex(c.id)), "kind": .string(c.isMethod ? "method" : "constructor"),
                "result": .string(c.resultType),
                "params": .array(c.params.filter { !$0.isFlags }.map { p in
                    .object(["name": .string(p.name), "type": .string(p.type.description), "optional": .bool(p.isOptional),
                             "tl": .string(p.typeText)])
                }),
            ])
        }

        static func hex(_ id: UInt32) -> String {
            let digits = String(id, radix: 16)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }
    }
}
