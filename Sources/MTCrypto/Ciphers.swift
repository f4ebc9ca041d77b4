import COpenSSL

/// The AES-256 modes fetched from OpenSSL once per process.
enum FetchedCiphers {
    static let cbc: OpaquePointer = fetch("AES-256-CBC")
    static let ecb: OpaquePointer = fetch("AES-256-ECB")
    static let ctr: OpaquePointer = fetch("AES-256-CTR")

    private static func fetch(_ name: String) -> OpaquePointer {
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil) else {
            fatalError("OpenSSL has no \(name): \(openSSLReason())")
        }
        return cipher
    }
}

/// An initialised EVP cipher context without padding, freed on release.
final class CipherContext {
    let ctx: OpaquePointer

    init(cipher: OpaquePointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer?, encrypt: Bool) throws {
        guard let ctx = EVP_CIPHER_CTX_new() else {
            throw CryptoError.openSSL(operation: "EVP_CIPHER_CTX_new", reason: openSSLReason())
        }
        self.ctx = ctx
        let ok = EVP_CipherInit_ex2(ctx, cipher, key.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                    iv?.baseAddress?.assumingMemoryBound(to: UInt8.self), encrypt ? 1 : 0, nil)
        guard ok == 1, EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 else {
            throw CryptoError.openSSL(operation: "EVP_CipherInit_ex2", reason: openSSLReason())
        }
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    /// Runs the cipher over `count` bytes; `input` may equal `output`.
    @inline(__always)
    func update(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ count: Int) {
        var written: Int32 = 0
        let ok = EVP_CipherUpdate(ctx, output.assumingMemoryBound(to: UInt8.self), &written,
                                  input.assumingMemoryBound(to: UInt8.self), Int32(count))
        precondition(ok == 1 && Int(written) == count, "EVP_CipherUpdate failed: \(openSSLReason())")
    }
}

/// AES-256-CTR as a stream cipher (obfuscated2 transports): the keystream position
/// carries over between `process` calls. Not thread-safe; one per direction.
public final class AESCTR {
    private let context: CipherContext

    public init(key: [UInt8], iv: [UInt8]) throws {
        guard key.count == 32 else { throw CryptoError.badKeyLength(expected: 32, got: key.count) }
        guard iv.count == 16 else { throw CryptoError.badIVLength(expected: 16, got: iv.count) }
        context = try key.withUnsafeBytes { k in
            try iv.withUnsafeBytes { i in try CipherContext(cipher: FetchedCiphers.ctr, key: k, iv: i, encrypt: true) }
        }
    }

    /// Encrypts or decrypts (the same operation) the next bytes of the stream.
    public func process(_ data: [UInt8]) -> [UInt8] {
        var out = data
        process(inPlace: &out)
        return out
    }

    /// Encrypts or decrypts the next bytes of the stream in place.
    public func process(inPlace data: inout [UInt8]) {
        guard !data.isEmpty else { return }
        data.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {   // EVP takes Int32 lengths
                let n = min(buffer.count - offset, 1 << 30)
                context.update(buffer.baseAddress! + offset, buffer.baseAddress! + offset, n)
                offset += n
            }
        }
    }
}
