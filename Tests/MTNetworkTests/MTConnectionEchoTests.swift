import MTProto
import XCTest
@testable import MTNetwork

/// MTConnection ↔ MTListener on loopback over every transport, plain and obfuscated, and
/// through our listener acting as an MTProxy for plain, `dd` and `ee` secrets.
final class MTConnectionEchoTests: XCTestCase {
    private let key = "0123456789abcdef0123456789abcdef"

    func testEveryTransportPlainAndObfuscated() async throws {
        let seen = Seen()
        let listener = try await startEchoServer(seen: seen)
        let dc = DataCenter(id: 2, host: "127.0.0.1", port: listener.port)
        var expected: [TransportProtocol] = []
        for transport in TransportProtocol.allCases {
            for obfuscated in [false, true] where !(obfuscated && transport == .full) {
                let connection = try await MTConnection.open(to: dc, transport: transport, obfuscated: obfuscated, proxy: nil, timeout: .seconds(10))
                XCTAssertEqual(connection.transport, transport)
                try await assertEchoes(connection)
                await connection.close()
                expected.append(transport)
            }
        }
        XCTAssertEqual(seen.transports, expected)
        XCTAssertEqual(seen.headerDCIDs.compactMap { $0 }, [Int](repeating: 2, count: 3), "obfuscated headers carry dc 2")
        await listener.close()
    }

    func testTestAndMediaDCIDsReachTheServer() async throws {
        let seen = Seen()
        let listener = try await startEchoServer(seen: seen)
        for dc in [DataCenter(id: 3, host: "127.0.0.1", port: listener.port, isTest: true),
                   DataCenter(id: 4, host: "127.0.0.1", port: listener.port, isMedia: true)] {
            let connection = try await MTConnection.open(to: dc, transport: .abridged, obfuscated: true, proxy: nil, timeout: .seconds(10))
            try await connection.send([1, 2, 3, 4, 5, 6, 7, 8])
            var iterator = connection.packets.makeAsyncIterator()
            _ = try await iterator.next()
            await connection.close()
        }
        XCTAssertEqual(seen.headerDCIDs, [10003, -4])
        await listener.close()
    }

    func testMTProxyPlainSecret() async throws {
        let secret = try MTProxySecret(parsing: key)
        let listener = try await startEchoServer(secret: secret)
        let dc = DataCenter(id: 2, host: "127.0.0.1", port: 1)   // an MTProxy is the only peer; the DC address is not used
        for transport in [TransportProtocol.abridged, .intermediate, .paddedIntermediate] {
            let connection = try await MTConnection.open(to: dc, transport: transport, obfuscated: false,
                                                         proxy: .mtproxy(host: "127.0.0.1", port: listener.port, secret: secret), timeout: .seconds(10))
            try await assertEchoes(connection)
            await connection.close()
        }
        await listener.close()
    }

    func testMTProxyDDSecretUsesPaddedIntermediate() async throws {
        let secret = try MTProxySecret(parsing: "dd" + key)
        let seen = Seen()
        let listener = try await startEchoServer(secret: secret, seen: seen)
        let dc = DataCenter(id: 2, host: "127.0.0.1", port: 1)
        let connection = try await MTConnection.open(to: dc, transport: .abridged, obfuscated: false,
                                                     proxy: .mtproxy(host: "127.0.0.1", port: listener.port, secret: secret), timeout: .seconds(10))
        XCTAssertEqual(connection.transport, .paddedIntermediate)
        try await assertEchoes(connection)
        await connection.close()
        XCTAssertEqual(seen.transports, [.paddedIntermediate])
        await listener.close()
    }

    func testMTProxyFakeTLSSecretFromLink() async throws {
        let hexSecret = "ee" + key + Array("www.example.com".utf8).map { String(format: "%02x", $0) }.joined()
        let secret = try MTProxySecret(parsing: hexSecret)
        let listener = try await startEchoServer(secret: secret)
        let proxy = try Proxy(mtproxyLink: "tg://proxy?server=127.0.0.1&port=\(listener.port)&secret=\(hexSecret)")
        for transport in [TransportProtocol.intermediate, .paddedIntermediate, .abridged] {
            let connection = try await MTConnection.open(to: DataCenter(id: 1, host: "127.0.0.1", port: 1), transport: transport,
                                                         obfuscated: true, proxy: proxy, timeout: .seconds(10))
            XCTAssertEqual(connection.transport, .paddedIntermediate, "Telegram's clients use padded intermediate inside fake TLS")
            try await assertEchoes(connection)
            await connection.close()
        }
        await listener.close()
    }

