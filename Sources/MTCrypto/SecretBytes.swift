import COpenSSL

/// Bytes that must never be printed: keys, password hashes, SRP secrets.
/// The storage is wiped when the last copy is released. `description`,
/// `debugDescription` and string interpolation show only the length.
public struct SecretBytes: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    private let storage: Storage

    public init(_ bytes: [UInt8]) { storage = Storage(bytes) }

    /// A copy of the secret bytes, for the call that needs them.
    public var bytes: [UInt8] { Array(storage.buffer) }
    public var count: Int { storage.buffer.count }

    /// Runs `body` over the secret without copying it.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage.buffer))
    }

    /// Constant-time comparison.
    public static func == (a: SecretBytes, b: SecretBytes) -> Bool {
        a.count == b.count && (a.count == 0 || CRYPTO_memcmp(a.storage.buffer.baseAddress, b.storage.buffer.baseAddress, a.count) == 0)
    }

    public var description: String { "<secret \(count) bytes>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    private final class Storage: @unchecked Sendable {
        /// Immutable after init, so sharing between threads is safe.
        let buffer: UnsafeMutableBufferPointer<UInt8>
        private let allocation: UnsafeMutableBufferPointer<UInt8>
        init(_ bytes: [UInt8]) {
            allocation = .allocate(capacity: max(bytes.count, 1))
            allocation.initialize(repeating: 0)
            _ = allocation.initialize(from: bytes)
            buffer = UnsafeMutableBufferPointer(rebasing: allocation[0..<bytes.count])
        }
        deinit {
            OPENSSL_cleanse(allocation.baseAddress, allocation.count)
            allocation.deallocate()
        }
    }
}

/// Overwrites a buffer with zeros in a way the optimiser keeps.
public func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
}

/// Equality whose time does not depend on where the inputs differ.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}
