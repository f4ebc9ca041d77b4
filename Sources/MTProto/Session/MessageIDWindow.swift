/// The recently received message ids, to drop duplicates and replays. Holds the last
/// `capacity` ids; once an id has been forgotten, nothing at or below it is accepted
/// (it could be a replay we can no longer recognise).
///
/// A ring keeps the arrival order (for forgetting the oldest) and an open-addressing table
/// answers "seen?" with one multiplicative hash and a short probe; every message of every
/// packet goes through here, both ways.
struct MessageIDWindow {
    let capacity: Int
    private var ring: [Int64] = []
    private var head = 0
    private var floor = Int64.min
    /// Linear probing, `empty` marking free slots; 4x the capacity keeps probes short.
    private var slots: [Int64]
    private let mask: Int
    private let shift: Int
    /// `empty` itself is a valid id to hold.
    private var holdsEmpty = false
    private static let empty = Int64.min

    init(capacity: Int = 1024) {
        self.capacity = capacity
        var size = 4
        while size < capacity * 4 { size <<= 1 }
        slots = [Int64](repeating: Self.empty, count: size)
        mask = size - 1
        shift = 64 - size.trailingZeroBitCount
        ring.reserveCapacity(capacity)
    }

    func contains(_ id: Int64) -> Bool {
        if id == Self.empty { return holdsEmpty }
        var i = slot(id)
        while slots[i] != Self.empty {
            if slots[i] == id { return true }
            i = (i + 1) & mask
        }
        return false
    }

    /// Records `id`; false if it was seen before or is older than what the window forgot.
    mutating func insert(_ id: Int64) -> Bool {
        guard id > floor, !contains(id) else { return false }
        if ring.count == capacity {
            let evicted = ring[head]
            remove(evicted)
            floor = max(floor, evicted)
            ring[head] = id
            head = (head + 1) % capacity
        } else {
            ring.append(id)
        }
        add(id)
        return true
    }

    mutating func removeAll() {
        ring.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = Self.empty }
        head = 0; floor = .min; holdsEmpty = false
    }

    private func slot(_ id: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: id) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    private mutating func add(_ id: Int64) {
        if id == Self.empty { holdsEmpty = true; return }
        var i = slot(id)
        while slots[i] != Self.empty { i = (i + 1) & mask }
        slots[i] = id
    }

    /// Removes `id` and shifts back the entries probed past it (no tombstones).
    private mutating func remove(_ id: Int64) {
        if id == Self.empty { holdsEmpty = false; return }
        var i = slot(id)
        while slots[i] != id {
            if slots[i] == Self.empty { return }
            i = (i + 1) & mask
        }
        var j = i
        while true {
            j = (j + 1) & mask
            if slots[j] == Self.empty { break }
            let home = slot(slots[j])
            // The entry at j may stay only if its home lies cyclically in (i, j].
            let stays = i <= j ? (i < home && home <= j) : (i < home || home <= j)
            if !stays {
                slots[i] = slots[j]
                i = j
            }
        }
        slots[i] = Self.empty
    }
}
