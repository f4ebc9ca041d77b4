import Foundation
import MTCrypto
import MTNetwork
import MTProto
import TL
import XCTest
@testable import TestDC

/// The server on real loopback sockets, driven by our own MTConnection and client core.
final class ServerSocketTests: XCTestCase {
    /// The first packet from `connection`, or nil after `seconds`.
    func firstPacket(_ connection: MTConnection, seconds: Double = 3) async throws -> [UInt8]? {
        try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { for try await p in connection.packets { return p }; return nil }
            group.addTask { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)); return nil }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
    }

    /// Key exchange, then `help.getNearestDc`, over one connection; returns the DC that answered.
    func nearestDC(_ connection: MTConnection, dc: Int, key: RSAPublicKey) async throws -> Int32? {
        var exchange = ClientAuthKeyExchange(dcID: dc, serverKeys: [key])
        try await connection.send(exchange.start(now: Date()))
        var session: ClientSession?
        while session == nil {
            guard let packet = try await firstPacket(connection) else { return nil }
            switch try exchange.handle(packet, now: Date()) {
            case .send(let next): try await connection.send(next)
            case .done(let created): session = ClientSession(authKey: created.authKey, serverSalt: created.serverSalt, timeOffset: created.timeOffset)
            }
        }
        let id = session!.enqueue(try TLSchema.shared.encode(TLObject(name: "help.getNearestDc")))
        for _ in 0..<6 {
            if let out = session!.nextPacket(now: Date()) { try await connection.send(out) }
            guard let packet = try await firstPacket(connection) else { return nil }
            for case .result(id, let body) in session!.handle(packet, now: Date()) {
                return try TLSchema.shared.decode(body, type: "NearestDc")["this_dc"]?.int32
            }
        }
        return nil
    }

    func testEveryConnectionGetsItsAnswerWithoutFurtherInput() async throws {
        var options = TestDCOptions()
        options.dcCount = 1
        let server = try await TestDCServer.start(options)
        for transport in [TransportProtocol.abridged, .intermediate, .paddedIntermediate] {
            let connection = try await MTConnection.open(to: DataCenter(id: 1, host: "127.0.0.1", port: server.dcs[0].port), transport: transport, obfuscated: true, proxy: nil, timeout: .seconds(5))
            var exchange = ClientAuthKeyExchange(dcID: 1, serverKeys: [server.publicKey])
            try await connection.send(exchange.start(now: Date()))
            let answer = try await firstPacket(connection)
            XCTAssertNotNil(answer, "res_pq must arrive without the client sending more (\(transport))")
            await connection.close()
        }
        await server.close()
    }

    func testMTProxyModeServesDDAndFakeTLSClientsAndRoutesByHeaderDC() async throws {
        for secretText in ["dd00112233445566778899aabbccddeeff", "ee00112233445566778899aabbccddeeff" + "example.com".utf8.map { String(format: "%02x", $0) }.joined()] {
            let secret = try MTProxySecret(parsing: secretText)
            var options = TestDCOptions()
            options.mtproxySecret = secret
            let server = try await TestDCServer.start(options)
            for dc in [1, 3] {
                let connection = try await MTConnection.open(to: DataCenter(id: dc, host: "127.0.0.1", port: 9), transport: .paddedIntermediate, obfuscated: true,
                                                             proxy: .mtproxy(host: "127.0.0.1", port: server.dcs[0].port, secret: secret), timeout: .seconds(5))
                let answered = try await nearestDC(connection, dc: dc, key: server.publicKey)
                XCTAssertEqual(answered, Int32(dc), "secret \(secretText.prefix(2))")
                await connection.close()
            }
            await server.close()
        }
    }

    func testDataCentresListenOnConsecutivePortsFromTheGivenOne() async throws {
        // Bases below the kernel's ephemeral range (32768 and up on Linux), where the client
        // sockets of other tests take their ports; a base whose ports are busy is skipped.
        var started: (server: TestDCServer, port: Int)?
        for _ in 0..<20 where started == nil {
            var options = TestDCOptions()
            options.port = Int.random(in: 20_000..<30_000)
            if let server = try? await TestDCServer.start(options) { started = (server, options.port) }
        }
        let (server, port) = try XCTUnwrap(started, "no three consecutive free ports found in 20 tries")
        XCTAssertEqual(server.dcs.map(\.port), [port, port + 1, port + 2])
        XCTAssertEqual(server.dcs.map(\.id), [1, 2, 3])
        XCTAssertTrue(server.infoJSON.contains("\"port\":\(port + 2)"))
        await server.close()
    }
}
