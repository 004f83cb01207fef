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

        /// A layer of zeros (a gradient buffer).
        public init(zeros d: LlamaDims) {
            func z(_ s: [Int]) -> Tensor { Tensor(zeros: s) }
            (attnNorm, wq, wk, wv, wo) = (z([d.C]), z([d.qDim, d.C]), z([d.kvDim, d.C]), z([d.kvDim, d.C]), z([d.C, d.qDim]))
            (mlpNorm, wGate, wUp, wDown) = (z([d.C]), z([d.F, d.C]), z([d.F, d.C]), z([d.C, d.F]))
        }

        init(attnNorm: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, wo: Tensor, mlpNorm: Tensor, wGate: Tensor, wUp: Tensor, wDown: Tensor) {
            (self.attnNorm, self.wq, self.wk, self.wv, self.wo) = (attnNorm, wq, wk, wv, wo)
            (self.mlpNorm, self.wGate, self.wUp, self.wDown) = (mlpNorm, wGate, wUp, wDown)
        }

        /// A placeholder holding no storage: the gradient "buffer" of a frozen layer, or of a layer whose
        /// gradient lives elsewhere (layer-wise updates). Every tensor has zero elements.
        public static let empty = Layer(attnNorm: Tensor(zeros: [0]), wq: Tensor(zeros: [0]), wk: Tensor(zeros: [0]),
                                        wv: Tensor(zeros: [0]), wo: Tensor(zeros: [0]), mlpNorm: Tensor(zeros: [0]),
                                        wGate: Tensor(zeros: [0]), wUp: Tensor(zeros: [0]), wDown: Tensor(zeros: [0]))

        /// The nine tensors in canonical order, with their names inside `model.layers.{i}.`.
        public static var tensors: [(name: String, keyPath: WritableKeyPath<Layer, Tensor>)] { [
            ("input_layernorm.weight", \.attnNorm), ("self_attn.q_proj.weight", \.wq), ("self_attn.k_proj.weight", \.wk),
            ("self_attn.v_proj.weight", \.wv), ("self_attn.o_proj.weight", \.wo), ("post_attention_layernorm.weight", \.mlpNorm),
            ("mlp.gate_proj.weight", \.wGate), ("mlp.up_proj.weight", \.wUp), ("mlp.down_proj.weight", \.wDown),
        ] }

        /// Visits the layer's tensors mutably with their full HF names (layer index `i`).
        public mutating func forEachMutable(layer i: Int, _ body: (String, inout Tensor) throws -> Void) rethrows {
            for (name, kp) in Self.tensors { try body("model.layers.\(i).\(name)", &self[keyPath: kp]) }
        }

        /// Sets every element to zero, keeping the storage.
        public mutating func zero() {
            for (_, kp) in Self.tensors { self[keyPath: kp].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        }

        /// Scalars in the layer.
        public var parameterCount: Int { Self.tensors.reduce(0) { $0 + self[keyPath: $1.keyPath].count } }
    }

    public var embed: Tensor          // (V, C)  model.embed_tokens.weight
    public var layers: [Layer]
    public var finalNorm: Tensor      // (C)     model.norm.weight
    public var head: Tensor?          // (V, C)  lm_head.weight, nil when tied to embed

    /// All-zero parameters of the given shape (a gradient buffer). With `layers: false` every layer is the
    /// storage-less `Layer.empty` (the gradient of layer-wise updates, which keep one layer buffer in the
    /// train state instead).
    public init(zeros d: LlamaDims, tied: Bool, layers withLayers: Bool = true) {
        embed = Tensor(zeros: [d.V, d.C])
        layers = (0..<d.L).map { _ in withLayers ? Layer(zeros: d) : .empty }
        finalNorm = Tensor(zeros: [d.C])
        head = tied ? nil : Tensor(zeros: [d.V, d.C])
    }

    init(embed: Tensor, layers: [Layer], finalNorm: Tensor, head: Tensor?) {
        (self.embed, self.layers, self.finalNorm, self.head) = (embed, layers, finalNorm, head)
    }

    /// Storage-less placeholder (the gradient argument when base weights are frozen).
    public static let empty = LlamaParameters(embed: Tensor(zeros: [0]), layers: [], finalNorm: Tensor(zeros: [0]), head: nil)

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
        for i in layers.indices { try layers[i].forEachMutable(layer: i, body) }
        try body("model.norm.weight", &finalNorm)
        if head != nil { try body("lm_head.weight", &head!) }
    }

    /// Visits the parameters outside the decoder layers mutably, in canonical order: embedding, final norm,
    /// head (the ones layer-wise updates step after the backward pass).
    public mutating func forEachOuterMutable(_ body: (String, inout Tensor) throws -> Void) rethrows {
        try body("model.embed_tokens.weight", &embed)
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
