/// The fields of a decoded object: its combinator and the present fields in
/// schema order, by parameter index, in one allocation. A `TLObject` holding one
/// costs a single reference count to copy, and re-encoding it walks the entries
/// with no lookup by name.
/// Written only while being decoded, before any other code can see it; immutable after.
final class DecodedFields: ManagedBuffer<DecodedFields.Header, DecodedFields.Entry> {
    struct Header {
        let combinator: CompiledCombinator
        var count: Int
        /// What was asked for (`ManagedBuffer.capacity` asks malloc, which is slow).
        let room: Int
    }

    struct Entry: Equatable {
        let index: Int
        let value: TLValue
    }

    static func make(_ combinator: CompiledCombinator, capacity: Int) -> DecodedFields {
        let room = max(capacity, 1)
        let buffer = create(minimumCapacity: room) { _ in Header(combinator: combinator, count: 0, room: room) }
        return unsafeDowncast(buffer, to: DecodedFields.self)
    }

    // Through the pointer: reading `header` directly costs a dynamic exclusivity check.
    var combinator: CompiledCombinator { withUnsafeMutablePointerToHeader { $0.pointee.combinator } }
    var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }

    /// Appends while being decoded (before the object is shared); returns the buffer
    /// to use from now on, a larger copy when this one is full.
    @inline(__always)
    func appending(_ index: Int, _ value: TLValue) -> DecodedFields {
        let full = withUnsafeMutablePointers { h, e -> Bool in
            let n = h.pointee.count
            guard n < h.pointee.room else { return true }
            (e + n).initialize(to: Entry(index: index, value: value))
            h.pointee.count = n + 1
            return false
        }
        return full ? grown().appending(index, value) : self
    }

    private func grown() -> DecodedFields {
        withUnsafeMutablePointers { h, from in
            let target = DecodedFields.make(h.pointee.combinator, capacity: h.pointee.room * 2)
            target.withUnsafeMutablePointers { th, to in
                to.moveInitialize(from: from, count: h.pointee.count)
                th.pointee.count = h.pointee.count
            }
            h.pointee.count = 0
            return target
        }
    }

    /// Calls `body` with each entry, in schema order.
    @inline(__always)
    func forEach(_ body: (Int, TLValue) throws -> Void) rethrows {
        try withUnsafeMutablePointers { h, e in
            for i in 0..<h.pointee.count { try body(e[i].index, e[i].value) }
        }
    }

    func isEqual(to other: DecodedFields) -> Bool {
        guard combinator === other.combinator, count == other.count else { return false }
        return withUnsafeMutablePointerToElements { a in
            other.withUnsafeMutablePointerToElements { b in
                (0..<count).allSatisfy { a[$0] == b[$0] }
            }
        }
    }

    deinit {
        _ = withUnsafeMutablePointers { h, e in e.deinitialize(count: h.pointee.count) }
    }
}
