import Foundation
import SessionStore
import TGClient
import XCTest

/// The flood-wait policy: short waits slept through, long ones thrown, and the
/// deadline kept in the session so that a re-run fails fast.
final class ClientFloodWaitTests: XCTestCase {
    func testShortFloodWaitIsSleptThrough() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"faults": {"errors": [{"method": "auth.sendCode", "error": "FLOOD_WAIT_2", "times": 1}]}}
            """)
        let client = dc.client(floodThreshold: .seconds(60))
        try await client.connect()
        let start = Date()
        let sent = try await client.sendCodeRequest(phone: "9996621200")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 1.9)
        XCTAssertFalse(sent.phoneCodeHash.isEmpty)
    }

    func testLongFloodWaitIsThrownAndItsDeadlineSurvivesARestart() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"faults": {"errors": [{"method": "auth.sendCode", "error": "FLOOD_WAIT_300", "times": 1}]}}
            """)
        let path = dc.directory.appendingPathComponent("flood").path
        do {
            let session = try SQLiteSession(path: path)
            let client = dc.client(session: session, floodThreshold: .seconds(60))
            do {
                _ = try await client.sendCodeRequest(phone: "9996621201")
                XCTFail("expected FLOOD_WAIT_300")
            } catch let error as TelegramError {
                XCTAssertEqual(error, .floodWait(seconds: 300))
                XCTAssertEqual(error.code, 420)
                XCTAssertTrue(error.hint.contains("300"))
            }
            await client.disconnect()
            session.close()
        }
        // A new process (here: a new client on the reopened file) fails fast, before
        // asking the server (which would now answer, the fault being used up).
        let session = try SQLiteSession(path: path)
        let deadline = try XCTUnwrap(session.floodDeadline(method: "auth.sendCode"))
        XCTAssertEqual(deadline.timeIntervalSinceNow, 300, accuracy: 10)
        let client = dc.client(session: session)
        let start = Date()
        do {
            _ = try await client.sendCodeRequest(phone: "9996621201")
            XCTFail("expected the remembered flood wait")
        } catch TelegramError.floodWait(let seconds) {
            XCTAssertGreaterThan(seconds, 280)
            XCTAssertLessThanOrEqual(seconds, 300)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertTrue(dc.loggedCodes().isEmpty, "no code was sent")
        // Other methods are not affected.
        let authorized = try await client.isUserAuthorized()
        XCTAssertFalse(authorized)
    }
}
