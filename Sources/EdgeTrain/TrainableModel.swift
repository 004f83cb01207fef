import EdgeModel
import EdgeTensor

/// What a fine-tuning run trains, held by reference so optimizer steps (including layer-wise ones during
/// the backward pass) update the stored weights in place:
/// - full fine-tuning: every base parameter, stored F32, or BF16 with F32 math (`LlamaParametersBF16`);
/// - LoRA: adapters on a frozen base (F32 or BF16); only the adapters are trainable and reach the optimizer.
public final class TrainableModel: LlamaWeightSource {
    /// Which trainable tensors an update visits.
    public enum Part: Sendable, Equatable {
        /// Every trainable tensor, in canonical order.
        case all
        /// The trainable tensors of decoder layer l (base weights, or that layer's adapters).
        case layer(Int)
        /// Embedding, final norm and head (nothing with LoRA: they are frozen).
        case outer
    }

    public let dims: LlamaDims
    private var f32: LlamaParameters?
    private var bf16: LlamaParametersBF16?
    /// LoRA adapters; non-nil means the base is frozen.
    public private(set) var adapters: LoRAAdapters?

    /// Full or LoRA training on F32 parameters; `bf16Weights` converts them to BF16 storage (layer by layer).
    public init(dims: LlamaDims, parameters: LlamaParameters, bf16Weights: Bool = false, lora: LoRAConfig? = nil, loraSeed: UInt64 = 0) throws {
        self.dims = dims
        if bf16Weights {
            var p = parameters
            bf16 = LlamaParametersBF16(consuming: &p)
        } else {
            f32 = parameters
        }
        try attach(lora, seed: loraSeed)
    }

    /// Training on BF16-stored weights (e.g. `LlamaParametersBF16.random`, which never materialises F32).
    public init(dims: LlamaDims, bf16 parameters: LlamaParametersBF16, lora: LoRAConfig? = nil, loraSeed: UInt64 = 0) throws {
        self.dims = dims
        bf16 = parameters
        try attach(lora, seed: loraSeed)
    }

    private func attach(_ lora: LoRAConfig?, seed: UInt64) throws {
        guard let lora else { return }
        try lora.validate()
        adapters = LoRAAdapters.initialized(dims, config: lora, seed: seed)
    }

    /// True for full fine-tuning (base gradients computed), false with LoRA (base frozen).
    public var trainsBase: Bool { adapters == nil }
    public var storesBF16: Bool { bf16 != nil }

    /// The base parameters in F32 (a decoded copy for BF16 storage), without adapters.
    public var baseParameters: LlamaParameters { f32 ?? bf16?.decoded ?? .empty }

    /// The model to export: base weights with adapters merged (W + (α/r)·B·A).
    public var mergedParameters: LlamaParameters {
        guard let adapters else { return baseParameters }
        return adapters.merged(into: baseParameters)
    }

    /// Visits every trainable tensor (F32) with its name, in canonical order.
    public func forEachTrainable(_ body: (String, Tensor) throws -> Void) rethrows {
        if var a = adapters { try a.forEachMutable { try body($0, $1) }; return }
        if let f32 { try f32.forEach(body); return }
        if let bf16 { try bf16.forEach(body) }
    }

    /// Updates the trainable tensors of `part` in place (BF16 storage: each tensor is widened to F32, updated,
    /// and rounded back to nearest-even BF16).
    public func update(_ part: Part, _ body: (String, inout Tensor) throws -> Void) rethrows {
        if adapters != nil {
            switch part {
            case .all: try adapters!.forEachMutable(body)
            case .layer(let l): try adapters!.forEachMutable(layer: l, body)
            case .outer: return
            }
        } else if f32 != nil {
            switch part {
            case .all: try f32!.forEachMutable(body)
            case .layer(let l): try f32!.layers[l].forEachMutable(layer: l, body)
            case .outer: try f32!.forEachOuterMutable(body)
            }
        } else if bf16 != nil {
            switch part {
            case .all: try bf16!.updateEach(body)
            case .layer(let l): try bf16!.updateLayer(l, body)
            case .outer: try bf16!.updateOuter(body)
            }
        }
    }

    /// Names and shapes of the trainable tensors (for `OptimizerFactory.estimatedStateBytes`).
    public var trainableShapes: [(name: String, shape: [Int])] {
        var out: [(name: String, shape: [Int])] = []
        if var a = adapters { a.forEachMutable { out.append(($0, $1.shape)) }; return out }
        for (name, shape) in Self.baseShapes(dims, tied: headIsTied) { out.append((name, shape)) }
        return out
    }

    /// HF names and shapes of every base parameter, in canonical order (no allocation).
    public static func baseShapes(_ d: LlamaDims, tied: Bool) -> [(String, [Int])] {
        var out: [(String, [Int])] = [("model.embed_tokens.weight", [d.V, d.C])]
        for l in 0..<d.L {
            let shapes = [[d.C], [d.qDim, d.C], [d.kvDim, d.C], [d.kvDim, d.C], [d.C, d.qDim], [d.C], [d.F, d.C], [d.F, d.C], [d.C, d.F]]
            for (i, (name, _)) in LlamaParameters.Layer.tensors.enumerated() { out.append(("model.layers.\(l).\(name)", shapes[i])) }
        }
        out.append(("model.norm.weight", [d.C]))
        if !tied { out.append(("lm_head.weight", [d.V, d.C])) }
        return out
    }

    /// Scalars of the base model.
    public var baseParameterCount: Int { Self.baseShapes(dims, tied: headIsTied).reduce(0) { $0 + $1.1.reduce(1, *) } }
    /// Scalars the optimizer trains.
    public var trainableParameterCount: Int { adapters?.parameterCount ?? baseParameterCount }
    /// Bytes of stored weights: base (4 or 2 per scalar) plus F32 adapters.
    public var weightBytes: Int { baseParameterCount * (storesBF16 ? 2 : 4) + (adapters?.parameterCount ?? 0) * 4 }

    // LlamaWeightSource: the pass reads through to the storage.
    public func trainingLayer(_ l: Int) -> LlamaParameters.Layer { f32?.layers[l] ?? bf16?.trainingLayer(l) ?? .empty }
    public func copyEmbeddingRow(_ id: Int, C: Int, to dst: UnsafeMutablePointer<Float>) {
        if let f32 { f32.copyEmbeddingRow(id, C: C, to: dst) } else { bf16?.copyEmbeddingRow(id, C: C, to: dst) }
    }
    public func outputHead() -> Tensor { f32?.outputHead() ?? bf16?.outputHead() ?? Tensor(zeros: [0]) }
    public var finalNormWeight: Tensor { f32?.finalNorm ?? bf16?.finalNormWeight ?? Tensor(zeros: [0]) }
    public var headIsTied: Bool { f32?.isTied ?? bf16?.headIsTied ?? true }
    public var loraAdapters: LoRAAdapters? { adapters }
}
