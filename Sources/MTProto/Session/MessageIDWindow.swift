/// The recently received message ids, to drop duplicates and replays. Holds the last
/// `capacity` ids; once an id has been forgotten, nothing at or below it is accepted
/// (it could be a replay we can no longer recognise).
struct MessageIDWindow {
    let capacity: Int
    private var ids = Set<Int64>()
    private var order: [Int64] = []
    private var head = 0
    private var floor = Int64.min

    init(capacity: Int = 1024) { self.capacity = capacity }

    func contains(_ id: Int64) -> Bool { ids.contains(id) }

    /// Records `id`; false if it was seen before or is older than what the window forgot.
    mutating func insert(_ id: Int64) -> Bool {
        guard id > floor, !ids.contains(id) else { return false }
        if order.count == capacity {
            let evicted = order[head]
            ids.remove(evicted)
            floor = max(floor, evicted)
            order[head] = id
            head = (head + 1) % capacity
        } else {
            order.append(id)
        }
        ids.insert(id)
        return true
    }

    mutating func removeAll() { ids.removeAll(); order.removeAll(); head = 0; floor = .min }
}
