/// A hash map from 64-bit ids this side chose itself (its msg_ids, request ids) to values,
/// for the per-request bookkeeping: open addressing with a multiplicative hash and linear
/// probing over a plain key array, several times cheaper than `Dictionary`'s seeded SipHash.
/// The hash is not keyed, so it is only for keys a peer cannot choose (a peer's id may be
/// looked up).
@frozen
public struct IDMap<Value> {
    /// 0 marks an empty slot.
    @usableFromInline var slotKeys: [UInt64]
    @usableFromInline var slotValues: [Value?]
    @usableFromInline var shift: UInt64
    /// The value for key 0, which cannot live in the table.
    @usableFromInline var zeroValue: Value?
    @usableFromInline var storedCount = 0

    @inlinable
    public init() {
        slotKeys = Array(repeating: 0, count: Self.minimumCapacity)
        slotValues = Array(repeating: nil, count: Self.minimumCapacity)
        shift = 64 - UInt64(Self.minimumCapacity.trailingZeroBitCount)
    }

    @inlinable static var minimumCapacity: Int { 16 }

    @inlinable public var count: Int { storedCount }
    @inlinable public var isEmpty: Bool { storedCount == 0 }

    /// Fibonacci hashing: the top bits of the key times 2^64/φ, which mixes every bit of the
    /// key into the index (msg_ids differ mostly in their low and middle bits).
    @inlinable @inline(__always)
    func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inlinable @inline(__always)
    func find(_ key: UInt64) -> (index: Int, found: Bool) {
        let mask = slotKeys.count - 1
        var i = home(key)
        while true {
            let k = slotKeys[i]
            if k == key { return (i, true) }
            if k == 0 { return (i, false) }
            i = (i + 1) & mask
        }
    }

    @inlinable
    public subscript(key: UInt64) -> Value? {
        get {
            guard key != 0 else { return zeroValue }
            let (i, found) = find(key)
            return found ? slotValues[i] : nil
        }
        set {
            guard let newValue else {
                removeValue(forKey: key)
                return
            }
            guard key != 0 else {
                if zeroValue == nil { storedCount += 1 }
                zeroValue = newValue
                return
            }
            let (i, found) = find(key)
            slotValues[i] = newValue
            if !found {
                slotKeys[i] = key
                storedCount += 1
                if storedCount * 2 > slotKeys.count { resize(to: slotKeys.count * 2) }
            }
        }
    }

    /// Changes the value for `key` in place (no copy of it is made); nil when absent.
    @inlinable
    public mutating func modify<R>(_ key: UInt64, _ body: (inout Value) throws -> R) rethrows -> R? {
        if key == 0 {
            guard zeroValue != nil else { return nil }
            return try body(&zeroValue!)
        }
        let (i, found) = find(key)
        guard found else { return nil }
        return try body(&slotValues[i]!)
    }

    /// Removes `key` and returns its value; the entries after it move back so that no
    /// tombstones accumulate (backward-shift deletion).
    @inlinable @discardableResult
    public mutating func removeValue(forKey key: UInt64) -> Value? {
        guard key != 0 else {
            defer { zeroValue = nil }
            if zeroValue != nil { storedCount -= 1 }
            return zeroValue
        }
        let position = find(key)
        guard position.found else { return nil }
        var hole = position.index
        let removed = slotValues[hole]
        slotKeys[hole] = 0
        slotValues[hole] = nil
        storedCount -= 1
        let mask = slotKeys.count - 1
        var j = hole
        while true {
            j = (j + 1) & mask
            let k = slotKeys[j]
            if k == 0 { break }
            let h = home(k)
            // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
            let stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if stays { continue }
            slotKeys[hole] = k
            slotValues[hole] = slotValues[j]
            slotKeys[j] = 0
            slotValues[j] = nil
            hole = j
        }
        // Shrinks only well below the grow threshold, so a steady load never resizes.
        if slotKeys.count > 1024, storedCount * 32 < slotKeys.count { resize(to: slotKeys.count / 4) }
        return removed
    }

    @inlinable
    public mutating func removeAll() {
        self = IDMap()
    }

    @inlinable
    mutating func resize(to capacity: Int) {
        let oldKeys = slotKeys, oldValues = slotValues
        slotKeys = Array(repeating: 0, count: capacity)
        slotValues = Array(repeating: nil, count: capacity)
        shift = 64 - UInt64(capacity.trailingZeroBitCount)
        for index in oldKeys.indices where oldKeys[index] != 0 {
            let (i, _) = find(oldKeys[index])
            slotKeys[i] = oldKeys[index]
            slotValues[i] = oldValues[index]
        }
    }

    /// The entries, in no particular order.
    @inlinable
    public var entries: [(key: UInt64, value: Value)] {
        var all = slotKeys.indices.compactMap { slotKeys[$0] == 0 ? nil : (key: slotKeys[$0], value: slotValues[$0]!) }
        if let zeroValue { all.append((0, zeroValue)) }
        return all
    }
}

extension IDMap: Sendable where Value: Sendable {}
