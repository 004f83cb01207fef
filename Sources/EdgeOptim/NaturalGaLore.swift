// Natural GaLore (Das, arXiv 2410.16029; code github.com/selfsupervised-ai/Natural-GaLore @ e23336d,
// `SubSpaceAdamW` with proj_type 'natural_galore'), reference/optimizers.md §3.
import EdgeTensor

/// Settings of the natural-gradient stage (reference §3.3).
public struct NaturalGradientSettings: Sendable, Equatable {
    /// s = 20 and λ = 1e-3: the public code's values (`natural_history=20`, `lambda_damping = 1e-3`).
    public static let defaultHistorySize = 20
    public static let defaultDamping = 1e-3
    /// false reproduces the public code (history kept across refreshes).
    public static let defaultResetHistoryOnRefresh = false
    /// BF16 history (Float64 Gram and solve): see `NaturalGradientHistory` for the design and error.
    public static let defaultHistoryPrecision = HistoryPrecision.bf16

    public var historySize: Int
    public var damping: Double
    public var resetHistoryOnRefresh: Bool
    public var historyPrecision: HistoryPrecision

    public init(historySize: Int = Self.defaultHistorySize, damping: Double = Self.defaultDamping,
                resetHistoryOnRefresh: Bool = Self.defaultResetHistoryOnRefresh,
                historyPrecision: HistoryPrecision = Self.defaultHistoryPrecision) {
        self.historySize = historySize
        self.damping = damping
        self.resetHistoryOnRefresh = resetHistoryOnRefresh
        self.historyPrecision = historyPrecision
    }

    public func validate() throws {
        guard historySize >= 1 else { throw OptimizerError.badHyperparameter("--history must be ≥ 1, got \(historySize)") }
        guard damping > 0, damping.isFinite else { throw OptimizerError.badHyperparameter("--damping must be positive, got \(damping)") }
    }
}

/// Natural GaLore: GaLore whose projected gradient is replaced by a natural gradient under the empirical
/// Fisher of the last s projected gradients, F = λI + Gm·Gmᵀ, before Adam:
///   R = project(G);  g̃ = F⁻¹·vec(R) (Woodbury + Cholesky in Float64, `NaturalGradientHistory`);
///   then Adam, α·back and decay exactly as `GaLore`.
/// `projectionType` `.std` is the paper's one-sided form (history k = r'·max(m,n) per matrix); `.full` is the
/// public code's two-sided Tucker form (k = r'²). Extra state per projected matrix:
/// s·k·b + 8s² bytes, b = 2 for the default BF16 history (4 exact, ≈1.016 int8).
public final class NaturalGaLore: Optimizer {
    public struct Settings: Sendable, Equatable {
        public var galore: GaLore.Settings
        public var natural: NaturalGradientSettings

        public init(galore: GaLore.Settings = GaLore.Settings(), natural: NaturalGradientSettings = NaturalGradientSettings()) {
            self.galore = galore
            self.natural = natural
        }

        public func validate() throws {
            try galore.validate()
            try natural.validate()
        }
    }

    public let settings: Settings
    /// Which parameters are projected (default `GaLore.isProjectable`).
    public var projects: (String, [Int]) -> Bool = GaLore.isProjectable
    let table = LowRankTable()

    public init(_ settings: Settings = Settings()) throws {
        try settings.validate()
        self.settings = settings
    }

    public func update(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float) throws {
        if projects(name, parameter.shape) {
            try table.projectedUpdate(name, parameter: &parameter, gradient: gradient, lr: lr,
                                      settings: settings.galore, natural: settings.natural)
        } else {
            table.plainUpdate(name, parameter: &parameter, gradient: gradient, lr: lr, hyper: settings.galore.adam,
                              bits: settings.galore.stateBits)
        }
    }

    /// Exact bytes held: bases, moments, histories (vectors at their precision + Float64 Gram matrices).
    public var stateBytes: Int { table.stateBytes }

    /// The history is full (every step then reads s − 1 stored vectors twice).
    public var stepsToSteadyState: Int { settings.natural.historySize }

    public func parameterState(_ name: String) -> GaLoreParameter<Float>? { table.projected[name] }

    public func stateDict() -> [String: Tensor] { table.stateDict() }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try table.loadStateDict(state, settings: settings.galore, natural: settings.natural)
    }

    /// Bytes `stateBytes` reaches once every parameter has stepped (histories allocated at capacity s).
    public static func estimatedStateBytes(shapes: [(name: String, shape: [Int])], settings: Settings,
                                           projects: (String, [Int]) -> Bool = GaLore.isProjectable) -> Int {
        LowRankEstimate.bytes(shapes: shapes, settings: settings.galore, natural: settings.natural, projects: projects)
    }
}
