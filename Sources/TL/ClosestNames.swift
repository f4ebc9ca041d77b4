/// Ranks names by edit distance (case-insensitive), so an unknown method or
/// field can be answered with "did you mean …" (always the `limit` closest).
public enum ClosestNames {
    public static func find<S: Sequence>(_ name: String, among candidates: S, limit: Int) -> [String] where S.Element == String {
        let target = Array(name.lowercased().utf8)
        var scored: [(distance: Int, name: String)] = []
        for candidate in candidates {
            let c = Array(candidate.lowercased().utf8)
            var d = distance(target, c)
            // A name that contains what was typed is a strong hint ("sendCode" → "auth.sendCode").
            if !target.isEmpty, c.count > target.count, contains(c, target) { d = min(d, (c.count - target.count) / 3) }
            scored.append((d, candidate))
        }
        scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
        return scored.prefix(limit).map(\.name)
    }

    /// Case-insensitive Levenshtein distance between two names.
    public static func distance(_ a: String, _ b: String) -> Int {
        distance(Array(a.lowercased().utf8), Array(b.lowercased().utf8))
    }

    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }
}
