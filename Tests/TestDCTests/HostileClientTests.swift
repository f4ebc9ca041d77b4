import Foundation
import XCTest
@testable import TestDC
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP socket, for playing a misbehaving client.
final class RawSocket {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); throw NSError(domain: "connect", code: Int(errno)) }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }

    /// Bytes read before the peer closed or the timeout; `closed` tells which.
    func receive() -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out += buffer[0..<n]; continue }
            return (out, n == 0 || (n < 0 && errno == ECONNRESET))
        }
    }
}

/// Hostile clients must never crash the server or grow its memory without bound.
final class HostileClientTests: XCTestCase {
    var server: TestDCServer!

    override func setUp() async throws {
        var options = TestDCOptions()
        options.dcCount = 1
        options.openingTimeout = 1
        server = try await TestDCServer.start(options)
    }

    override func tearDown() async throws { await server.close() }

    var port: Int { server.dcs[0].port }

    /// An intermediate-transport req_pq_multi: the server must still answer it.
    func assertServerStillAnswers(file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try RawSocket(port: port)
        var body: [UInt8] = [UInt8](repeating: 0, count: 8)
        let msgID = UInt64(Date().timeIntervalSince1970) << 32
        body += withUnsafeBytes(of: msgID.littleEndian, Array.init)
        body += withUnsafeBytes(of: UInt32(20).littleEndian, Array.init)
        body += withUnsafeBytes(of: UInt32(0xbe7e8ef1).littleEndian, Array.init)
        body += (0..<16).map { _ in UInt8.random(in: 0...255) }
        s.send([0xee, 0xee, 0xee, 0xee] + withUnsafeBytes(of: UInt32(body.count).littleEndian, Array.init) + body)
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        XCTAssertGreaterThan(s.receive().bytes.count, 40, "res_pq", file: file, line: line)
    }

    func testGarbageOpeningIsClosed() throws {
        let s = try RawSocket(port: port)
        // Not a tag, not a full frame (seq_no bytes non-zero), and no obfuscated2 tag once decrypted.
        var garbage = (0..<64).map { _ in UInt8.random(in: 1...255) }
        garbage[0] = 0x01
        s.send(garbage)
        XCTAssertTrue(s.receive().closed)
        try assertServerStillAnswers()
    }

    func testHugeLengthsAreRefusedWithoutAllocating() throws {
        for opening in [[0xef, 0x7f, 0xff, 0xff, 0xff] as [UInt8], [0xee, 0xee, 0xee, 0xee, 0xff, 0xff, 0xff, 0x7f], [0xdd, 0xdd, 0xdd, 0xdd, 0x00, 0x00, 0x00, 0x80]] {
            let s = try RawSocket(port: port)
            s.send(opening + [UInt8](repeating: 0, count: 100))
            XCTAssertTrue(s.receive().closed, "\(opening)")
        }
        try assertServerStillAnswers()
    }

    func testHalfOpenConnectionsTimeOut() throws {
        let started = Date()
        let s = try RawSocket(port: port)
        XCTAssertTrue(s.receive().closed)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.9)
    }

    func testManyConnectionsAreTrackedAndReleased() throws {
        // Connections from earlier tests may still be closing: wait until the count settles.
        var base = server.openConnections
        for _ in 0..<50 {
            usleep(100_000)
            if server.openConnections == base { break }
            base = server.openConnections
        }
        var sockets: [RawSocket] = []
        for _ in 0..<300 {
            let s = try RawSocket(port: port)
            s.send([0xef])
            sockets.append(s)
        }
        let deadline = Date().addingTimeInterval(3)
        while server.openConnections < base + 300, Date() < deadline { usleep(10_000) }
        XCTAssertEqual(server.openConnections, base + 300)
        try assertServerStillAnswers()
        sockets.removeAll()
        let released = Date().addingTimeInterval(3)
        while server.openConnections > base, Date() < released { usleep(10_000) }
        XCTAssertEqual(server.openConnections, base)
    }

    func testRandomBytesAfterAValidOpeningNeverCrash() throws {
        for tag in [[0xef] as [UInt8], [0xee, 0xee, 0xee, 0xee], [0xdd, 0xdd, 0xdd, 0xdd]] {
            for _ in 0..<20 {
                let s = try RawSocket(port: port)
                s.send(tag + (0..<Int.random(in: 1...2000)).map { _ in UInt8.random(in: 0...255) })
                var tv = timeval(tv_sec: 0, tv_usec: 200_000)
                setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                _ = s.receive()
            }
        }
        try assertServerStillAnswers()
    }
}
