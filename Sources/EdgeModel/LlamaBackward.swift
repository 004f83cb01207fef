// Training pass of Llama.swift's model: batched forward that saves activations, cross-entropy over
// masked targets, and the hand-written backward pass (llm.c style). Shapes follow Llama.swift's legend,
// plus B = sequences in the batch, T = tokens per sequence, BT = B·T rows.
import EdgeTensor
import Foundation

/// A float buffer owned by a training state (allocated once, reused every step).
final class Buffer: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    let count: Int
    init(_ n: Int) {
        count = max(1, n)
        p = .allocate(capacity: count)
        p.initialize(repeating: 0, count: count)
    }
    deinit { p.deallocate() }
    func zero() { p.update(repeating: 0, count: count) }
}

/// Saved activations of one decoder layer for a (B, T) batch.
final class LayerActivations {
    let x, r1, xn1, q, k, v, probs, att, xMid, r2, xn2, gate, up, h: Buffer
    init(_ d: LlamaDims, B: Int, T: Int) {
        let BT = B * T
        x = Buffer(BT * d.C); r1 = Buffer(BT); xn1 = Buffer(BT * d.C)          // layer input, 1/rms, normed
        q = Buffer(BT * d.qDim); k = Buffer(BT * d.kvDim); v = Buffer(BT * d.kvDim)   // q, k after RoPE
        probs = Buffer(B * d.NH * T * T)                                        // (B, NH, T, T) softmax
        att = Buffer(BT * d.qDim); xMid = Buffer(BT * d.C)                      // attention output, residual
        r2 = Buffer(BT); xn2 = Buffer(BT * d.C)
        gate = Buffer(BT * d.F); up = Buffer(BT * d.F); h = Buffer(BT * d.F)     // MLP pre-activations, silu(g)·u
    }
    var bytes: Int { [x, r1, xn1, q, k, v, probs, att, xMid, r2, xn2, gate, up, h].reduce(0) { $0 + $1.count * 4 } }
}

/// Buffers for training steps at a fixed (B, T): activations (all layers, or one layer's worth plus the
/// layer inputs with `recompute`), gradient scratch, the loss head's chunk buffers, LoRA's (BT, r) scratch,
/// and with `layerWise` the one layer-gradient buffer that layer-wise updates reuse for every layer.
public final class LlamaTrainState: @unchecked Sendable {
    public let dims: LlamaDims
    /// Sequences per batch and the most tokens per sequence the buffers hold.
    public let B: Int, maxT: Int
    /// Tokens per sequence of the current batch (≤ maxT); set it before a pass to train on shorter batches.
    public var T: Int {
        didSet { precondition(T >= 1 && T <= maxT, "sequence length \(T) outside 1...\(maxT)") }
    }
    /// Gradient checkpointing: keep only each layer's input and recompute the rest during backward.
    public let recompute: Bool
    /// The embedding row that gets no gradient (HF `nn.Embedding(padding_idx: pad_token_id)`), if any.
    public var paddingTokenId: Int32?
    let acts: [LayerActivations]          // L entries, or 1 (reused) with recompute
    let layerInputs: [Buffer]             // L entries with recompute: (BT, C) each
    let xFinal, rFinal, xnFinal: Buffer   // (BT, C), (BT), (BT, C)
    let dx, dxn, dq, dk, dv, datt, dGate, dUp, dh: Buffer
    let logitsChunk: Buffer               // (chunkRows, V)
    let gatherX, gatherDX: Buffer         // (chunkRows, C): normed hidden rows that have a target, and their grads
    let chunkRows = 64
    let rope: RoPE
    /// Most LoRA rank the scratch holds; u = x·Aᵀ and du = (α/r)·dy·B, (BT, loraRank) each.
    public let loraRank: Int
    let loraU, loraDU: Buffer
    let normScratch: Buffer               // (C): discarded weight gradient of a frozen RMSNorm
    /// Layer-wise updates: the gradient of the layer in flight lives here, not in the caller's gradients.
    public let layerWise: Bool
    var spareLayerGradient: LlamaParameters.Layer

