import Foundation
import XCTest

/// `tgflow session info|export|import` through the built executable: a Telethon string
/// session goes in and comes back out unchanged, `info` never shows key material, and a
/// session a workflow logged in reports its account (the login needs the in-process test server).
final class CLISessionTests: CLITestCase {
    /// A Telethon StringSession: "1" + base64url(dc_id:u8, IPv4, port:u16be, auth_key[256]).
    static func stringSession(dc: UInt8, port: UInt16, key: [UInt8]) -> String {
        let bytes = [dc, 127, 0, 0, 1, UInt8(port >> 8), UInt8(port & 0xff)] + key
        return "1" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    let key: [UInt8] = (0..<256).map { UInt8(($0 * 37 + 11) & 0xff) }

    func testImportInfoExportRoundTrip() throws {
        let string = Self.stringSession(dc: 2, port: 4430, key: key)
        let path = dir.appendingPathComponent("imported").path
        let imported = try tgflow(["session", "import", path], stdin: string + "\n")
        XCTAssertEqual(imported.status, 0, imported.all)
        XCTAssertFalse(imported.stdout.contains(string), "import must not echo the credential")
        let attributes = try FileManager.default.attributesOfItem(atPath: path + ".session")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let info = try tgflow(["session", "info", path])
        XCTAssertEqual(info.status, 0, info.all)
        XCTAssertTrue(info.stdout.contains("home:    DC 2 at 127.0.0.1:4430 (auth key present)"), info.stdout)
        XCTAssertTrue(info.stdout.contains("account: not logged in"), info.stdout)
        let keyHex = key.map { String(format: "%02x", $0) }.joined()
        for secret in [string, String(string.dropFirst().prefix(40)), String(keyHex.prefix(32)), Data(key).base64EncodedString().prefix(32).description] {
            XCTAssertFalse(info.stdout.contains(secret) || info.stderr.contains(secret), "info shows key material")
        }

        let exported = try tgflow(["session", "export", path + ".session"])
        XCTAssertEqual(exported.status, 0, exported.all)
        XCTAssertEqual(exported.stdout.trimmingCharacters(in: .newlines), string)
    }

    /// The exported string is one Telethon itself reads (needs .venv with telethon).
    func testExportedStringOpensInTelethon() throws {
        let python = RepoPaths.root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("needs .venv with telethon") }
        let path = dir.appendingPathComponent("t").path
        XCTAssertEqual(try tgflow(["session", "import", path], stdin: Self.stringSession(dc: 4, port: 5005, key: key)).status, 0)
        let exported = try tgflow(["session", "export", path]).stdout.trimmingCharacters(in: .newlines)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import sys; from telethon.sessions import StringSession as S; s = S(sys.stdin.read().strip()); print(s.dc_id, s.server_address, s.port, s.auth_key.key.hex())"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data(exported.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(text.trimmingCharacters(in: .newlines), "4 127.0.0.1 5005 " + key.map { String(format: "%02x", $0) }.joined())
    }

    func testImportRejectsGarbageAndCreatesNothing() throws {
        let path = dir.appendingPathComponent("garbage").path
        let r = try tgflow(["session", "import", path], stdin: "1not-a-real-session\n")
        XCTAssertEqual(r.status, 2, r.all)
        XCTAssertTrue(r.stderr.hasPrefix("tgflow session import: not a valid Telethon string session"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".session"))
    }

    func testInfoOfSessionAWorkflowLoggedIn() async throws {
        let server = try await WorkflowTestServer(test: self)
        let outcome = try await server.run(RepoPaths.workflow("login.yaml"))
        XCTAssertEqual(outcome.exitCode, .succeeded, outcome.message ?? "")
        let userID = try XCTUnwrap(outcome.outputs["user_id"]?.intValue)
        let sessions = FileManager.default.enumerator(atPath: server.directory.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".session") } ?? []
        XCTAssertEqual(sessions.count, 1, "\(sessions)")
        let session = server.directory.appendingPathComponent(try XCTUnwrap(sessions.first)).path

        let info = try tgflow(["session", "info", session])
        XCTAssertEqual(info.status, 0, info.all)
        XCTAssertTrue(info.stdout.contains("account: logged in as user \(userID)"), info.stdout)
        // +9996621234 lives on DC 2.
        let serverInfo = try jsonObject(try String(contentsOfFile: server.infoPath, encoding: .utf8))
        let dc2 = try XCTUnwrap((serverInfo["dcs"] as? [[String: Any]])?.first { $0["id"] as? Int == 2 }?["port"] as? Int)
        XCTAssertTrue(info.stdout.contains("home:    DC 2 at 127.0.0.1:\(dc2) (auth key present)"), info.stdout)

        // Its string session logs in elsewhere: the copy is the same DC and key.
        let exported = try tgflow(["session", "export", session])
        XCTAssertEqual(exported.status, 0, exported.all)
        let copy = dir.appendingPathComponent("copy").path
        XCTAssertEqual(try tgflow(["session", "import", copy], stdin: exported.stdout).status, 0)
        XCTAssertEqual(try tgflow(["session", "export", copy]).stdout, exported.stdout)
    }
}
