import Foundation

/// A session that lives only as long as the process: for tests, for
/// one-shot runs, and as the target of a string-session import.
public final class MemorySession: SessionStorage, @unchecked Sendable {
    private let lock = NSLock()
    private var homeDC: DCAddress?
    private var keys: [Int: [UInt8]] = [:]
    private var salts: [Int: Int64] = [:]
    private var entities: [Int64: CachedEntity] = [:]
    private var selfID: Int64?
    private var state: UpdateState?
    private var pending: PendingLogin?
    private var floods: [String: Date] = [:]
    private var dcs: [DCAddress] = []

    public init() {}

    public var location: String { "memory" }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    public func home() -> DCAddress? { locked { homeDC } }
    public func setHome(_ dc: DCAddress) { locked { homeDC = dc } }

    public func authKey(dc: Int) -> [UInt8]? { locked { keys[dc] } }
    public func setAuthKey(_ key: [UInt8]?, dc: Int) { locked { keys[dc] = key } }

    public func serverSalt(dc: Int) -> Int64? { locked { salts[dc] } }
    public func setServerSalt(_ salt: Int64?, dc: Int) { locked { salts[dc] = salt } }

    public func saveEntities(_ list: [CachedEntity]) {
        locked { for e in list { entities[e.id] = e } }
    }
    public func entity(id: Int64) -> CachedEntity? { locked { entities[id] } }
    public func entity(username: String) -> CachedEntity? {
        let wanted = MemorySession.normalizedUsername(username)
        return locked { entities.values.first { $0.username == wanted } }
    }
    public func entity(phone: String) -> CachedEntity? {
        let wanted = CachedEntity.digits(phone)
        guard !wanted.isEmpty else { return nil }
        return locked { entities.values.first { $0.phone == wanted } }
    }

    public func selfUserID() -> Int64? { locked { selfID } }
    public func setSelfUserID(_ id: Int64?) { locked { selfID = id } }

    public func updateState() -> UpdateState? { locked { state } }
    public func setUpdateState(_ s: UpdateState?) { locked { state = s } }

    public func pendingLogin() -> PendingLogin? { locked { pending } }
    public func setPendingLogin(_ login: PendingLogin?) { locked { pending = login } }

    public func floodDeadline(method: String) -> Date? { locked { floods[method] } }
    public func setFloodDeadline(_ until: Date?, method: String) { locked { floods[method] = until } }

    public func dcList() -> [DCAddress] { locked { dcs } }
    public func setDCList(_ list: [DCAddress]) { locked { dcs = list } }

    public func clearAuthorization() {
        locked {
            keys = [:]; salts = [:]; entities = [:]; selfID = nil; state = nil; pending = nil
        }
    }

    /// `@Name` → `name`.
    public static func normalizedUsername(_ username: String) -> String {
        var u = username.trimmingCharacters(in: .whitespaces)
        if u.hasPrefix("@") { u.removeFirst() }
        return u.lowercased()
    }
}
