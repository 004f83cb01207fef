import EdgeTensor

/// Trainable Float32 parameters of a Llama model (also used, with the same shapes, for gradients).
/// Names are the Hugging Face checkpoint keys; `forEach` visits them in one canonical order.
public struct LlamaParameters: Sendable, Equatable {
    public struct Layer: Sendable, Equatable {
        public var attnNorm: Tensor   // (C)          input_layernorm.weight
        public var wq: Tensor         // (NH·hd, C)   self_attn.q_proj.weight
        public var wk: Tensor         // (NKV·hd, C)  self_attn.k_proj.weight
        public var wv: Tensor         // (NKV·hd, C)  self_attn.v_proj.weight
        public var wo: Tensor         // (C, NH·hd)   self_attn.o_proj.weight
        public var mlpNorm: Tensor    // (C)          post_attention_layernorm.weight
        public var wGate: Tensor      // (F, C)       mlp.gate_proj.weight
        public var wUp: Tensor        // (F, C)       mlp.up_proj.weight
        public var wDown: Tensor      // (C, F)       mlp.down_proj.weight
    }

    public var embed: Tensor          // (V, C)  model.embed_tokens.weight
    public var layers: [Layer]
    public var finalNorm: Tensor      // (C)     model.norm.weight
    public var head: Tensor?          // (V, C)  lm_head.weight, nil when tied to embed

    /// All-zero parameters of the given shape (a gradient buffer).
    public init(zeros d: LlamaDims, tied: Bool) {
        func z(_ s: [Int]) -> Tensor { Tensor(zeros: s) }
        embed = z([d.V, d.C])
        layers = (0..<d.L).map { _ in
            Layer(attnNorm: z([d.C]), wq: z([d.qDim, d.C]), wk: z([d.kvDim, d.C]), wv: z([d.kvDim, d.C]),
                  wo: z([d.C, d.qDim]), mlpNorm: z([d.C]), wGate: z([d.F, d.C]), wUp: z([d.F, d.C]), wDown: z([d.C, d.F]))
        }
        finalNorm = z([d.C])
        head = tied ? nil : z([d.V, d.C])
    }

    /// Random initialisation as transformers' LlamaPreTrainedModel: linear and embedding weights
    /// ~ N(0, std²), norm weights 1. Drawn with SplitMix64 normals in `forEach` order (seeded, portable).
    public static func random(_ d: LlamaDims, tied: Bool, seed: UInt64, std: Double = 0.02) -> LlamaParameters {
        var p = LlamaParameters(zeros: d, tied: tied)
        var rng = SplitMix64(seed: seed)
        p.forEachMutable { name, t in
            if name.hasSuffix("norm.weight") {
                t = Tensor(repeating: 1, shape: t.shape)
            } else {
                t = Tensor.normal(t.shape, std: std, rng: &rng)
            }
        }
        return p
    }

    public var isTied: Bool { head == nil }

    /// Visits every parameter with its Hugging Face name, in canonical order.
    public func forEach(_ body: (String, Tensor) throws -> Void) rethrows {
        var copy = self
        try copy.forEachMutable { name, t in try body(name, t) }
    }

    /// Visits every parameter mutably with its Hugging Face name, in canonical order.
    public mutating func forEachMutable(_ body: (String, inout Tensor) throws -> Void) rethrows {
        try body("model.embed_tokens.weight", &embed)
        for i in layers.indices {
            let p = "model.layers.\(i)."
            try body(p + "input_layernorm.weight", &layers[i].attnNorm)
            try body(p + "self_attn.q_proj.weight", &layers[i].wq)
            try body(p + "self_attn.k_proj.weight", &layers[i].wk)
            try body(p + "self_attn.v_proj.weight", &layers[i].wv)
            try body(p + "self_attn.o_proj.weight", &layers[i].wo)
            try body(p + "post_attention_layernorm.weight", &layers[i].mlpNorm)
            try body(p + "mlp.gate_proj.weight", &layers[i].wGate)
            try body(p + "mlp.up_proj.weight", &layers[i].wUp)
            try body(p + "mlp.down_proj.weight", &layers[i].wDown)
        }
        try body("model.norm.weight", &finalNorm)
        if head != nil { try body("lm_head.weight", &head!) }
    }

    /// Visits each parameter together with the matching tensor of `other` (e.g. its gradient).
    public mutating func forEachMutable(pairedWith other: LlamaParameters, _ body: (String, inout Tensor, Tensor) throws -> Void) rethrows {
        var others: [Tensor] = []
        other.forEach { _, t in others.append(t) }
        var i = 0
        try forEachMutable { name, t in
            try body(name, &t, others[i])
            i += 1
        }
    }

    /// Number of scalars.
    public var parameterCount: Int {
        var n = 0
        forEach { _, t in n += t.count }
        return n
    }

    /// Sets every element to zero, keeping the storage.
    public mutating func zero() {
        forEachMutable { _, t in t.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// Float32 inference weights holding copies of these parameters.
    public func inferenceWeights() -> LlamaWeights {
        func w(_ t: Tensor) -> WeightMatrix { WeightMatrix(rows: t.shape[0], cols: t.shape[1], f32: t.scalars) }
        return LlamaWeights(
            embed: w(embed),
            layers: layers.map {
                LlamaLayerWeights(attnNorm: $0.attnNorm.scalars, wq: w($0.wq), wk: w($0.wk), wv: w($0.wv), wo: w($0.wo),
                                  mlpNorm: $0.mlpNorm.scalars, wGate: w($0.wGate), wUp: w($0.wUp), wDown: w($0.wDown))
            },
            finalNorm: finalNorm.scalars,
            head: head.map(w))
    }
}