    /// - `recompute`: gradient checkpointing (keep layer inputs only, recompute each layer in backward).
    /// - `loraRank`: the largest LoRA rank the pass will see (0 = no LoRA).
    /// - `layerWise`: allocate one layer-gradient buffer that every layer reuses (see `lossAndGradients`).
    public init(dims d: LlamaDims, B: Int, T: Int, recompute: Bool = false, loraRank: Int = 0, layerWise: Bool = false) {
        precondition(B >= 1 && T >= 1, "batch and sequence length must be positive")
        (dims, self.B, self.maxT, self.T, self.recompute) = (d, B, T, T, recompute)
        (self.loraRank, self.layerWise) = (loraRank, layerWise)
        loraU = Buffer(B * T * loraRank); loraDU = Buffer(B * T * loraRank)
        normScratch = Buffer(d.C)
        spareLayerGradient = layerWise ? LlamaParameters.Layer(zeros: d) : .empty
        let BT = B * T
        acts = (0..<(recompute ? 1 : d.L)).map { _ in LayerActivations(d, B: B, T: T) }
        layerInputs = recompute ? (0..<d.L).map { _ in Buffer(BT * d.C) } : []
        xFinal = Buffer(BT * d.C); rFinal = Buffer(BT); xnFinal = Buffer(BT * d.C)
        dx = Buffer(BT * d.C); dxn = Buffer(BT * d.C)
        dq = Buffer(BT * d.qDim); dk = Buffer(BT * d.kvDim); dv = Buffer(BT * d.kvDim); datt = Buffer(BT * d.qDim)
        dGate = Buffer(BT * d.F); dUp = Buffer(BT * d.F); dh = Buffer(BT * d.F)
        logitsChunk = Buffer(chunkRows * d.V)
        gatherX = Buffer(chunkRows * d.C); gatherDX = Buffer(chunkRows * d.C)
        rope = RoPE(headDim: d.hd, maxPositions: T, theta: d.ropeTheta)
    }

    /// Bytes of the layer-wise layer-gradient buffer (0 unless `layerWise`).
    public var layerGradientBytes: Int { spareLayerGradient.parameterCount * 4 }

    /// Bytes of activation buffers (saved activations + gradient scratch), for the memory report.
    public var activationBytes: Int {
        let scratch = [xFinal, rFinal, xnFinal, dx, dxn, dq, dk, dv, datt, dGate, dUp, dh, logitsChunk, gatherX, gatherDX,
                       loraU, loraDU, normScratch]
        return acts.reduce(0) { $0 + $1.bytes } + layerInputs.reduce(0) { $0 + $1.count * 4 }
            + scratch.reduce(0) { $0 + $1.count * 4 }
    }
}

/// Result of one forward + backward pass.
public struct TrainingLoss: Sendable, Equatable {
    /// Mean cross-entropy over the target tokens.
    public var loss: Double
    /// Number of target tokens (positions whose target is ≥ 0).
    public var targetTokens: Int
}

public enum LlamaTraining {
    /// y (rows, out) = x (rows, in) · Wᵀ
    @inline(__always)
    static func linear(_ x: UnsafePointer<Float>, _ w: Tensor, _ y: UnsafeMutablePointer<Float>, rows: Int) {
        w.withUnsafeBufferPointer { pw in
            Float.gemm(transA: false, transB: true, m: rows, n: w.shape[0], k: w.shape[1], alpha: 1,
                       a: x, lda: w.shape[1], b: pw.baseAddress!, ldb: w.shape[1], beta: 0, c: y, ldc: w.shape[0])
        }
    }

