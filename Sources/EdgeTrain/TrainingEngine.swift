import Dispatch
import EdgeDistributed
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
///
/// Data parallelism (`communicator.size` > 1, see `DistributedTraining.swift`): each rank runs its shard of
/// the global batch; the loss is normalised by the global target count, so summing the ranks' gradients
/// gives exactly the single-process gradient of the global batch. Gradients are all-reduced before the
/// norm/skip/clip/update above (per layer in the layer-wise form), in full or — GaLore family with
/// `GradientCommunication.lowRank` — as projected r'×n matrices between projector refreshes.
public final class TrainingEngine {
    public let model: TrainableModel
    public let optimizer: any Optimizer
    public let layerWise: Bool
    /// Global-norm (normal) or per-tensor (layer-wise) clipping threshold; 0 = off.
    public let maxGradNorm: Double
    public let trainState: LlamaTrainState
    var grads: LlamaParameters
    var loraGrads: LoRAAdapters?
    /// Collectives with the other ranks (`SingleProcess` when alone).
    public let communicator: any GradientCommunicator
    /// The optimizer seen through its low-rank split when gradients travel projected; nil = full gradients.
    let lowRank: (any LowRankCommunicating)?
    /// Per-layer all-reduce on a communication thread during backward (distributed full fine-tuning); nil = after.
    let overlapper: LayerOverlap?
    /// Seconds this (main) thread has spent in collectives or waiting for the communication thread, over all
    /// steps: what the overlap hides shows up as a smaller value here.
    public internal(set) var communicationWaitSeconds = 0.0
    /// Seconds spent in optimizer updates (including their clipping and norms), over all steps.
    public internal(set) var optimizerSeconds = 0.0

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
    /// - `communicator`, `gradientCommunication`: data parallelism (defaults: one process). `.lowRank` needs a
    ///   GaLore-family optimizer and `maxGradNorm` 0 (the norm of the summed full gradient is never formed).
    public init(model: TrainableModel, optimizer: any Optimizer, B: Int, T: Int, recompute: Bool, layerWise: Bool,
                maxGradNorm: Double, paddingTokenId: Int32?, communicator: any GradientCommunicator = SingleProcess(),
                gradientCommunication: GradientCommunication = .full, overlapCommunication: Bool = true) {
        (self.model, self.optimizer, self.layerWise, self.maxGradNorm) = (model, optimizer, layerWise, maxGradNorm)
        self.communicator = communicator
        Threads.setPoolSpin(.short)   // OpenBLAS's threads run between our parallel loops
        if gradientCommunication == .lowRank, let split = optimizer as? any LowRankCommunicating {
            precondition(maxGradNorm == 0, "low-rank gradient communication needs clipping off (validated by FinetuneSettings)")
            lowRank = split
        } else {
            lowRank = nil
        }
        overlapper = communicator.isDistributed && overlapCommunication && communicator.allowsBackgroundCollectives && model.adapters == nil
            ? LayerOverlap(communicator: communicator, spare: layerWise ? LlamaParameters.Layer(zeros: model.dims) : nil) : nil
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
        grads.parameterCount * 4 + (loraGrads?.parameterCount ?? 0) * 4 + trainState.layerGradientBytes + (overlapper?.spareBytes ?? 0)
    }
    /// Bytes of activation and scratch buffers.
    public var activationBytes: Int { trainState.activationBytes }

