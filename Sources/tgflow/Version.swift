import TL

/// tgflow's own version; `--version` prints it beside the TL layer it speaks.
enum TGFlowVersion {
    static let number = "0.1.0"
    static var description: String { "tgflow \(number) (TL layer \(TLSchema.shared.layer))" }
}
