import Foundation
import TL

/// What one connection has told the server about itself.
public struct ConnectionInfo: Sendable {
    public var device = ClientDevice()
    public var layer: Int?
    /// The key and second of the last activity recorded for it (recorded once per second at most).
    var touched: (authKeyID: Int64, now: Int)?
    /// The last per-second answer this connection got, reused without the shared cache's lock.
    var lastAnswer: (method: UInt32, name: String, dcID: Int, now: Int, bytes: [UInt8])?
    public init() {}
}

/// The answer to one API request.
public struct DispatchOutcome: Sendable {
    /// The innermost method's name (after `invokeWithLayer`/`initConnection`/…), when the body decoded.
    public var method: String?
    /// The encoded result (the method's result type), or the RPC error to send instead.
    public var reply: Result<[UInt8], RPCFailure>
}

/// Routes a decoded request to its handler: unwraps the `invokeWith…`/`initConnection` wrappers,
/// applies injected errors, and answers unknown methods with an error naming them.
public final class APIDispatcher: @unchecked Sendable {
    public let world: World
    public let dcs: [DCAddress]
    let handlers: [String: APIHandler]
    let injected: InjectedErrors

    /// The wrappers whose `query` is the real request.
    static let wrappers: Set<String> = [
        "invokeWithLayer", "initConnection", "invokeWithoutUpdates", "invokeWithMessagesRange", "invokeWithTakeout",
        "invokeWithBusinessConnection", "invokeWithGooglePlayIntegrity", "invokeWithApnsSecret", "invokeWithReCaptcha",
    ]

    /// Every method the test server implements.
    public static let allHandlers: [String: APIHandler] = {
        var all: [String: APIHandler] = [:]
        for table in [AuthAPI.handlers, AccountAPI.handlers, ChatAPI.handlers, HelpAPI.handlers] {
            all.merge(table) { first, _ in first }
        }
        return all
    }()

    /// Methods whose answer depends only on the data centre and the current second: it is
    /// encoded once per second and reused (clients call `help.getConfig` on every connect).
    static let answersBySecond: Set<String> = ["help.getConfig"]
    /// Their constructor ids, so that a repeated call is answered before it is decoded.
    private static let answersBySecondIDs: [UInt32: String] = Dictionary(uniqueKeysWithValues: answersBySecond.compactMap { name in
        TLSchema.shared.method(named: name).map { ($0.id, name) }
    })
    private struct AnswerKey: Hashable { let method: UInt32; let dcID: Int }
    private let answerLock = NSLock()
    private var answers: [AnswerKey: (now: Int, bytes: [UInt8])] = [:]

    public init(world: World, dcs: [DCAddress], handlers: [String: APIHandler] = APIDispatcher.allHandlers) {
        self.world = world
        self.dcs = dcs
        self.handlers = handlers
        self.injected = InjectedErrors(world.config.faults.errors)
    }

    /// Answers one request body (a boxed method call) on data centre `dcID`.
    public func dispatch(_ body: [UInt8], dcID: Int, authKeyID: Int64, connection: inout ConnectionInfo, now: Int) -> DispatchOutcome {
        if let answer = answeredThisSecond(body, dcID: dcID, authKeyID: authKeyID, connection: &connection, now: now) { return answer }
        let call: TLObject
        do { call = try TLSchema.shared.decode(body) } catch {
            return DispatchOutcome(method: nil, reply: .failure(.inputMethodInvalid))
        }
        return dispatch(call, dcID: dcID, authKeyID: authKeyID, connection: &connection, now: now)
    }

