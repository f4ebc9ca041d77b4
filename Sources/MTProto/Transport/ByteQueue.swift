/// Received bytes not yet consumed: appended at the end, read from the front.
/// Storage is compacted as it is read, so it holds only what is still unread.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: [UInt8]) {
        if head > 0, head >= storage.count / 2 {
            storage.removeFirst(head)
            head = 0
        }
        storage.append(contentsOf: bytes)
    }

    /// The byte `offset` places from the front (the caller checks `count` first).
    subscript(offset: Int) -> UInt8 { storage[head + offset] }

    func peek(_ range: Range<Int>) -> [UInt8] {
        Array(storage[(head + range.lowerBound)..<(head + range.upperBound)])
    }

    func int32LE(at offset: Int) -> Int32 {
        Int32(bitPattern: uint32LE(at: offset))
    }

    func uint32LE(at offset: Int) -> UInt32 {
        let i = head + offset
        return UInt32(storage[i]) | UInt32(storage[i + 1]) << 8 | UInt32(storage[i + 2]) << 16 | UInt32(storage[i + 3]) << 24
    }

    mutating func read(_ n: Int) -> [UInt8] {
        let out = Array(storage[head..<(head + n)])
        skip(n)
        return out
    }

    mutating func skip(_ n: Int) {
        head += n
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.count <= 1 << 16)
            head = 0
        }
    }

    mutating func readAll() -> [UInt8] { read(count) }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }

    mutating func appendLE(_ value: Int32) { appendLE(UInt32(bitPattern: value)) }

    func uint32LE(at i: Int) -> UInt32 {
        UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }
}
