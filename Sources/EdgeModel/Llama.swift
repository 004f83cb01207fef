// Mirrors transformers/models/llama/modeling_llama.py @ 4.x–5.x (LlamaForCausalLM, eager attention,
// default rotary embeddings). Inference path: KV cache, batched prefill through sgemm, decode through
// matrix-vector kernels. Training (backward) lives in LlamaBackward.swift and reuses these shapes.
//
// Dim legend (kernels only):
//   C   hidden size            L   layers            V   vocab size
//   NH  attention heads        NKV key/value heads   hd  head dim (C / NH unless the config says)
//   F   MLP intermediate size  T   tokens in this forward call   S  positions visible (cache + T)
import EdgeTensor
import Foundation

/// Weights of one decoder layer (read-only). Matrix shapes are (out, in) as in PyTorch's nn.Linear.
public struct LlamaLayerWeights: Sendable {
    public var attnNorm: [Float]          // (C)        model.layers.N.input_layernorm.weight
    public var wq: WeightMatrix           // (NH·hd, C) model.layers.N.self_attn.q_proj.weight
    public var wk: WeightMatrix           // (NKV·hd, C) …self_attn.k_proj.weight
    public var wv: WeightMatrix           // (NKV·hd, C) …self_attn.v_proj.weight
    public var wo: WeightMatrix           // (C, NH·hd) …self_attn.o_proj.weight
    public var mlpNorm: [Float]           // (C)        model.layers.N.post_attention_layernorm.weight
    public var wGate: WeightMatrix        // (F, C)     …mlp.gate_proj.weight
    public var wUp: WeightMatrix          // (F, C)     …mlp.up_proj.weight
    public var wDown: WeightMatrix        // (C, F)     …mlp.down_proj.weight

    public init(attnNorm: [Float], wq: WeightMatrix, wk: WeightMatrix, wv: WeightMatrix, wo: WeightMatrix,
                mlpNorm: [Float], wGate: WeightMatrix, wUp: WeightMatrix, wDown: WeightMatrix) {
        (self.attnNorm, self.wq, self.wk, self.wv, self.wo) = (attnNorm, wq, wk, wv, wo)
        (self.mlpNorm, self.wGate, self.wUp, self.wDown) = (mlpNorm, wGate, wUp, wDown)
    }
}

/// All weights of a Llama model (read-only).
public struct LlamaWeights: Sendable {
    public var embed: WeightMatrix        // (V, C)  model.embed_tokens.weight
    public var layers: [LlamaLayerWeights]
    public var finalNorm: [Float]         // (C)     model.norm.weight
    public var head: WeightMatrix?        // (V, C)  lm_head.weight; nil when tied to `embed`

    public init(embed: WeightMatrix, layers: [LlamaLayerWeights], finalNorm: [Float], head: WeightMatrix?) {
        (self.embed, self.layers, self.finalNorm, self.head) = (embed, layers, finalNorm, head)
    }

    /// The output projection actually used (the embedding when tied).
    public var outputHead: WeightMatrix { head ?? embed }

    /// Bytes of weight data.
    public var byteCount: Int {
        var n = embed.byteCount + (head?.byteCount ?? 0) + finalNorm.count * 4
        for l in layers {
            n += (l.attnNorm.count + l.mlpNorm.count) * 4
            n += [l.wq, l.wk, l.wv, l.wo, l.wGate, l.wUp, l.wDown].reduce(0) { $0 + $1.byteCount }
        }
        return n
    }
}

/// The model's sizes in kernel notation, derived once from a `LlamaConfig`.
public struct LlamaDims: Sendable, Equatable {
    public var C, L, NH, NKV, hd, F, V: Int
    public var eps: Float
    public var ropeTheta: Double
    public var maxPositions: Int

    public init(C: Int, L: Int, NH: Int, NKV: Int, hd: Int, F: Int, V: Int, eps: Float, ropeTheta: Double, maxPositions: Int) {
        (self.C, self.L, self.NH, self.NKV, self.hd, self.F, self.V) = (C, L, NH, NKV, hd, F, V)
        (self.eps, self.ropeTheta, self.maxPositions) = (eps, ropeTheta, maxPositions)
    }

