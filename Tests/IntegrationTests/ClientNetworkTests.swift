import Foundation
import TGClient
import XCTest

/// Other data centres and lost connections, against tgflow testdc.
final class ClientNetworkTests: XCTestCase {
    func testCallsOnAnotherDataCentreImportTheLogin() async throws {
        let dc = try ClientTestServer(test: self)
        let session = MemorySession()
        let client = try await dc.loggedInClient(phone: "9996621400", session: session, firstName: "Far")
        let request = TLObject(name: "users.getUsers", fields: ["id": .vector([.object(TLObject(name: "inputUserSelf"))])])
        let there = try await client.invoke(request, onDataCenter: 3)
        XCTAssertEqual(there.vector?.first?["first_name"]?.stringValue, "Far", "DC 3 knows us after importAuthorization")
        XCTAssertNotNil(try session.authKey(dc: 3), "DC 3 got its own key, kept in the session")
        XCTAssertEqual(try session.home()?.id, 2, "the home DC did not change")
    }

    func testSurvivesAServerThatDropsEveryConnection() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"faults": {"drop_after_frames": 4}}
            """)
        let client = try await dc.loggedInClient(phone: "9996621401", firstName: "Dropped")
        for _ in 0..<5 {
            let me = try await client.getMe()
            XCTAssertEqual(me?.firstName, "Dropped")
        }
    }

    func testEveryTransportLogsIn() async throws {
        let dc = try ClientTestServer(test: self)
        for (i, transport) in [TransportProtocol.abridged, .intermediate, .paddedIntermediate, .full].enumerated() {
            let client = dc.client(transport: transport)
            _ = try await client.sendCodeRequest(phone: "999662150\(i)")
            do { try await client.signIn(code: "22222") } catch TelegramError.phoneNumberUnoccupied {
                try await client.signUp(firstName: "T\(i)")
            }
            let authorized = try await client.isUserAuthorized()
            XCTAssertTrue(authorized, "\(transport)")
        }
    }
}

/// Migrations Telegram may send besides PHONE_MIGRATE, and secrets kept out of errors.
final class ClientMigrationTests: XCTestCase {
    func testNetworkMigrateMovesHomeAndResends() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"faults": {"errors": [{"method": "auth.sendCode", "error": "NETWORK_MIGRATE_3", "times": 1}]}}
            """)
        let session = MemorySession()
        let client = dc.client(session: session)
        let sent = try await client.sendCodeRequest(phone: "9996631600")
        XCTAssertFalse(sent.phoneCodeHash.isEmpty)
        XCTAssertEqual(try session.home()?.id, 3)
    }

    func testErrorsNeverCarryThePasswordOrApiHash() async throws {
        let dc = try ClientTestServer(test: self, config: """
            {"accounts": [{"phone": "9996621601", "first_name": "S", "password": "right-pw"}]}
            """)
        let client = dc.client()
        _ = try await client.sendCodeRequest(phone: "9996621601")
        do { try await client.signIn(code: "22222") } catch TelegramError.sessionPasswordNeeded {}
        do {
            try await client.signIn(password: "my-secret-guess")
            XCTFail("expected PASSWORD_HASH_INVALID")
        } catch {
            let text = "\(error) \(String(reflecting: error))"
            XCTAssertFalse(text.contains("my-secret-guess"))
            XCTAssertFalse(text.contains(ClientTestServer.apiHash))
        }
    }
}
