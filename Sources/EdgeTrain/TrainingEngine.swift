import EdgeModel
import EdgeOptim
import EdgeTensor

/// One optimizer step over given batches — forward, backward, non-finite check, clipping, optimizer
/// updates — shared by `Trainer` and the benchmarks. Two forms:
///
/// - **normal**: gradients of all micro-batches accumulate into full-size buffers; then the global L2 norm
///   is computed, the step is skipped if the loss or norm is non-finite, gradients are clipped to
///   `maxGradNorm` (torch `clip_grad_norm_`), and every trainable tensor is updated in canonical order.
/// - **layer-wise** (`layerWise: true`, galore-torch's per-layer mode, reference §2.6): layer l is updated
///   inside the backward pass as soon as its gradient is final, and its gradient buffer is zeroed and reused
///   for the next layer, so only one layer's gradient (plus embedding/norm/head gradients) ever exists.
///   Global-norm clipping is impossible there (the norm is known only after every update): `maxGradNorm`
///   clips each parameter tensor's own norm instead (0 = off), and a tensor whose gradient is non-finite is
///   not updated (the step is reported skipped, but layers already updated stay updated). One micro-batch
///   per step (no gradient accumulation). The reported norm is still the global pre-clip norm.
public final class TrainingEngine {
    public let model: TrainableModel
    public let optimizer: any Optimizer
    public let layerWise: Bool
    /// Global-norm (normal) or per-tensor (layer-wise) clipping threshold; 0 = off.
    public let maxGradNorm: Double
    public let trainState: LlamaTrainState
    var grads: LlamaParameters
    var loraGrads: LoRAAdapters?

    /// The outcome of one step.
    public struct StepResult: Sendable, Equatable {
        public var loss: Double
        public var gradNorm: Double
        public var tokens: Int
        /// True when the loss or a gradient was non-finite (no update, or a partial one layer-wise).
        public var skipped: Bool
    }

    /// - `B`, `T`: batch buffers (sequences per micro-batch, longest sequence).
    /// - `recompute`: gradient checkpointing. `paddingTokenId`: the embedding row without gradient.
    public init(model: TrainableModel, optimizer: any Optimizer, B: Int, T: Int, recompute: Bool, layerWise: Bool,
                maxGradNorm: Double, paddingTokenId: Int32?) {
        (self.model, self.optimizer, self.layerWise, self.maxGradNorm) = (model, optimizer, layerWise, maxGradNorm)
        let d = model.dims
        trainState = LlamaTrainState(dims: d, B: B, T: T, recompute: recompute, loraRank: model.adapters?.config.rank ?? 0,
                                     layerWise: layerWise && model.trainsBase)
        trainState.paddingTokenId = paddingTokenId
        if let adapters = model.adapters {
            grads = .empty
            loraGrads = LoRAAdapters(zeros: d, config: adapters.config)
        } else {
            grads = LlamaParameters(zeros: d, tied: model.headIsTied, layers: !layerWise)
        }
    }

    /// Bytes of gradient buffers actually allocated (full, or outer + one layer layer-wise, or adapters).
    public var gradientBytes: Int {
        grads.parameterCount * 4 + (loraGrads?.parameterCount ?? 0) * 4 + trainState.layerGradientBytes
    }
    /// Bytes of activation and scratch buffers.
    public var activationBytes: Int { trainState.activationBytes }

