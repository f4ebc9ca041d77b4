import TL

/// The method catalog of the embedded Telegram schema (`TLSchema.shared`).
public struct TLMethodCatalog: MethodCatalog {
    public init() {}

    public func parameters(ofMethod name: String) -> [MethodParameter]? {
        guard let method = TLSchema.shared.method(named: name) else { return nil }
        return method.params.map { MethodParameter(name: $0.name, type: $0.type.description, optional: $0.isOptional || $0.isFlags) }
    }

    public func suggestions(forMethod name: String) -> [String] {
        let methods = TLSchema.shared.suggestions(for: name, limit: 10).filter { TLSchema.shared.method(named: $0) != nil }
        if !methods.isEmpty { return methods }
        return closestName(to: name, in: TLSchema.shared.combinators.filter(\.isMethod).map(\.name)).map { [$0] } ?? []
    }
}