    /// Answers one decoded request.
    public func dispatch(_ call: TLObject, dcID: Int, authKeyID: Int64, connection: inout ConnectionInfo, now: Int) -> DispatchOutcome {
        var request = call
        var depth = 0
        while APIDispatcher.wrappers.contains(request.name), depth < 8 {
            if request.name == "invokeWithLayer" { connection.layer = request.fields["layer"]?.int32.map(Int.init) }
            if request.name == "initConnection" {
                connection.device = ClientDevice(
                    apiID: request.fields["api_id"]?.int32 ?? 0,
                    deviceModel: request.optionalString("device_model") ?? "",
                    systemVersion: request.optionalString("system_version") ?? "",
                    appVersion: request.optionalString("app_version") ?? "",
                    langCode: request.optionalString("lang_code") ?? "en")
            }
            guard let inner = request.fields["query"]?.object else {
                return DispatchOutcome(method: request.name, reply: .failure(.inputRequestInvalid(field: "query")))
            }
            request = inner
            depth += 1
        }
        let name = request.name
        guard let combinator = TLSchema.shared.method(named: name) else {
            return DispatchOutcome(method: name, reply: .failure(.inputMethodInvalid))
        }
        if let failure = injected.take(method: name, phone: request.optionalString("phone_number")) {
            return DispatchOutcome(method: name, reply: .failure(failure))
        }
        guard let handler = handlers[name] else {
            return DispatchOutcome(method: name, reply: .failure(.notImplemented(method: name)))
        }
        let key = APIDispatcher.answersBySecond.contains(name) ? AnswerKey(method: combinator.id, dcID: dcID) : nil
        if let key, let answer = answerLock.withLock({ answers[key] }), answer.now == now {
            touch(authKeyID: authKeyID, connection: &connection, now: now)
            return DispatchOutcome(method: name, reply: .success(answer.bytes))
        }
        let context = RequestContext(world: world, dcID: dcID, dcs: dcs, authKeyID: authKeyID, device: connection.device, now: now)
        do {
            let value = try handler(request, context)
            touch(authKeyID: authKeyID, connection: &connection, now: now)
            let bytes = try TLSchema.shared.encode(value, type: combinator.resultType)
            if let key { answerLock.withLock { answers[key] = (now, bytes) } }
            return DispatchOutcome(method: name, reply: .success(bytes))
        } catch let failure as RPCFailure {
            return DispatchOutcome(method: name, reply: .failure(failure))
        } catch {
            return DispatchOutcome(method: name, reply: .failure(.custom(code: 500, message: "INTERNAL_TESTDC_ENCODE")))
        }
    }

    /// A call of a method answered by the second (not wrapped, no arguments, no injected errors configured)
    /// whose answer for this second is already encoded: answered from its constructor id alone.
    private func answeredThisSecond(_ body: [UInt8], dcID: Int, authKeyID: Int64, connection: inout ConnectionInfo, now: Int) -> DispatchOutcome? {
        guard body.count == 4, injected.isEmpty else { return nil }  // no arguments: the answer depends on nothing else
        let id = UInt32(body[0]) | UInt32(body[1]) << 8 | UInt32(body[2]) << 16 | UInt32(body[3]) << 24
        if let last = connection.lastAnswer, last.method == id, last.dcID == dcID, last.now == now {
            touch(authKeyID: authKeyID, connection: &connection, now: now)
            return DispatchOutcome(method: last.name, reply: .success(last.bytes))
        }
        guard let name = APIDispatcher.answersBySecondIDs[id],
              let answer = answerLock.withLock({ answers[AnswerKey(method: id, dcID: dcID)] }), answer.now == now else { return nil }
        connection.lastAnswer = (id, name, dcID, now, answer.bytes)
        touch(authKeyID: authKeyID, connection: &connection, now: now)
        return DispatchOutcome(method: name, reply: .success(answer.bytes))
    }

    /// Records the key's activity, once per second per connection at most.
    private func touch(authKeyID: Int64, connection: inout ConnectionInfo, now: Int) {
        if let last = connection.touched, last.authKeyID == authKeyID, last.now == now { return }
        connection.touched = (authKeyID, now)
        world.touch(authKeyID: authKeyID, now: now)
    }
}

/// The config's "answer this method with that error" rules, with their remaining counts.
final class InjectedErrors: @unchecked Sendable {
    private var rules: [(rule: TestDCConfig.InjectedError, left: Int?)]
    private let lock = NSLock()

    init(_ rules: [TestDCConfig.InjectedError]) {
        self.rules = rules.map { ($0, $0.times) }
        isEmpty = rules.isEmpty
    }

    /// No rules were configured (the usual case: nothing to check per request).
    let isEmpty: Bool

    /// The error to answer `method` with now, if a rule matches (using up one of its `times`).
    func take(method: String, phone: String?) -> RPCFailure? {
        lock.withLock {
            for i in rules.indices where rules[i].rule.method == method {
                if let want = rules[i].rule.phone, want != phone.flatMap(PhoneRules.normalize) { continue }
                if let left = rules[i].left {
                    guard left > 0 else { continue }
                    rules[i].left = left - 1
                }
                return RPCFailure.parse(rules[i].rule.error, code: rules[i].rule.code)
            }
            return nil
        }
    }
}
