import Foundation
import XCTest
@testable import Workflow

final class SecretTests: XCTestCase {
    func resolver(_ vars: [String: String] = [:], terminal: Bool = false, stdin: String? = nil, dir: URL = FileManager.default.temporaryDirectory) -> SecretResolver {
        SecretResolver(environment: SecretEnvironment(variables: vars, isTerminal: terminal, readStandardInput: { stdin }, prompt: { _ in "typed" }),
                       redactor: Redactor(), baseDirectory: dir)
    }

    func declaration(_ source: SecretSource, optional: Bool = false) -> SecretDeclaration {
        SecretDeclaration(name: "s", source: source, optional: optional, location: SourceLocation(file: "w", line: 1, column: 1))
    }

    func testEnvironment() throws {
        XCTAssertEqual(try resolver(["X": "value"]).resolve(declaration(.env("X"))), "value")
        XCTAssertThrowsError(try resolver().resolve(declaration(.env("X")))) {
            XCTAssertEqual($0 as? SecretError, .missingEnvironment(secret: "s", variable: "X"))
        }
        XCTAssertEqual(try resolver().resolveAll([declaration(.env("X"), optional: true)])["s"], Evaluated(.null, secret: true))
    }

    func testFileTrimsOneNewlineAndRefusesWorldReadable() throws {
        let path = try temporaryFile("secret.txt", "pa ss\n\n")
        chmod(path, 0o600)
        XCTAssertEqual(try resolver().resolve(declaration(.file(path: path, allowWorldReadable: false))), "pa ss\n")
        chmod(path, 0o644)
        XCTAssertThrowsError(try resolver().resolve(declaration(.file(path: path, allowWorldReadable: false)))) {
            XCTAssertEqual($0 as? SecretError, .worldReadable(secret: "s", path: path))
            XCTAssertTrue("\($0)".contains("chmod 600"))
        }
        XCTAssertEqual(try resolver().resolve(declaration(.file(path: path, allowWorldReadable: true))), "pa ss\n")
        XCTAssertThrowsError(try resolver().resolve(declaration(.file(path: path + ".missing", allowWorldReadable: false))))
    }

    func testRelativeFilesResolveAgainstTheWorkflowFolder() throws {
        let path = try temporaryFile("rel.txt", "x1\n")
        chmod(path, 0o600)
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        XCTAssertEqual(try resolver(dir: dir).resolve(declaration(.file(path: "rel.txt", allowWorldReadable: false))), "x1")
    }

    func testPromptOnlyOnATerminal() throws {
        XCTAssertEqual(try resolver(terminal: true).resolve(declaration(.prompt("Q"))), "typed")
        XCTAssertThrowsError(try resolver(terminal: false).resolve(declaration(.prompt("Q")))) {
            XCTAssertEqual("\($0)", "secret 's' needs a prompt, but there is no terminal; give it with env, file, stdin or command instead")
        }
    }

    func testStdinIsReadByOneSecretOnly() throws {
        let r = resolver(stdin: "from-stdin\n")
        let a = SecretDeclaration(name: "a", source: .stdin, optional: false, location: SourceLocation(file: "w", line: 1, column: 1))
        let b = SecretDeclaration(name: "b", source: .stdin, optional: false, location: SourceLocation(file: "w", line: 2, column: 1))
        XCTAssertEqual(try r.resolveAll([a])["a"]?.value, .string("from-stdin"))
        XCTAssertThrowsError(try r.resolveAll([a, b])) { XCTAssertEqual($0 as? SecretError, .stdinUnavailable(secret: "b")) }
    }

    func testCommandOutputStatusAndTimeout() throws {
        XCTAssertEqual(try resolver().resolve(declaration(.command(["printf", "tok\\n"], timeout: 5))), "tok")
        XCTAssertThrowsError(try resolver().resolve(declaration(.command(["false"], timeout: 5)))) {
            XCTAssertEqual($0 as? SecretError, .commandFailed(secret: "s", command: "false", status: 1))
        }
        let started = Date()
        XCTAssertThrowsError(try resolver().resolve(declaration(.command(["sleep", "10"], timeout: 0.3)))) {
            XCTAssertEqual($0 as? SecretError, .commandTimedOut(secret: "s", command: "sleep", seconds: 0.3))
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testRedactorMasksEncodedForms() {
        let r = Redactor()
        let secret = "p@ss/word+\"quoted\""
        r.register(secret)
        r.register("abc")  // too short to mask safely; the type checker keeps it out of plain text
        let bytes = Data(secret.utf8)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let text = "raw \(secret) b64 \(bytes.base64EncodedString()) hex \(hex) HEX \(hex.uppercased()) json \(Value.string(secret).json) url \(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!) abc"
        let masked = r.redact(text)
        XCTAssertEqual(masked, "raw *** b64 *** hex *** HEX *** json \"***\" url *** abc")
    }

    func testSecretErrorsNeverHoldTheValue() throws {
        let path = try temporaryFile("s.txt", "the-value\n")
        chmod(path, 0o644)
        do {
            _ = try resolver().resolve(declaration(.file(path: path, allowWorldReadable: false)))
        } catch {
            XCTAssertFalse("\(error)".contains("the-value"))
        }
    }

    func testValueRedactionKeepsJSONValid() throws {
        let r = Redactor()
        r.register("22222")
        let v = Value.object(["id": .int(1_222_220), "text": .string("code 22222"), "list": .array([.string("x22222y")])])
        let masked = r.redact(v)
        XCTAssertEqual(masked, .object(["id": .int(1_222_220), "text": .string("code ***"), "list": .array([.string("x***y")])]))
        XCTAssertEqual(try Value.parseJSON(masked.json), masked)
    }
}