    /// Runs forward/backward over `batches` (one optimizer step) and applies the optimizer with rate `lr`.
    public func step(_ batches: [Batch], lr: Float) throws -> StepResult {
        precondition(!batches.isEmpty, "a step needs at least one batch")
        precondition(!layerWise || batches.count == 1, "layer-wise updates take one micro-batch per step")
        let targetTotal = batches.reduce(0) { $0 + $1.targetCount }
        grads.zero()
        loraGrads?.zero()
        var loss = 0.0, tokens = 0
        var sumSquares = 0.0, nonFinite = false
        var failure: (any Error)?
        let hook: ((Int, inout LlamaParameters, inout LoRAAdapters?) -> Void)? = layerWise ? { [self] l, g, lg in
            guard failure == nil else { return }
            do {
                let (sq, ok) = try applyLayerWise(.layer(l), grads: &g, loraGrads: &lg, lr: lr)
                sumSquares += sq
                nonFinite = nonFinite || !ok
            } catch {
                failure = error
            }
        } : nil
        for b in batches {
            trainState.T = b.T
            let r = LlamaTraining.lossAndGradients(model: model, tokens: b.tokens, targets: b.targets, grads: &grads,
                                                   loraGrads: &loraGrads, trainBase: model.trainsBase, state: trainState,
                                                   targetNormalizer: targetTotal, afterLayer: hook)
            loss += r.loss
            tokens += b.B * b.T
        }
        if let failure { throw failure }
        if layerWise {
            let (sq, ok) = try applyLayerWise(.outer, grads: &grads, loraGrads: &loraGrads, lr: lr)
            sumSquares += sq
            let norm = sumSquares.squareRoot()
            return StepResult(loss: loss, gradNorm: norm, tokens: tokens, skipped: nonFinite || !ok || !loss.isFinite || !norm.isFinite)
        }
        // Normal form: global norm, skip, clip, update.
        var norm = 0.0
        do {
            var all: [Tensor] = []
            forEachGradient(.all, &grads, &loraGrads) { _, g in all.append(g) }
            norm = GradientClipping.globalNorm(all)
        }
        if !loss.isFinite || !norm.isFinite {
            return StepResult(loss: loss, gradNorm: norm, tokens: tokens, skipped: true)
        }
        let clip = GradientClipping.coefficient(norm: norm, maxNorm: maxGradNorm)
        if clip < 1 {
            forEachGradient(.all, &grads, &loraGrads) { _, g in g.withUnsafeMutableBufferPointer { Kernels.scale($0.baseAddress!, clip, $0.count) } }
        }
        try update(.all, lr: lr)
        return StepResult(loss: loss, gradNorm: norm, tokens: tokens, skipped: false)
    }

    /// Layer-wise: per-tensor norm, non-finite check and optional per-tensor clip of `part`'s gradients, then
    /// the optimizer step for the finite ones. Returns the sum of squared (pre-clip) norms and whether all
    /// were finite.
    private func applyLayerWise(_ part: TrainableModel.Part, grads g: inout LlamaParameters, loraGrads lg: inout LoRAAdapters?,
                                lr: Float) throws -> (Double, Bool) {
        var sumSquares = 0.0, allFinite = true
        var list: [Tensor?] = []
        forEachGradient(part, &g, &lg) { _, t in
            let n = GradientClipping.globalNorm([t])
            sumSquares += n * n
            guard n.isFinite else { allFinite = false; list.append(nil); return }
            let c = GradientClipping.coefficient(norm: n, maxNorm: maxGradNorm)
            if c < 1 { t.withUnsafeMutableBufferPointer { Kernels.scale($0.baseAddress!, c, $0.count) } }
            list.append(t)
        }
        var i = 0
        try model.update(part) { name, p in
            defer { i += 1 }
            guard let grad = list[i] else { return }
            try optimizer.update(name, parameter: &p, gradient: grad, lr: lr)
        }
        return (sumSquares, allFinite)
    }

    /// Updates `part` from the current gradients (same canonical order on both sides).
    private func update(_ part: TrainableModel.Part, lr: Float) throws {
        var list: [Tensor] = []
        forEachGradient(part, &grads, &loraGrads) { _, t in list.append(t) }
        var i = 0
        try model.update(part) { name, p in
            try optimizer.update(name, parameter: &p, gradient: list[i], lr: lr)
            i += 1
        }
    }

    /// Visits the gradients of the trainable tensors of `part`, in `TrainableModel.update` order.
    private func forEachGradient(_ part: TrainableModel.Part, _ g: inout LlamaParameters, _ lg: inout LoRAAdapters?,
                                 _ body: (String, inout Tensor) -> Void) {
        if lg != nil {
            switch part {
            case .all: lg!.forEachMutable(body)
            case .layer(let l): lg!.forEachMutable(layer: l, body)
            case .outer: return
            }
            return
        }
        switch part {
        case .all: g.forEachMutable(body)
        case .layer(let l): g.layers[l].forEachMutable(layer: l, body)
        case .outer: g.forEachOuterMutable(body)
        }
    }
}

extension Batch {
    /// A batch from raw (B, T) token and target ids (targets −1 = ignored), e.g. for benchmarks and tests.
    public init(tokens: [Int32], targets: [Int32], batch B: Int, length T: Int) {
        precondition(tokens.count == B * T && targets.count == B * T, "tokens/targets must have B·T entries")
        self.init(tokens: tokens, targets: targets, B: B, T: T)
    }
}