    /// Width of the concatenated query heads (NH·hd) and of the key/value heads (NKV·hd).
    public var qDim: Int { NH * hd }
    public var kvDim: Int { NKV * hd }
}

/// Mutable buffers of one generation stream: activations for up to `maxTokens` tokens per call and the
/// KV cache for `contextLength` positions. Allocated once, reused by every `forward`.
public final class LlamaRunState: @unchecked Sendable {
    public let dims: LlamaDims
    /// Positions the cache can hold.
    public let contextLength: Int
    /// Most tokens one `forward` call processes (longer prompts are fed in chunks).
    public let maxTokens: Int
    /// Positions already in the cache.
    public internal(set) var position = 0

    let x, xn, q, k, v, att, gate, up, scores, logits: UnsafeMutableBufferPointer<Float>
    let keyCache, valueCache: UnsafeMutableBufferPointer<Float>    // (L, contextLength, NKV·hd)
    let rope: RoPE

    public init(dims: LlamaDims, contextLength: Int, maxTokens: Int = 128) {
        self.dims = dims
        self.contextLength = contextLength
        self.maxTokens = max(1, min(maxTokens, contextLength))
        let T = self.maxTokens
        func alloc(_ n: Int) -> UnsafeMutableBufferPointer<Float> {
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, n))
            b.initialize(repeating: 0)
            return b
        }
        x = alloc(T * dims.C); xn = alloc(T * dims.C)
        q = alloc(T * dims.qDim); k = alloc(T * dims.kvDim); v = alloc(T * dims.kvDim)
        att = alloc(T * dims.qDim)
        gate = alloc(T * dims.F); up = alloc(T * dims.F)
        scores = alloc(max(T, Threads.count) * contextLength)
        logits = alloc(T * dims.V)
        keyCache = alloc(dims.L * contextLength * dims.kvDim)
        valueCache = alloc(dims.L * contextLength * dims.kvDim)
        rope = RoPE(headDim: dims.hd, maxPositions: contextLength, theta: dims.ropeTheta)
    }

    deinit {
        for b in [x, xn, q, k, v, att, gate, up, scores, logits, keyCache, valueCache] { b.deallocate() }
    }

    /// Forgets the cached positions (a new conversation).
    public func reset() { position = 0 }

    /// Drops cached positions after `n` (e.g. to reuse a shared prompt prefix).
    public func truncate(to n: Int) {
        precondition(n >= 0 && n <= position, "cannot truncate cache of \(position) positions to \(n)")
        position = n
    }

    /// KV-cache bytes.
    public var cacheBytes: Int { (keyCache.count + valueCache.count) * 4 }

    /// Rotates row `t` of this state's q and k to position `pos` and stores its k and v at `pos` of `cache`'s
    /// layer (at `layerCacheOffset`); `cache` is this state, or a stream's state in a batched decode.
    func rotateAndCache(row t: Int, into cache: LlamaRunState, layerCacheOffset: Int, pos: Int) {
        let qRow = q.baseAddress! + t * dims.qDim, kRow = k.baseAddress! + t * dims.kvDim
        rope.apply(qRow, heads: dims.NH, pos: pos)
        rope.apply(kRow, heads: dims.NKV, pos: pos)
        let at = layerCacheOffset + pos * dims.kvDim
        (cache.keyCache.baseAddress! + at).update(from: kRow, count: dims.kvDim)
        (cache.valueCache.baseAddress! + at).update(from: v.baseAddress! + t * dims.kvDim, count: dims.kvDim)
    }
}

/// Which positions' logits a forward call returns.
public enum LogitsRequest: Sendable {
    case last, all
}

/// A Llama decoder-only language model: weights plus sizes. Thread-safe to share; each stream has its own
/// `LlamaRunState`.
public struct Llama: Sendable {
    public let dims: LlamaDims
    public let weights: LlamaWeights

