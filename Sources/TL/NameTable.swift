/// Finds a name's index without SipHash: open addressing over a cheap FNV-1a
/// hash of the UTF-8 bytes, confirmed with `==`. The codec looks up every
/// object's constructor and every present field by name, and Swift's seeded
/// Dictionary hashing was most of the encoder's time.
struct NameTable: Sendable {
    private let slots: [Int32]
    let names: [String]
    private let mask: Int

    init(_ names: [String]) {
        var size = 4
        while size < names.count * 2 { size <<= 1 }
        var slots = [Int32](repeating: -1, count: size)
        for (i, name) in names.enumerated() {
            var h = Self.hash(name) & (size - 1)
            while slots[h] >= 0 { h = (h + 1) & (size - 1) }
            slots[h] = Int32(i)
        }
        self.slots = slots
        self.names = names
        self.mask = size - 1
    }

    @inline(__always)
    func index(of name: String) -> Int? {
        var h = Self.hash(name) & mask
        while true {
            let s = Int(slots[h])
            if s < 0 { return nil }
            if names[s] == name { return s }
            h = (h + 1) & mask
        }
    }

    @inline(__always)
    static func hash(_ s: String) -> Int {
        var h: UInt32 = 2_166_136_261
        for b in s.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return Int(h)
    }
}

/// Finds a constructor id's index without SipHash (Swift's Dictionary hashes every
/// lookup with a seeded SipHash; the decoder looks up one id per object).
struct IDTable: Sendable {
    private let keys: [UInt32]
    private let values: [Int32]
    private let mask: Int

    init(_ ids: [(UInt32, Int)]) {
        var size = 4
        while size < ids.count * 2 { size <<= 1 }
        var keys = [UInt32](repeating: 0, count: size)
        var values = [Int32](repeating: -1, count: size)
        for (id, index) in ids {
            var h = Self.hash(id) & (size - 1)
            while values[h] >= 0 { h = (h + 1) & (size - 1) }
            keys[h] = id
            values[h] = Int32(index)
        }
        self.keys = keys
        self.values = values
        self.mask = size - 1
    }

    @inline(__always)
    func index(of id: UInt32) -> Int? {
        var h = Self.hash(id) & mask
        while true {
            let v = values[h]
            if v < 0 { return nil }
            if keys[h] == id { return Int(v) }
            h = (h + 1) & mask
        }
    }

    @inline(__always)
    static func hash(_ id: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(id) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }
}
