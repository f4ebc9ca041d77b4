import Foundation
import MTCrypto
import XCTest
@testable import MTProto

/// Sessions that outlive the replay window many times over: every request answered,
/// nothing rejected (the window forgets old ids and never mistakes a new one for a replay).
final class LongSessionTests: XCTestCase {
    func testTwentyThousandRoundTripsOneAtATimeAndInContainers() throws {
        let key = randomAuthKey()
        var client = ClientSession(authKey: key, serverSalt: 7, timeOffset: 0)
        var server = ServerSession(authKey: key, serverSalt: 7)
        let getConfig: [UInt8] = [0x6b, 0x18, 0xf9, 0xc4]
        func roundTrip(_ requests: Int) -> Int {
            for _ in 0..<requests { client.enqueue(getConfig) }
            var answered = 0
            while let packet = client.nextPacket(now: Date()) {
                for case let .request(msgID, _) in server.handle(packet, now: Date()) { server.reply(to: msgID, result: [1, 2, 3, 4]) }
            }
            while let packet = server.nextPacket(now: Date()) {
                for event in client.handle(packet, now: Date()) { if case .result = event { answered += 1 } }
            }
            return answered
        }
        for round in 0..<10_000 {
            let answered = roundTrip(1)
            if answered != 1 { return XCTFail("round \(round): \(answered) answers; rejected \(client.rejectedPackets)/\(server.rejectedPackets)") }
        }
        for round in 0..<100 {
            let answered = roundTrip(100)
            if answered != 100 { return XCTFail("batch \(round): \(answered) answers; rejected \(client.rejectedPackets)/\(server.rejectedPackets)") }
        }
        XCTAssertEqual(client.rejectedPackets, 0)
        XCTAssertEqual(server.rejectedPackets, 0)
    }
}