    /// Backward of `linear`: dW += dyᵀ·x and dx (= or +=) dy·W. A frozen weight passes an empty `dW`
    /// (`Tensor(zeros: [0])`, as in `LlamaParameters.Layer.empty`): its weight-gradient GEMM is skipped.
    @inline(__always)
    static func linearBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: Tensor, dW: inout Tensor,
                               dx: UnsafeMutablePointer<Float>, accumulate: Bool, rows: Int) {
        let (out, inn) = (w.shape[0], w.shape[1])
        if dW.count > 0 {
            dW.withUnsafeMutableBufferPointer { pdw in
                Float.gemm(transA: true, transB: false, m: out, n: inn, k: rows, alpha: 1,
                           a: dy, lda: out, b: x, ldb: inn, beta: 1, c: pdw.baseAddress!, ldc: inn)
            }
        }
        w.withUnsafeBufferPointer { pw in
            Float.gemm(transA: false, transB: false, m: rows, n: inn, k: out, alpha: 1,
                       a: dy, lda: out, b: pw.baseAddress!, ldb: inn, beta: accumulate ? 1 : 0, c: dx, ldc: inn)
        }
    }

    /// Forward of one decoder layer over the batch, filling `a` (whose `x` holds the layer input) and
    /// writing the layer output into `out`.
    static func layerForward(_ p: LlamaParameters.Layer, _ a: LayerActivations, out: UnsafeMutablePointer<Float>,
                             state s: LlamaTrainState, lora: LoRAAdapters.Layer? = nil, scaling: Float = 0) {
        let d = s.dims, B = s.B, T = s.T, BT = B * T
        func linear(_ x: UnsafePointer<Float>, _ w: Tensor, _ y: UnsafeMutablePointer<Float>, rows: Int, _ t: LoRATarget) {
            adaptedLinear(x, w, y, rows: rows, lora: lora?[t], scaling: scaling, state: s)
        }
        p.attnNorm.withUnsafeBufferPointer { w in
            TrainingOps.rmsNorm(a.x.p, w.baseAddress!, eps: d.eps, out: a.xn1.p, r: a.r1.p, rows: BT, C: d.C)
        }
        linear(a.xn1.p, p.wq, a.q.p, rows: BT, .q)
        linear(a.xn1.p, p.wk, a.k.p, rows: BT, .k)
        linear(a.xn1.p, p.wv, a.v.p, rows: BT, .v)
        TrainingOps.rope(s.rope, a.q.p, rows: BT, T: T, heads: d.NH, width: d.qDim, inverse: false)
        TrainingOps.rope(s.rope, a.k.p, rows: BT, T: T, heads: d.NKV, width: d.kvDim, inverse: false)
        let scale = 1 / Float(d.hd).squareRoot(), group = d.NH / d.NKV
        let (qs, ks, vs, ps, atts) = (UnsafeSendable(a.q.p), UnsafeSendable(a.k.p), UnsafeSendable(a.v.p),
                                      UnsafeSendable(a.probs.p), UnsafeSendable(a.att.p))
        parallelFor(B * d.NKV) { lo, hi in   // one task per (sequence, key/value head) and its query heads; P saved
            for i in lo..<hi {
                let (b, gi) = (i / d.NKV, i % d.NKV)
                let (qo, kvo) = (b * T * d.qDim + gi * group * d.hd, b * T * d.kvDim + gi * d.hd)
                CausalAttention.forward(heads: group, q: qs.value + qo, ldq: d.qDim, k: ks.value + kvo, ldk: d.kvDim,
                                        v: vs.value + kvo, ldv: d.kvDim, T: T, hd: d.hd, scale: scale,
                                        p: ps.value + (b * d.NH + gi * group) * T * T, o: atts.value + qo, ldo: d.qDim)
            }
        }
        linear(a.att.p, p.wo, a.xMid.p, rows: BT, .o)
        Kernels.add(a.xMid.p, a.x.p, a.xMid.p, BT * d.C)
        p.mlpNorm.withUnsafeBufferPointer { w in
            TrainingOps.rmsNorm(a.xMid.p, w.baseAddress!, eps: d.eps, out: a.xn2.p, r: a.r2.p, rows: BT, C: d.C)
        }
        linear(a.xn2.p, p.wGate, a.gate.p, rows: BT, .gate)
        linear(a.xn2.p, p.wUp, a.up.p, rows: BT, .up)
        let (gs, us, hs) = (UnsafeSendable(a.gate.p), UnsafeSendable(a.up.p), UnsafeSendable(a.h.p))
        TrainingOps.elementwise(BT * d.F) { lo, hi in Kernels.swiglu(gs.value + lo, us.value + lo, hs.value + lo, hi - lo) }
        linear(a.h.p, p.wDown, out, rows: BT, .down)
        Kernels.add(out, a.xMid.p, out, BT * d.C)
    }

    /// Backward of one decoder layer. On entry `s.dx` holds dL/d(output); on exit dL/d(input). Weight
    /// gradients accumulate into `g` (`.empty` when the base weights are frozen: no dW GEMMs) and, for
    /// adapted linears, into `lg` (dA, dB).
    static func layerBackward(_ p: LlamaParameters.Layer, _ g: inout LlamaParameters.Layer, _ a: LayerActivations,
                              state s: LlamaTrainState, lora: LoRAAdapters.Layer? = nil, loraGrad lg: inout LoRAAdapters.Layer,
                              scaling: Float = 0) {
        let d = s.dims, B = s.B, T = s.T, BT = B * T
        func linearBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: Tensor, dW: inout Tensor,
                            dx: UnsafeMutablePointer<Float>, accumulate: Bool, rows: Int, _ t: LoRATarget) {
            adaptedLinearBackward(dy: dy, x: x, w: w, dW: &dW, dx: dx, accumulate: accumulate, rows: rows,
                                  lora: lora?[t], loraGrad: &lg.pairs[t.index], scaling: scaling, state: s)
        }
        func normGradient(_ t: inout Tensor, _ body: (UnsafeMutablePointer<Float>) -> Void) {
            if t.count == 0 { s.normScratch.zero(); body(s.normScratch.p) } else { t.withUnsafeMutableBufferPointer { body($0.baseAddress!) } }
        }
        // MLP: out = xMid + Wdown·h.  dx (= d out) flows to xMid unchanged, plus through the MLP.
        linearBackward(dy: s.dx.p, x: a.h.p, w: p.wDown, dW: &g.wDown, dx: s.dh.p, accumulate: false, rows: BT, .down)
        let (dhs, gs, us, dgs, dus) = (UnsafeSendable(s.dh.p), UnsafeSendable(a.gate.p), UnsafeSendable(a.up.p),
                                       UnsafeSendable(s.dGate.p), UnsafeSendable(s.dUp.p))
        TrainingOps.elementwise(BT * d.F) { lo, hi in
            BackwardKernels.swiglu(dh: dhs.value + lo, gate: gs.value + lo, up: us.value + lo, dGate: dgs.value + lo, dUp: dus.value + lo, hi - lo)
        }
        linearBackward(dy: s.dGate.p, x: a.xn2.p, w: p.wGate, dW: &g.wGate, dx: s.dxn.p, accumulate: false, rows: BT, .gate)
        linearBackward(dy: s.dUp.p, x: a.xn2.p, w: p.wUp, dW: &g.wUp, dx: s.dxn.p, accumulate: true, rows: BT, .up)
        p.mlpNorm.withUnsafeBufferPointer { w in
            normGradient(&g.mlpNorm) { dw in
                TrainingOps.rmsNormBackward(dy: s.dxn.p, x: a.xMid.p, w: w.baseAddress!, r: a.r2.p, dx: s.dx.p, dW: dw, rows: BT, C: d.C)
            }
        }
        // Attention: xMid = x + Wo·att.
        linearBackward(dy: s.dx.p, x: a.att.p, w: p.wo, dW: &g.wo, dx: s.datt.p, accumulate: false, rows: BT, .o)
        s.dk.zero(); s.dv.zero()
        let scale = 1 / Float(d.hd).squareRoot(), group = d.NH / d.NKV
        // One task per (sequence, key/value head): its query heads accumulate into the same dK/dV slices.
        let (ps, qs, ks, vs) = (UnsafeSendable(a.probs.p), UnsafeSendable(a.q.p), UnsafeSendable(a.k.p), UnsafeSendable(a.v.p))
        let (dOs, dQs, dKs, dVs) = (UnsafeSendable(s.datt.p), UnsafeSendable(s.dq.p), UnsafeSendable(s.dk.p), UnsafeSendable(s.dv.p))
        parallelFor(B * d.NKV) { lo, hi in
            for i in lo..<hi {
                let (b, gi) = (i / d.NKV, i % d.NKV)
                let (qo, kvo) = (b * T * d.qDim + gi * group * d.hd, b * T * d.kvDim + gi * d.hd)
                CausalAttention.backward(heads: group, p: ps.value + (b * d.NH + gi * group) * T * T, q: qs.value + qo,
                                         ldq: d.qDim, k: ks.value + kvo, ldk: d.kvDim, v: vs.value + kvo, ldv: d.kvDim,
                                         dout: dOs.value + qo, lddo: d.qDim, T: T, hd: d.hd, scale: scale,
                                         dq: dQs.value + qo, lddq: d.qDim, dk: dKs.value + kvo, lddk: d.kvDim,
                                         dv: dVs.value + kvo, lddv: d.kvDim)
            }
        }
        TrainingOps.rope(s.rope, s.dq.p, rows: BT, T: T, heads: d.NH, width: d.qDim, inverse: true)
        TrainingOps.rope(s.rope, s.dk.p, rows: BT, T: T, heads: d.NKV, width: d.kvDim, inverse: true)
        linearBackward(dy: s.dq.p, x: a.xn1.p, w: p.wq, dW: &g.wq, dx: s.dxn.p, accumulate: false, rows: BT, .q)
        linearBackward(dy: s.dk.p, x: a.xn1.p, w: p.wk, dW: &g.wk, dx: s.dxn.p, accumulate: true, rows: BT, .k)
        linearBackward(dy: s.dv.p, x: a.xn1.p, w: p.wv, dW: &g.wv, dx: s.dxn.p, accumulate: true, rows: BT, .v)
        p.attnNorm.withUnsafeBufferPointer { w in
            normGradient(&g.attnNorm) { dw in
                TrainingOps.rmsNormBackward(dy: s.dxn.p, x: a.x.p, w: w.baseAddress!, r: a.r1.p, dx: s.dx.p, dW: dw, rows: BT, C: d.C)
            }
        }
    }
}