    func testFakeTLSWithWrongSecretIsReportedAsTheProxyClosing() async throws {
        let secret = try MTProxySecret(parsing: "ee" + key + "6578616d706c652e636f6d")
        let wrong = try MTProxySecret(parsing: "ee" + String(repeating: "11", count: 16) + "6578616d706c652e636f6d")
        let listener = try await startEchoServer(secret: secret)
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 1, host: "127.0.0.1", port: 1), transport: .intermediate, obfuscated: true,
                                            proxy: .mtproxy(host: "127.0.0.1", port: listener.port, secret: wrong), timeout: .seconds(10))
        }) {
            if case .proxyClosed(_, let phase) = $0 { return phase.contains("fake-TLS") }
            return false
        }
        await listener.close()
    }

    func testServerTransportErrorReachesTheClient() async throws {
        let listener = try await startEchoServer()
        let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port), transport: .intermediate,
                                                     obfuscated: true, proxy: nil, timeout: .seconds(10))
        try await connection.send([0xde, 0xad, 0xbe, 0xef])
        var iterator = connection.packets.makeAsyncIterator()
        do {
            _ = try await iterator.next()
            XCTFail("expected the server's transport error")
        } catch let error as ConnectionError {
            XCTAssertEqual(error, .serverTransportError(code: -404))
        }
        await connection.close()
        await listener.close()
    }

    func testFullOverObfuscationIsRefusedBeforeConnecting() async {
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: 1), transport: .full, obfuscated: true, proxy: nil, timeout: .seconds(5))
        }) { if case .unsupported = $0 { return true } else { return false } }
    }

    func testUnreachableDataCentre() async throws {
        let port = try await freeLoopbackPort()
        await expectConnectionError({
            _ = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: port), transport: .abridged, obfuscated: false, proxy: nil, timeout: .seconds(5))
        }) { if case .unreachable(_, port, _) = $0 { return true } else { return false } }
    }

    func testSendAfterCloseThrowsClosed() async throws {
        let listener = try await startEchoServer()
        let connection = try await MTConnection.open(to: DataCenter(id: 2, host: "127.0.0.1", port: listener.port), transport: .abridged,
                                                     obfuscated: false, proxy: nil, timeout: .seconds(5))
        await connection.close()
        await expectConnectionError({ try await connection.send([1, 2, 3, 4]) }) { $0 == .closed }
        var iterator = connection.packets.makeAsyncIterator()
        let next = try? await iterator.next()
        XCTAssertNil(next ?? nil, "packets end after close")
        await listener.close()
    }

    func testBuiltInDataCentres() {
        XCTAssertEqual(DataCenter.production.map(\.id), [1, 2, 3, 4, 5])
        XCTAssertEqual(DataCenter.builtIn(id: 2)?.host, "149.154.167.51")
        XCTAssertEqual(DataCenter.test.map(\.host), ["149.154.175.10", "149.154.167.40", "149.154.175.117"])
        XCTAssertTrue(DataCenter.test.allSatisfy { $0.isTest && $0.port == 443 })
        XCTAssertEqual(DataCenter.builtIn(id: 2, test: true)?.headerDCID, 10002)
        XCTAssertNil(DataCenter.builtIn(id: 9))
    }
}

final class ProxySecrecyTests: XCTestCase {
    func testProxyPrintsNoPasswordOrSecret() throws {
        let secret = try MTProxySecret(parsing: "dd" + "0123456789abcdef0123456789abcdef")
        for proxy in [Proxy.socks5(host: "h", port: 1, username: "user", password: "hunter2"),
                      .http(host: "h", port: 2, username: "user", password: "hunter2"),
                      .mtproxy(host: "h", port: 3, secret: secret)] {
            var dumped = ""
            dump(proxy, to: &dumped)
            for text in [proxy.description, String(reflecting: proxy), "\(proxy)", dumped] {
                XCTAssertFalse(text.contains("hunter2"), text)
                XCTAssertFalse(text.contains("0123456789abcdef"), text)
            }
        }
    }
}