    /// Runs forward/backward over `batches` (one optimizer step) and applies the optimizer with rate `lr`.
    public func step(_ batches: [Batch], lr: Float) throws -> StepResult {
        precondition(!batches.isEmpty, "a step needs at least one batch")
        precondition(!layerWise || batches.count == 1, "layer-wise updates take one micro-batch per step")
        let localTargets = batches.reduce(0) { $0 + $1.targetCount }
        // The loss is the mean over the global batch's target tokens: every rank divides by the global count.
        let targetTotal = communicator.isDistributed ? Int(try waiting { try communicator.sum(Double(localTargets)) }) : localTargets
        grads.zero()
        loraGrads?.zero()
        var loss = 0.0, tokens = 0
        var sumSquares = 0.0, nonFinite = false
        var failure: (any Error)?
        // Overlap (see `DistributedTraining.swift`): each finished layer's all-reduce runs on the communication
        // thread while the backward pass goes on; layer-wise, layer l is updated once layer l−1 is done.
        let overlap = overlapper
        var reducedLayers: [String: ReducedGradient] = [:]
        var lastBatch = false
        func finishLayerWise(_ g: inout LlamaParameters, _ lg: inout LoRAAdapters?) throws {
            guard let done = try waiting({ try overlap?.finishPrevious(into: &g) }) else { return }
            let (sq, ok) = try applyLayerWise(.layer(done.layer), grads: &g, loraGrads: &lg, lr: lr, reduced: done.reduced)
            sumSquares += sq
            nonFinite = nonFinite || !ok
            overlap!.recycle(from: &g, layer: done.layer)
        }
        let hook: ((Int, inout LlamaParameters, inout LoRAAdapters?) -> Void)?
        if let overlap, layerWise {
            hook = { [self] l, g, lg in
                guard failure == nil else { return }
                do {
                    try finishLayerWise(&g, &lg)
                    overlap.start(layer: l, from: &g, engine: self, keepSpare: true)
                } catch {
                    failure = error
                }
            }
        } else if let overlap {
            hook = { [self] l, g, _ in
                guard failure == nil, lastBatch else { return }
                overlap.start(layer: l, from: &g, engine: self, keepSpare: false)
            }
        } else if layerWise {
            hook = { [self] l, g, lg in
                guard failure == nil else { return }
                do {
                    let (sq, ok) = try applyLayerWise(.layer(l), grads: &g, loraGrads: &lg, lr: lr, reduced: nil)
                    sumSquares += sq
                    nonFinite = nonFinite || !ok
                } catch {
                    failure = error
                }
            }
        } else {
            hook = nil
        }
        for (i, b) in batches.enumerated() {
            trainState.T = b.T
            lastBatch = i == batches.count - 1
            let r = LlamaTraining.lossAndGradients(model: model, tokens: b.tokens, targets: b.targets, grads: &grads,
                                                   loraGrads: &loraGrads, trainBase: model.trainsBase, state: trainState,
                                                   targetNormalizer: targetTotal, afterLayer: hook)
            loss += r.loss
            tokens += b.B * b.T
        }
        if let overlap {
            // Every rank must issue its collectives in the same order: drain the thread before the main thread's next one.
            if layerWise {
                if failure == nil { do { try finishLayerWise(&grads, &loraGrads) } catch { failure = error } }
            } else {
                do { reducedLayers = try waiting { try overlap.finishAll(into: &grads) } } catch { failure = failure ?? error }
            }
            overlap.reset()
        }
        if let failure { throw failure }
        if communicator.isDistributed {
            var totals = [loss, Double(tokens)]
            try waiting { try communicator.allreduceSum(&totals) }
            (loss, tokens) = (totals[0], Int(totals[1]))
        }
        if layerWise {
            let (sq, ok) = try applyLayerWise(.outer, grads: &grads, loraGrads: &loraGrads, lr: lr, reduced: nil)
            sumSquares += sq
            let norm = sumSquares.squareRoot()
            return StepResult(loss: loss, gradNorm: norm, tokens: tokens, skipped: nonFinite || !ok || !loss.isFinite || !norm.isFinite)
        }
        // Normal form: (all-reduce,) global norm, skip, clip, update.
        var reduced: [String: ReducedGradient]?
        if communicator.isDistributed {
            reduced = try reduce(overlap == nil ? .all : .outer, &grads, &loraGrads).merging(reducedLayers) { a, _ in a }
        }
        var norm = 0.0
        do {
            var all: [Tensor] = []
            forEachGradient(.all, &grads, &loraGrads) { name, g in all.append(reduced?[name]?.projected ?? g) }
            norm = GradientClipping.globalNorm(all)
        }
        if !loss.isFinite || !norm.isFinite {
            return StepResult(loss: loss, gradNorm: norm, tokens: tokens, skipped: true)
        }
        let clip = GradientClipping.coefficient(norm: norm, maxNorm: maxGradNorm)
        if clip < 1 {
            forEachGradient(.all, &grads, &loraGrads) { _, g in g.withUnsafeMutableBufferPointer { Kernels.scale($0.baseAddress!, clip, $0.count) } }
        }
        try timingOptimizer { try update(.all, lr: lr, reduced: reduced) }
        return StepResult(loss: loss, gradNorm: norm, tokens: tokens, skipped: false)
    }

    /// Layer-wise: per-tensor norm, non-finite check and optional per-tensor clip of `part`'s gradients, then
    /// the optimizer step for the finite ones. Returns the sum of squared (pre-clip) norms and whether all
    /// were finite.
    /// `reduced`: the part's gradients were already all-reduced (overlap); nil = all-reduce them here when distributed.
    private func applyLayerWise(_ part: TrainableModel.Part, grads g: inout LlamaParameters, loraGrads lg: inout LoRAAdapters?,
                                lr: Float, reduced given: [String: ReducedGradient]?) throws -> (Double, Bool) {
        let reduced = try given ?? (communicator.isDistributed ? reduce(part, &g, &lg) : nil)
        let start = DispatchTime.now().uptimeNanoseconds
        defer { optimizerSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var sumSquares = 0.0, allFinite = true
        var list: [Tensor?] = []
        forEachGradient(part, &g, &lg) { name, t in
            let n = GradientClipping.globalNorm([reduced?[name]?.projected ?? t])
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
            try apply(name, parameter: &p, gradient: grad, reduced: reduced?[name], lr: lr)
        }
        return (sumSquares, allFinite)
    }

    private func timingOptimizer(_ body: () throws -> Void) rethrows {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { optimizerSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        try body()
    }

    /// Updates `part` from the current gradients (same canonical order on both sides).
    private func update(_ part: TrainableModel.Part, lr: Float, reduced: [String: ReducedGradient]?) throws {
        var list: [Tensor] = []
        forEachGradient(part, &grads, &loraGrads) { _, t in list.append(t) }
        var i = 0
        try model.update(part) { name, p in
            try apply(name, parameter: &p, gradient: list[i], reduced: reduced?[name], lr: lr)
            i += 1
        }
    }

    /// Visits the gradients of the trainable tensors of `part`, in `TrainableModel.update` order.
    func forEachGradient(_ part: TrainableModel.Part, _ g: inout LlamaParameters, _ lg: inout LoRAAdapters?,
                         _ body: (String, inout Tensor) throws -> Void) rethrows {
        if lg != nil {
            switch part {
            case .all: try lg!.forEachMutable(body)
            case .layer(let l): try lg!.forEachMutable(layer: l, body)
            case .outer: return
            }
            return
        }
        switch part {
        case .all: try g.forEachMutable(body)
        case .layer(let l): try g.layers[l].forEachMutable(layer: l, body)
        case .outer: try g.forEachOuterMutable(body)
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
