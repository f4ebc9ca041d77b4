import Foundation
import XCTest

/// `tgflow --version`, `tl describe`, `plan`, `runs` and usage errors, run through the built
/// executable. Expected schema facts are read from schemas/tl/api.tl, not from the TL module.
final class CLICommandTests: CLITestCase {
    func testVersionPrintsToolVersionAndTheSchemaLayer() throws {
        let layer = try XCTUnwrap(APISchemaFile.layer)
        XCTAssertEqual(layer, 229)
        let r = try tgflow(["--version"])
        XCTAssertEqual(r.status, 0, r.all)
        let line = r.stdout.trimmingCharacters(in: .newlines)
        XCTAssertNotNil(line.range(of: #"^tgflow [0-9]+\.[0-9]+\.[0-9]+ \(TL layer [0-9]+\)$"#, options: .regularExpression), line)
        XCTAssertTrue(line.hasSuffix("(TL layer \(layer))"), line)
    }

    /// Every kind of usage error, in every subcommand, exits 2 and says what was wrong.
    func testUsageErrorsExitTwoInEverySubcommand() throws {
        let ok = try write("ok.yaml", "version: 1\nsteps:\n  - assert: { that: true }\n")
        let cases: [([String], String)] = [
            (["--no-such-flag"], "Unknown option '--no-such-flag'"),
            (["frobnicate"], "Unexpected argument 'frobnicate'"),
            (["run"], "Missing expected argument '<file>'"),
            (["run", ok, "--bogus"], "Unknown option '--bogus'"),
            (["validate", "--format", "xml", ok], "--format"),
            (["plan"], "Missing expected argument '<file>'"),
            (["plan", ok, "extra"], "Unexpected argument 'extra'"),
            (["runs", "show"], "Missing expected argument '<id>'"),
            (["runs", "list", "--limit-nonsense"], "Unknown option"),
            (["testdc", "--dcs", "three"], "--dcs"),
            (["testdc", "--dcs", "12"], "--dcs must be between 1 and 9"),
            (["testdc", "--listen", "nowhere"], "nowhere"),
            (["testdc", "--mtproxy-secret", "zz-not-a-secret"], "--mtproxy-secret is not a valid MTProxy secret"),
            (["session", "info"], "Missing expected argument '<path>'"),
            (["session", "export", dir.appendingPathComponent("none").path], "no session file at"),
            (["session", "import", dir.appendingPathComponent("x").path], "no string session on standard input"),
            (["tl", "describe"], "Missing expected argument '<name>'"),
            (["tl", "describe", "auth.sendCode", "--yaml"], "Unknown option '--yaml'"),
            (["tl", "describe", ""], "tgflow tl describe: give a method"),
        ]
        for (arguments, message) in cases {
            let r = try tgflow(arguments)
            XCTAssertEqual(r.status, 2, "tgflow \(arguments.joined(separator: " ")): \(r.all)")
            XCTAssertTrue(r.stderr.contains(message), "tgflow \(arguments.joined(separator: " ")): wanted '\(message)' in \(r.all)")
            XCTAssertEqual(r.stdout, "", "usage errors go to stderr: \(arguments)")
        }
        // Parse errors come with the usage line of the subcommand that was meant.
        XCTAssertTrue(try tgflow(["plan"]).stderr.contains("Usage: tgflow plan"))
    }

    func testHelpExitsZero() throws {
        for arguments in [["--help"], ["run", "--help"], ["tl", "describe", "--help"], ["session", "import", "--help"]] {
            let r = try tgflow(arguments)
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertTrue(r.stdout.contains("USAGE: tgflow"), r.all)
        }
    }

    // MARK: tl describe

    func testDescribeMethodMatchesSchemaLine() throws {
        let expected = try XCTUnwrap(APISchemaFile.combinator("auth.sendCode"))
        let r = try tgflow(["tl", "describe", "auth.sendCode"])
        XCTAssertEqual(r.status, 0, r.all)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "auth.sendCode#\(expected.id) (method) returns \(expected.result)")
        XCTAssertEqual(lines.count, 1 + expected.params.count, r.stdout)
        for ((name, type), line) in zip(expected.params, lines.dropFirst()) {
            let words = line.split(separator: " ").map(String.init)
            XCTAssertEqual(Array(words.prefix(3)), [name, type, "required"], line)
        }
    }

    func testDescribeMethodWithFlagsMarksOptionalFields() throws {
        let expected = try XCTUnwrap(APISchemaFile.combinator("messages.sendMessage"))
        let r = try tgflow(["tl", "describe", "messages.sendMessage"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stdout.hasPrefix("messages.sendMessage#\(expected.id) (method) returns Updates\n"), r.stdout)
        let shown = Dictionary(uniqueKeysWithValues: r.stdout.split(separator: "\n").dropFirst().map { line -> (String, String) in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return (String(trimmed.prefix { $0 != " " }), trimmed)
        })
        // flags:# is computed, never shown; every other field is, with its flag bit.
        XCTAssertNil(shown["flags"])
        XCTAssertEqual(Set(shown.keys), Set(expected.params.map(\.0).filter { $0 != "flags" }))
        for (name, type) in expected.params where type.hasPrefix("flags.") {
            let bit = type.dropFirst("flags.".count).prefix { $0 != "?" }
            let line = try XCTUnwrap(shown[name])
            XCTAssertTrue(line.contains("(flags.\(bit))"), line)
            XCTAssertTrue(line.contains(type.hasSuffix("?true") ? "optional flag, true or absent" : "optional"), line)
        }
        XCTAssertTrue(try XCTUnwrap(shown["message"]).hasSuffix("required"))
    }

    func testDescribeConstructorAndType() throws {
        let user = try XCTUnwrap(APISchemaFile.combinator("inputPeerUser"))
        let c = try tgflow(["tl", "describe", "inputPeerUser"])
        XCTAssertEqual(c.status, 0, c.all)
        XCTAssertTrue(c.stdout.hasPrefix("inputPeerUser#\(user.id) (constructor) of type InputPeer\n"), c.stdout)
        XCTAssertTrue(c.stdout.contains("user_id      long  required"), c.stdout)

        let t = try tgflow(["tl", "describe", "InputPeer"])
        XCTAssertEqual(t.status, 0, t.all)
        let count = APISchemaFile.constructorCount(ofType: "InputPeer")
        XCTAssertGreaterThan(count, 3)
        XCTAssertTrue(t.stdout.hasPrefix("type InputPeer: \(count) constructors\n"), t.stdout)
        XCTAssertEqual(t.stdout.components(separatedBy: "(constructor) of type InputPeer").count - 1, count, t.stdout)
    }

    func testDescribeMTProtoAndGenericMethods() throws {
        let req = try tgflow(["tl", "describe", "req_pq_multi"])
        XCTAssertEqual(req.status, 0, req.all)
        XCTAssertEqual(req.stdout, "req_pq_multi#be7e8ef1 (method) returns ResPQ\n  nonce  int128  required\n")
        let layer = try tgflow(["tl", "describe", "invokeWithLayer"])
        XCTAssertEqual(layer.status, 0, layer.all)
        XCTAssertTrue(layer.stdout.hasPrefix("invokeWithLayer#da9b0d0d (method) returns X\n"), layer.stdout)
        XCTAssertTrue(layer.stdout.contains("query  !X   required"), layer.stdout)
    }

    func testDescribeJSON() throws {
        let expected = try XCTUnwrap(APISchemaFile.combinator("messages.sendMessage"))
        let r = try tgflow(["tl", "describe", "messages.sendMessage", "--json"])
        XCTAssertEqual(r.status, 0, r.all)
        let object = try jsonObject(r.stdout)
        XCTAssertEqual(object["name"] as? String, "messages.sendMessage")
        XCTAssertEqual(object["kind"] as? String, "method")
        XCTAssertEqual(object["id"] as? String, expected.id)
        XCTAssertEqual(object["result"] as? String, "Updates")
        let params = try XCTUnwrap(object["params"] as? [[String: Any]])
        XCTAssertEqual(params.compactMap { $0["name"] as? String }, expected.params.map(\.0).filter { $0 != "flags" })
        for p in params {
            let tl = try XCTUnwrap(expected.params.first { $0.0 == p["name"] as? String }?.1)
            XCTAssertEqual(p["optional"] as? Bool, tl.hasPrefix("flags."), "\(p)")
            XCTAssertEqual(p["tl"] as? String, tl)
        }

        let type = try jsonObject(try tgflow(["tl", "describe", "InputPeer", "--json"]).stdout)
        XCTAssertEqual(type["type"] as? String, "InputPeer")
        XCTAssertEqual((type["constructors"] as? [Any])?.count, APISchemaFile.constructorCount(ofType: "InputPeer"))
    }

    func testDescribeUnknownNameSuggestsClosest() throws {
        let r = try tgflow(["tl", "describe", "auth.sendCod"])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.contains("no method, constructor or type named 'auth.sendCod' in layer 229"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean auth.sendCode"), r.stderr)

        let typo = try tgflow(["tl", "describe", "inputPeerUsr"])
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.stderr.contains("inputPeerUser"), typo.stderr)
    }

    // MARK: plan

    func testPlanJSONListsEveryStepThroughTemplates() throws {
        let r = try tgflow(["plan", "--json", RepoPaths.workflow("rotate-2fa.yaml")])
        XCTAssertEqual(r.status, 0, r.all)
        let plan = try jsonObject(r.stdout)
        let steps = try XCTUnwrap(plan["steps"] as? [[String: Any]])
        XCTAssertFalse(steps.isEmpty)
        let rotate = try XCTUnwrap(steps.first { $0["kind"] as? String == "rotate_2fa" }, "\(steps)")
        XCTAssertEqual(rotate["not_idempotent"] as? [String], ["account.updatePasswordSettings"])
        XCTAssertTrue((rotate["methods"] as? [String] ?? []).contains("account.getPassword"), "\(rotate)")
        // Template steps appear under the step that uses them.
        let login = try XCTUnwrap(steps.first { $0["kind"] as? String == "login" }, "\(steps)")
        XCTAssertTrue((login["path"] as? String ?? "").contains("/"), "\(login)")
        XCTAssertEqual(login["not_idempotent"] as? [String], ["auth.sendCode"])
    }

    func testPlanOfBrokenWorkflowExitsTwoWithLocation() throws {
        let broken = RepoPaths.root.appendingPathComponent("Tests/WorkflowTests/Broken/29-unknown-method.yaml").path
        let r = try tgflow(["plan", broken])
        XCTAssertEqual(r.status, 2, r.all)
        XCTAssertTrue(r.stderr.contains("\(broken):4:11: unknown Telegram method 'messages.sendMesage'"), r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    // MARK: runs

    func testRunsListAndShow() throws {
        let state = dir.appendingPathComponent("state.db").path
        let good = try write("good.yaml", "version: 1\nname: good\nsteps:\n  - id: first\n    assert: { that: true }\n  - id: second\n    sleep: { seconds: 0 }\n")
        let bad = try write("bad.yaml", "version: 1\nname: bad\nsteps:\n  - id: boom\n    assert: { that: false, message: deliberately false }\n")
        XCTAssertEqual(try tgflow(["run", good, "--state", state]).status, 0)
        XCTAssertEqual(try tgflow(["run", bad, "--state", state]).status, 1)

        let list = try tgflow(["runs", "list", "--state", state, "--json"])
        XCTAssertEqual(list.status, 0, list.all)
        let runs = try list.stdout.split(separator: "\n").map { try jsonObject(String($0)) }
        XCTAssertEqual(runs.count, 2, list.stdout)
        // Newest first.
        XCTAssertEqual(runs.map { ($0["workflow"] as? String).map { ($0 as NSString).lastPathComponent } }, ["bad.yaml", "good.yaml"])
        XCTAssertEqual(runs.map { $0["status"] as? String }, ["failed", "succeeded"])
        XCTAssertTrue((runs[0]["error"] as? String ?? "").contains("deliberately false"), "\(runs[0])")

        let goodID = try XCTUnwrap(runs[1]["id"] as? String)
        let show = try tgflow(["runs", "show", goodID, "--state", state])
        XCTAssertEqual(show.status, 0, show.all)
        XCTAssertTrue(show.stdout.hasPrefix("run \(goodID): succeeded\n"), show.stdout)
        XCTAssertTrue(show.stdout.contains("succeeded first [assert] attempt 1"), show.stdout)
        XCTAssertTrue(show.stdout.contains("succeeded second [sleep] attempt 1"), show.stdout)

        // A unique prefix is enough; --events adds the event log. Ids start with the time, so
        // a prefix both runs share names no run.
        let byPrefix = try tgflow(["runs", "show", String(goodID.dropLast(2)), "--state", state, "--events"])
        XCTAssertEqual(byPrefix.status, 0, byPrefix.all)
        XCTAssertTrue(byPrefix.stdout.contains("run \(goodID)"), byPrefix.stdout)
        XCTAssertTrue(byPrefix.stdout.contains(#""event":"run_finished""#), byPrefix.stdout)

        let text = try tgflow(["runs", "--state", state])
        XCTAssertEqual(text.status, 0, text.all)
        XCTAssertTrue(text.stdout.hasPrefix(try XCTUnwrap(runs[0]["id"] as? String)), "list is the default: \(text.stdout)")

        let badID = try XCTUnwrap(runs[0]["id"] as? String)
        let shared = String(zip(goodID, badID).prefix { $0 == $1 }.map(\.0))
        XCTAssertFalse(shared.isEmpty)
        XCTAssertEqual(try tgflow(["runs", "show", shared, "--state", state]).status, 2)

        let missing = try tgflow(["runs", "show", "nosuchrun", "--state", state])
        XCTAssertEqual(missing.status, 2, missing.all)
        XCTAssertTrue(missing.stderr.contains("no run nosuchrun"), missing.stderr)
        let noDatabase = try tgflow(["runs", "list", "--state", dir.appendingPathComponent("absent.db").path])
        XCTAssertEqual(noDatabase.status, 2, noDatabase.all)
        XCTAssertTrue(noDatabase.stderr.contains("no checkpoint database at"), noDatabase.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("absent.db").path), "runs list must not create a database")
    }
}