    public init(dims: LlamaDims, weights: LlamaWeights) {
        self.dims = dims
        self.weights = weights
    }

    /// Runs `tokens` at the next positions of `state` (appending to its KV cache) and returns logits:
    /// (1, V) for `.last` or (tokens.count, V) for `.all`. Long inputs are processed in chunks of
    /// `state.maxTokens`. Throws when the cache would overflow or a token is out of the vocabulary.
    public func forward(_ tokens: [Int32], state: LlamaRunState, logits request: LogitsRequest = .last) throws -> Tensor {
        guard !tokens.isEmpty else { throw InferenceError.emptyInput }
        guard state.position + tokens.count <= state.contextLength else {
            throw InferenceError.contextOverflow(needed: state.position + tokens.count, limit: state.contextLength)
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= dims.V }) {
            throw InferenceError.tokenOutOfRange(id: Int(bad), vocabSize: dims.V)
        }
        var out = Tensor(zeros: [request == .all ? tokens.count : 1, dims.V])
        var start = 0
        while start < tokens.count {
            let T = min(state.maxTokens, tokens.count - start)
            let isLastChunk = start + T == tokens.count
            tokens[start ..< start + T].withContiguousStorageIfAvailable { chunk in
                forwardChunk(chunk, state: state)
            }
            if request == .all || isLastChunk {
                let rows = request == .all ? T : 1
                let firstRow = request == .all ? 0 : T - 1
                computeLogits(state: state, firstRow: firstRow, rows: rows)
                out.withUnsafeMutableBufferPointer { dst in
                    let dstRow = request == .all ? start : 0
                    (dst.baseAddress! + dstRow * dims.V).update(from: state.logits.baseAddress!, count: rows * dims.V)
                }
            }
            start += T
        }
        return out
    }

    /// One chunk of T ≤ maxTokens tokens through every layer; leaves the final hidden states in `state.x`.
    func forwardChunk(_ tokens: UnsafeBufferPointer<Int32>, state s: LlamaRunState) {
        let d = dims, T = tokens.count, pos0 = s.position
        for t in 0..<T { weights.embed.row(Int(tokens[t]), into: s.x.baseAddress! + t * d.C) }
        for (l, layer) in weights.layers.enumerated() {
            projectQKV(layer, state: s, T: T)
            let cacheBase = l * s.contextLength * d.kvDim
            for t in 0..<T { s.rotateAndCache(row: t, into: s, layerCacheOffset: cacheBase, pos: pos0 + t) }
            attention(state: s, layerCacheOffset: cacheBase, T: T, pos0: pos0)
            finishLayer(layer, state: s, T: T)
        }
        s.position += T
    }

    /// Attention block, input side: n = RMSNorm(x), then q = Wq·n, k = Wk·n, v = Wv·n for T rows.
    func projectQKV(_ layer: LlamaLayerWeights, state s: LlamaRunState, T: Int) {
        let d = dims, x = s.x.baseAddress!, xn = s.xn.baseAddress!
        layer.attnNorm.withUnsafeBufferPointer { w in
            for t in 0..<T { Kernels.rmsNorm(x + t * d.C, w.baseAddress!, d.eps, xn + t * d.C, d.C) }
        }
        if T == 1 {
            WeightMatrix.matvec([layer.wq, layer.wk, layer.wv], xn, [s.q.baseAddress!, s.k.baseAddress!, s.v.baseAddress!])
        } else {
            layer.wq.apply(xn, s.q.baseAddress!, T: T)
            layer.wk.apply(xn, s.k.baseAddress!, T: T)
            layer.wv.apply(xn, s.v.baseAddress!, T: T)
        }
    }

    /// The rest of a layer once `state.att` holds the attention output: x += Wo·att, then the MLP block
    /// x += Wdown · (silu(Wgate·n) ⊙ Wup·n), n = RMSNorm(x).
    func finishLayer(_ layer: LlamaLayerWeights, state s: LlamaRunState, T: Int) {
        let d = dims, x = s.x.baseAddress!, xn = s.xn.baseAddress!
        layer.wo.apply(s.att.baseAddress!, xn, T: T)
        Kernels.add(x, xn, x, T * d.C)
        layer.mlpNorm.withUnsafeBufferPointer { w in
            for t in 0..<T { Kernels.rmsNorm(x + t * d.C, w.baseAddress!, d.eps, xn + t * d.C, d.C) }
        }
        if T == 1 {
            WeightMatrix.matvec([layer.wGate, layer.wUp], xn, [s.gate.baseAddress!, s.up.baseAddress!])
        } else {
            layer.wGate.apply(xn, s.gate.baseAddress!, T: T)
            layer.wUp.apply(xn, s.up.baseAddress!, T: T)
        }
        Kernels.swiglu(s.gate.baseAddress!, s.up.baseAddress!, s.gate.baseAddress!, T * d.F)
        layer.wDown.apply(s.gate.baseAddress!, xn, T: T)
        Kernels.add(x, xn, x, T * d.C)
    }

    /// Causal grouped-query attention of T new queries against the S = pos0 + T cached keys/values.
    /// Query head h reads key/value head h / (NH / NKV). Writes (T, NH·hd) into `state.att`.
    func attention(state s: LlamaRunState, layerCacheOffset: Int, T: Int, pos0: Int) {
        let d = dims, S = pos0 + T, group = d.NH / d.NKV
        let scale = 1 / Float(d.hd).squareRoot()
        let kc = UnsafeSendable(UnsafePointer(s.keyCache.baseAddress! + layerCacheOffset))
        let vc = UnsafeSendable(UnsafePointer(s.valueCache.baseAddress! + layerCacheOffset))
        let q = UnsafeSendable(UnsafePointer(s.q.baseAddress!)), att = UnsafeSendable(s.att.baseAddress!)
        let scores = UnsafeSendable(s.scores.baseAddress!)
        if T == 1 {
            decodeAttention(state: s, rows: 1) { _ in (kc.value, vc.value, S) }
            return
        }
        // Prefill: per head, scores (T, S) = Q_h · K_gᵀ by sgemm over strided views, causal mask, softmax,
        // then out_h (T, hd) = P · V_g.
        for h in 0..<d.NH {
            let g = h / group
            Float.gemm(transA: false, transB: true, m: T, n: S, k: d.hd, alpha: scale,
                       a: q.value + h * d.hd, lda: d.qDim, b: kc.value + g * d.hd, ldb: d.kvDim,
                       beta: 0, c: scores.value, ldc: S)
            for t in 0..<T {
                let row = scores.value + t * S
                let visible = pos0 + t + 1
                for p in visible..<S { row[p] = 0 }
                Kernels.softmax(row, visible)
            }
            Float.gemm(transA: false, transB: false, m: T, n: d.hd, k: S, alpha: 1,
                       a: scores.value, lda: S, b: vc.value + g * d.hd, ldb: d.kvDim,
                       beta: 0, c: att.value + h * d.hd, ldc: d.qDim)
        }
    }

    /// Decode attention of `rows` single-token queries (row b of `state.q`, one stream each) into the same rows of
    /// `state.att`: `cache(b)` gives row b's keys and values of this layer and how many positions it sees.
    /// (row, head) pairs run in parallel, each thread with its own score row.
    func decodeAttention(state s: LlamaRunState, rows: Int,
                         cache: @Sendable (Int) -> (keys: UnsafePointer<Float>, values: UnsafePointer<Float>, S: Int)) {
        let d = dims, work = rows * d.NH, ctx = s.contextLength
        let q = UnsafeSendable(UnsafePointer(s.q.baseAddress!)), att = UnsafeSendable(s.att.baseAddress!)
        let scores = UnsafeSendable(s.scores.baseAddress!)
        let chunk = (work + min(Threads.count, work) - 1) / min(Threads.count, work)   // as parallelFor splits
        parallelFor(work) { lo, hi in
            let row = scores.value + (lo / chunk) * ctx
            for item in lo..<hi {
                let b = item / d.NH, (keys, values, S) = cache(b)
                attendOne(head: item % d.NH, q: q.value + b * d.qDim, keys: keys, values: values, S: S,
                          scores: row, out: att.value + b * d.qDim)
            }
        }
    }

    /// One query head against S cached positions of one layer: out_h = softmax(q_h·K_gᵀ / √hd) · V_g.
    /// `q` and `out` are one token's (NH·hd) rows; `scores` has room for S values.
    func attendOne(head h: Int, q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, S: Int,
                   scores row: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let d = dims, g = h / (d.NH / d.NKV), scale = 1 / Float(d.hd).squareRoot()
        let qh = q + h * d.hd
        for p in 0..<S { row[p] = Kernels.dot(qh, keys + p * d.kvDim + g * d.hd, d.hd) * scale }
        Kernels.softmax(row, S)
        let oh = out + h * d.hd
        oh.initialize(repeating: 0, count: d.hd)
        for p in 0..<S { Kernels.axpy(row[p], values + p * d.kvDim + g * d.hd, oh, d.hd) }
    }

    // MARK: Batched decode

    /// One new token for each of several streams (batched decode, e.g. evaluating many requests): row b is
    /// `tokens[b]` at the next position of `states[b]`. The matrix products run once over all rows (sgemm, so
    /// the weights are read once per step instead of once per stream); attention reads each stream's own KV
    /// cache. `scratch` holds the activations (its `maxTokens` ≥ B, its `contextLength` ≥ every stream's) and its
    /// own cache is not touched. Returns logits (B, V); each stream advances one position.
    public func forwardBatch(_ tokens: [Int32], states: [LlamaRunState], scratch s: LlamaRunState) throws -> Tensor {
        let d = dims, B = tokens.count
        precondition(B == states.count && B >= 1, "forwardBatch: \(B) tokens for \(states.count) streams")
        precondition(B <= s.maxTokens && states.allSatisfy { $0.contextLength <= s.contextLength },
                     "forwardBatch: scratch state too small for \(B) streams")
        for (token, st) in zip(tokens, states) {
            guard st.position < st.contextLength else { throw InferenceError.contextOverflow(needed: st.position + 1, limit: st.contextLength) }
            guard token >= 0 && Int(token) < d.V else { throw InferenceError.tokenOutOfRange(id: Int(token), vocabSize: d.V) }
        }
        for b in 0..<B { weights.embed.row(Int(tokens[b]), into: s.x.baseAddress! + b * d.C) }
        let positions = states.map(\.position)
        for (l, layer) in weights.layers.enumerated() {
            projectQKV(layer, state: s, T: B)
            for b in 0..<B {
                s.rotateAndCache(row: b, into: states[b], layerCacheOffset: l * states[b].contextLength * d.kvDim, pos: positions[b])
            }
            let caches = states.map { st in
                let offset = l * st.contextLength * d.kvDim
                return UnsafeSendable((UnsafePointer(st.keyCache.baseAddress! + offset), UnsafePointer(st.valueCache.baseAddress! + offset)))
            }
            decodeAttention(state: s, rows: B) { b in (caches[b].value.0, caches[b].value.1, positions[b] + 1) }
            finishLayer(layer, state: s, T: B)
        }
        for st in states { st.position += 1 }
        computeLogits(state: s, firstRow: 0, rows: B)
        var out = Tensor(zeros: [B, d.V])
        out.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: s.logits.baseAddress!, count: B * d.V) }
        return out
    }

    /// Final RMSNorm and output head for `rows` hidden states starting at `firstRow` of the last chunk.
    func computeLogits(state s: LlamaRunState, firstRow: Int, rows: Int) {
        let d = dims
        let x = s.x.baseAddress! + firstRow * d.C, xn = s.xn.baseAddress!
        weights.finalNorm.withUnsafeBufferPointer { w in
            for t in 0..<rows { Kernels.rmsNorm(x + t * d.C, w.baseAddress!, d.eps, xn + t * d.C, d.C) }
        }
        weights.outputHead.apply(xn, s.logits.baseAddress!, T: rows)
    }
}
