import Foundation
import TGClient
import XCTest
@testable import SessionStore

final class StringSessionTests: XCTestCase {
    func testRoundTripThroughFileAndMemory() throws {
        let string = try StringSession(dc: DCAddress(id: 2, host: "127.0.0.1", port: 443), authKey: fakeKey(1)).encoded()
        XCTAssertTrue(string.hasPrefix("1"))
        XCTAssertEqual(string.count, 1 + 352)
        let memory = try StringSession(parsing: string).memorySession()
        XCTAssertEqual(try memory.homeAuthKey(), fakeKey(1))
        let file = try SQLiteSession()
        try StringSession(parsing: string).apply(to: file)
        XCTAssertEqual(try StringSession(from: file).encoded(), string)
    }

    func testRejectsMalformedStrings() {
        let cases = ["", "2AAAA", "1!!!!", "1" + Data(repeating: 1, count: 100).base64EncodedString()]
        for text in cases {
            XCTAssertThrowsError(try StringSession(parsing: text), text) { error in
                guard case .invalidStringSession? = error as? SessionStoreError else { return XCTFail("\(error)") }
            }
        }
    }

    func testExportNeedsKeyAndIPAddress() throws {
        XCTAssertThrowsError(try StringSession(from: MemorySession()))
        XCTAssertThrowsError(try StringSession(dc: DCAddress(id: 1, host: "localhost", port: 1), authKey: fakeKey(1)).encoded()) { error in
            guard case .notExportable? = error as? SessionStoreError else { return XCTFail("\(error)") }
        }
    }

    func testDescriptionHidesTheKey() throws {
        let s = StringSession(dc: DCAddress(id: 1, host: "127.0.0.1", port: 1), authKey: fakeKey(1))
        XCTAssertFalse("\(s)".contains(hex(fakeKey(1)).prefix(16)))
        XCTAssertFalse(String(reflecting: s).contains("authKey"))
    }
}
