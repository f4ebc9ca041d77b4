import XCTest
@testable import MTProto

final class TransportMTProxySecretTests: XCTestCase {
    private let keyHex = "00112233445566778899aabbccddeeff"

    func testHexForms() throws {
        let plain = try MTProxySecret(parsing: keyHex)
        XCTAssertEqual(plain.kind, .plain)
        XCTAssertEqual(plain.key, [UInt8](transportHex: keyHex))
        XCTAssertEqual(try MTProxySecret(parsing: "dd" + keyHex.uppercased()).kind, .paddedIntermediate)
        let tls = try MTProxySecret(parsing: "ee" + keyHex + Array("google.com".utf8).transportHex)
        XCTAssertEqual(tls.kind, .fakeTLS(domain: "google.com"))
        XCTAssertEqual(tls.hex, "ee" + keyHex + Array("google.com".utf8).transportHex)
        XCTAssertEqual(tls.key, [UInt8](transportHex: keyHex))
    }

    func testBase64URLForm() throws {
        let bytes = [0xee] + [UInt8](repeating: 0xff, count: 16) + Array("ya.ru".utf8)
        let base64 = Data(bytes).base64EncodedString()
        let url = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        XCTAssertTrue(url.contains("_") || url.contains("-"), "the sample exercises the URL alphabet: \(url)")
        XCTAssertEqual(try MTProxySecret(parsing: url).kind, .fakeTLS(domain: "ya.ru"))
        XCTAssertEqual(try MTProxySecret(parsing: base64), try MTProxySecret(parsing: url))
    }

    func testBase64URLMadeOfHexDigits() throws {
        // 16 bytes whose base64url (22 characters) happens to be hex digits only.
        let text = "0123456789abcdef01234A"
        let secret = try MTProxySecret(parsing: text)
        XCTAssertEqual(secret.kind, .plain)
        XCTAssertEqual(Data(secret.key).base64EncodedString().replacingOccurrences(of: "=", with: ""), text)
    }

    func testInvalidSecrets() {
        for text in ["", "0011", keyHex + "00", "ee" + keyHex, "dd" + keyHex + "00", "zz" + keyHex, "ee" + keyHex + Array("bad domain!".utf8).transportHex] {
            XCTAssertThrowsError(try MTProxySecret(parsing: text), text) {
                guard case TransportError.invalidMTProxySecret = $0 else { return XCTFail("\($0)") }
            }
        }
    }

    func testDescriptionHidesTheKey() throws {
        let secret = try MTProxySecret(parsing: "ee" + keyHex + Array("example.com".utf8).transportHex)
        for text in [secret.description, secret.debugDescription, "\(secret)", String(reflecting: secret)] {
            XCTAssertFalse(text.contains(keyHex), text)
            XCTAssertFalse(text.contains("00112233"), text)
        }
        XCTAssertTrue(secret.description.contains("example.com"))
    }

    func testLinks() throws {
        let tg = try MTProxyLink(parsing: "tg://proxy?server=proxy.example.org&port=443&secret=dd\(keyHex)")
        XCTAssertEqual(tg.server, "proxy.example.org")
        XCTAssertEqual(tg.port, 443)
        XCTAssertEqual(tg.secret.kind, .paddedIntermediate)
        let web = try MTProxyLink(parsing: "https://t.me/proxy?server=1.2.3.4&port=8443&secret=ee\(keyHex)\(Array("a.com".utf8).transportHex)")
        XCTAssertEqual(web.server, "1.2.3.4")
        XCTAssertEqual(web.port, 8443)
        XCTAssertEqual(web.secret.domain, "a.com")
        for bad in ["tg://socks?server=a&port=1", "https://t.me/proxy?port=1&secret=\(keyHex)", "https://t.me/proxy?server=a&port=70000&secret=\(keyHex)",
                    "https://evil.com/proxy?server=a&port=1&secret=\(keyHex)", "not a link", "tg://proxy?server=a&port=1"] {
            XCTAssertThrowsError(try MTProxyLink(parsing: bad), bad)
        }
    }
}
