/// Contiguous byte containers MTCrypto reads without copying: `[UInt8]` and `ArraySlice<UInt8>`.
public protocol ContiguousByteInput {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}
extension Array: ContiguousByteInput where Element == UInt8 {}
extension ArraySlice: ContiguousByteInput where Element == UInt8 {}
