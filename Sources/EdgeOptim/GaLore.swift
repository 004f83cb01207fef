// galore_torch/adamw.py (GaLoreAdamW) @ galore-torch 1.0, and the parameter grouping of
// jiaweizzhao/GaLore torchrun_main.py (reference/optimizers.md §2).
import EdgeTensor

/// GaLore (Zhao et al. 2024): Adam in the subspace of the gradient's top singular vectors.
///
/// For each projected weight (attention and MLP linear weights, see `isProjectable`), one step is
/// (t = steps taken before this one, T = `updateGap`, α = `scale`):
///   if t mod T = 0: basis ← top-r singular vectors of G (side from `projectionType` and the shape)
///   R = project(G);  M ← β1M + (1−β1)R;  V ← β2V + (1−β2)R²
///   W ← W − lr·√(1−β2ᵗ⁺¹)/(1−β1ᵗ⁺¹) · α·back(M/(√V+ε));  W ← W − lr·wd·W
/// Every other parameter (embeddings, norms, lm_head) gets the same transformers-form AdamW with
/// full-size moments. State bytes per projected m×n weight: basis r'·min(m,n)·4 (both sides for `full`)
/// plus moments 2·k·4 (k = r'·max(m,n), r'² for `full`), or 2·(k + 4⌈k/256⌉) with 8-bit states.
public final class GaLore: Optimizer {
    public struct Settings: Sendable, Equatable {
        /// Rank 128, gap 200, scale 0.25, std: the paper's fine-tuning/pretraining values (HF Trainer defaults).
        public static let defaultRank = 128
        public static let defaultUpdateGap = 200
        public static let defaultScale = 0.25
        public static let defaultProjectionType = GaLoreProjectionType.std
        public static let defaultSVDPrecision = SVDPrecision.float32
        public static let defaultStateBits = StateBits.full

        public var rank: Int
        public var updateGap: Int
        public var scale: Double
        public var projectionType: GaLoreProjectionType
        public var svdPrecision: SVDPrecision
        public var stateBits: StateBits
        public var adam: AdamHyperparameters

        public init(rank: Int = Self.defaultRank, updateGap: Int = Self.defaultUpdateGap, scale: Double = Self.defaultScale,
                    projectionType: GaLoreProjectionType = Self.defaultProjectionType,
                    svdPrecision: SVDPrecision = Self.defaultSVDPrecision, stateBits: StateBits = Self.defaultStateBits,
                    adam: AdamHyperparameters = AdamHyperparameters()) {
            self.rank = rank
            self.updateGap = updateGap
            self.scale = scale
            self.projectionType = projectionType
            self.svdPrecision = svdPrecision
            self.stateBits = stateBits
            self.adam = adam
        }

        public func validate() throws {
            guard rank >= 1 else { throw OptimizerError.badHyperparameter("--rank must be ≥ 1, got \(rank)") }
            guard updateGap >= 1 else { throw OptimizerError.badHyperparameter("--update-gap must be ≥ 1, got \(updateGap)") }
            guard scale > 0, scale.isFinite else { throw OptimizerError.badHyperparameter("--scale must be positive, got \(scale)") }
            try adam.validate()
        }
    }

    /// The linear modules GaLore projects in a Hugging Face Llama (reference §2.5: the `.weight` of every
    /// Linear inside `self_attn` or `mlp`).
    public static let projectedModules: Set<String> = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    /// True for a 2-D `…{q,k,v,o,gate,up,down}_proj.weight`; false for embeddings, norms, lm_head, biases.
    public static func isProjectable(name: String, shape: [Int]) -> Bool {
        guard shape.count == 2, name.hasSuffix(".weight") else { return false }
        let module = name.dropLast(".weight".count).split(separator: ".").last.map(String.init) ?? ""
        return projectedModules.contains(module)
    }

    public let settings: Settings
    /// Which parameters are projected (default `isProjectable`).
    public var projects: (String, [Int]) -> Bool = GaLore.isProjectable
    let table = LowRankTable()

    public init(_ settings: Settings = Settings()) throws {
        try settings.validate()
        self.settings = settings
    }

    public func update(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float) throws {
        if projects(name, parameter.shape) {
            try table.projectedUpdate(name, parameter: &parameter, gradient: gradient, lr: lr, settings: settings, natural: nil)
        } else {
            table.plainUpdate(name, parameter: &parameter, gradient: gradient, lr: lr, hyper: settings.adam, bits: settings.stateBits)
        }
    }

    /// Exact bytes held: bases, moments (codes and block scales when 8-bit).
    public var stateBytes: Int { table.stateBytes }

    /// The per-matrix state, for inspection and tests (nil before the first update of `name`).
    public func parameterState(_ name: String) -> GaLoreParameter<Float>? { table.projected[name] }

    public func stateDict() -> [String: Tensor] { table.stateDict() }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try table.loadStateDict(state, settings: settings, natural: nil)
    }

    /// Bytes `stateBytes` reaches once every parameter has taken a step, computed from shapes alone.
    public static func estimatedStateBytes(shapes: [(name: String, shape: [Int])], settings: Settings,
                                           projects: (String, [Int]) -> Bool = GaLore.isProjectable) -> Int {
        LowRankEstimate.bytes(shapes: shapes, settings: settings, natural: nil, projects: projects)
    }
}

/// Memory estimates shared by GaLore and Natural GaLore.
enum LowRankEstimate {
    static func bytes(shapes: [(name: String, shape: [Int])], settings: GaLore.Settings, natural: NaturalGradientSettings?,
                      projects: (String, [Int]) -> Bool) -> Int {
        shapes.reduce(0) { total, p in
            if projects(p.name, p.shape) {
                return total + GaLoreParameter<Float>.bytes(rows: p.shape[0], cols: p.shape[1], settings: settings, natural: natural)
            }
            return total + AdamMoments<Float>.bytes(count: p.shape.reduce(1, *), bits: settings.stateBits.forPlain(p.name))
        }
    }
}
