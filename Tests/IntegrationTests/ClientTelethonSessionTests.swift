import Foundation
import SessionStore
import TGClient
import XCTest

/// Logged-in sessions exchanged with Telethon 1.45.0 against the same testdc:
/// files and string sessions, both directions (needs `$PY` or `.venv/bin/python`).
final class ClientTelethonSessionTests: XCTestCase {
    static let prelude = """
        import asyncio, json, sys
        import telethon.crypto.rsa as rsa
        from telethon import TelegramClient
        from telethon.sessions import StringSession
        info = json.load(open(sys.argv[1]))
        rsa._server_keys.clear()
        rsa.add_key(info['rsa_public_key'], old=False)
        API_ID, API_HASH = 12345, '0123456789abcdef0123456789abcdef'
        """

    func python(_ script: String, _ arguments: [String]) throws -> String {
        let python = ProcessInfo.processInfo.environment["PY"].map {
            $0.hasPrefix("/") ? $0 : ClientTestServer.repositoryRoot.appendingPathComponent($0).path
        } ?? ClientTestServer.repositoryRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("needs the Python peer (Telethon 1.45.0) at \(python); run .ci/run or set PY")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.prelude + "\n" + script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            XCTFail("python failed: \(String(decoding: errors, as: UTF8.self).suffix(2000))")
            return ""
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testTelethonUsesOurLoggedInSessionFileAndString() async throws {
        let dc = try ClientTestServer(test: self)
        let path = dc.directory.appendingPathComponent("ours").path
        let session = try SQLiteSession(path: path)
        let client = try await dc.loggedInClient(phone: "9996621300", session: session, firstName: "Ours")
        let me = try await client.getMe()
        let string = try StringSession(from: session).encoded()
        await client.disconnect()
        session.close()

        let out = try python("""
            async def main():
                for s in (sys.argv[2], StringSession(sys.argv[3])):
                    c = TelegramClient(s, API_ID, API_HASH)
                    await asyncio.wait_for(c.connect(), 30)
                    ok = await c.is_user_authorized()
                    me = await c.get_me()
                    print(ok, me.id if me else None)
                    await c.disconnect()
            asyncio.run(main())
            """, [dc.infoPath, path, string])
        let expected = "True \(me?.id ?? -1)"
        XCTAssertEqual(out.split(separator: "\n").map(String.init), [expected, expected])
    }

    func testWeUseTelethonsLoggedInSessionFileAndString() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"accounts": [{"phone": "9996621301", "first_name": "Theirs"}]}
            """)
        let path = dc.directory.appendingPathComponent("theirs").path
        let out = try python("""
            async def main():
                c = TelegramClient(sys.argv[2], API_ID, API_HASH)
                port = [d['port'] for d in info['dcs'] if d['id'] == 2][0]
                c.session.set_dc(2, '127.0.0.1', port)
                await asyncio.wait_for(c.connect(), 30)
                await c.send_code_request('9996621301')
                me = await c.sign_in('9996621301', '22222')
                print(me.id)
                print(StringSession.save(c.session))
                await c.disconnect()
            asyncio.run(main())
            """, [dc.infoPath, path])
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        let telethonID = try XCTUnwrap(Int64(lines.first ?? ""))

        let session = try SQLiteSession(path: path)
        let client = dc.client(session: session)
        let authorized = try await client.isUserAuthorized()
        XCTAssertTrue(authorized, "no new login needed")
        let me = try await client.getMe()
        XCTAssertEqual(me?.id, telethonID)
        XCTAssertEqual(try session.selfUserID(), telethonID)
        await client.disconnect()

        let memory = try StringSession(parsing: lines[1]).memorySession()
        let fromString = dc.client(session: memory)
        let meAgain = try await fromString.getMe()
        XCTAssertEqual(meAgain?.firstName, "Theirs")
    }
}
