/// The little DER needed to write a PKCS#1 RSAPublicKey.
enum DER {
    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var v = n
        while v > 0 { bytes.insert(UInt8(v & 0xff), at: 0); v >>= 8 }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
    static func integer(_ magnitude: [UInt8]) -> [UInt8] {
        var body = Array(magnitude.drop(while: { $0 == 0 }))
        if body.isEmpty || body[0] & 0x80 != 0 { body.insert(0, at: 0) }
        return [0x02] + length(body.count) + body
    }
    static func sequence(_ content: [UInt8]) -> [UInt8] { [0x30] + length(content.count) + content }
}

enum PEM {
    static func encode(_ der: [UInt8], label: String) -> String {
        let b64 = base64(der)
        var lines: [String] = ["-----BEGIN \(label)-----"]
        var i = b64.startIndex
        while i < b64.endIndex {
            let j = b64.index(i, offsetBy: 64, limitedBy: b64.endIndex) ?? b64.endIndex
            lines.append(String(b64[i..<j]))
            i = j
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    static func base64(_ data: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            let chunk = Array(data[i..<min(i + 3, data.count)])
            let b = chunk + [UInt8](repeating: 0, count: 3 - chunk.count)
            let v = UInt32(b[0]) << 16 | UInt32(b[1]) << 8 | UInt32(b[2])
            for k in 0..<4 {
                out.append(k <= chunk.count ? alphabet[Int((v >> (18 - 6 * UInt32(k))) & 63)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
