// Where the training pass reads weights from: Float32 `LlamaParameters`, BF16 storage decoded one layer at a
// time, optionally with LoRA adapters on top. The math is always Float32.
import EdgeTensor

/// Read access to the weights of a training pass. Layers are fetched one at a time in Float32, so storage
/// may be compact (BF16) while every GEMM runs in F32.
public protocol LlamaWeightSource {
    /// Layer `l`'s weights in Float32 (the stored tensors for F32 storage; a decoded copy for BF16).
    func trainingLayer(_ l: Int) -> LlamaParameters.Layer
    /// Copies token `id`'s embedding row (C floats) to `dst`.
    func copyEmbeddingRow(_ id: Int, C: Int, to dst: UnsafeMutablePointer<Float>)
    /// The (V, C) output head in Float32 (the embedding when tied).
    func outputHead() -> Tensor
    /// The (C) final RMSNorm weight.
    var finalNormWeight: Tensor { get }
    /// True when the head is the embedding (its gradient goes to the embedding).
    var headIsTied: Bool { get }
    /// LoRA adapters applied on top of the base weights, if any.
    var loraAdapters: LoRAAdapters? { get }
}

extension LlamaParameters: LlamaWeightSource {
    public func trainingLayer(_ l: Int) -> Layer { layers[l] }
    public func copyEmbeddingRow(_ id: Int, C: Int, to dst: UnsafeMutablePointer<Float>) {
        embed.withUnsafeBufferPointer { dst.update(from: $0.baseAddress! + id * C, count: C) }
    }
    public func outputHead() -> Tensor { head ?? embed }
    public var finalNormWeight: Tensor { finalNorm }
    public var headIsTied: Bool { head == nil }
    public var loraAdapters: LoRAAdapters? { nil }
}

/// Frozen base weights plus LoRA adapters: y = W·x + (α/r)·B·(A·x) on every adapted linear.
public struct LlamaWithLoRA<Base: LlamaWeightSource>: LlamaWeightSource {
    public var base: Base
    public var adapters: LoRAAdapters
    public init(base: Base, adapters: LoRAAdapters) { (self.base, self.adapters) = (base, adapters) }
    public func trainingLayer(_ l: Int) -> LlamaParameters.Layer { base.trainingLayer(l) }
    public func copyEmbeddingRow(_ id: Int, C: Int, to dst: UnsafeMutablePointer<Float>) { base.copyEmbeddingRow(id, C: C, to: dst) }
    public func outputHead() -> Tensor { base.outputHead() }
    public var finalNormWeight: Tensor { base.finalNormWeight }
    public var headIsTied: Bool { base.headIsTied }
    public var loraAdapters: LoRAAdapters? { adapters }
}

/// A tensor stored as bfloat16 bit patterns (2 bytes per element).
public struct BF16Tensor: Sendable, Equatable {
    public let shape: [Int]
    public private(set) var bits: [UInt16]
    /// `t` rounded to bfloat16 (nearest even).
    public init(_ t: Tensor) { (shape, bits) = (t.shape, BF16.encode(t.scalars)) }
    /// The Float32 values (exact widening).
    public var tensor: Tensor { Tensor(shape: shape, scalars: BF16.decode(bits)) }
    /// Replaces the stored values with `t` rounded to bfloat16 (same shape).
    public mutating func store(_ t: Tensor) {
        precondition(t.shape == shape, "BF16Tensor.store: shape \(t.shape) ≠ \(shape)")
        t.withUnsafeBufferPointer { src in
            bits.withUnsafeMutableBytes { BF16.encode(src.baseAddress!, into: $0.baseAddress!, count: src.count) }
        }
    }
    public var count: Int { bits.count }
}

/// Llama parameters stored in BF16 ("BF16 weights, F32 math"): half the bytes of `LlamaParameters`. The
/// training pass decodes one layer at a time to F32; optimizers update an F32 copy that is rounded back to
/// BF16 (nearest even). Trade-off: an update smaller than half a BF16 ulp of a weight (|ΔW| < 2⁻⁹·|W|) is
/// lost, so small learning rates stall on large weights — the reason mixed-precision trainers keep F32
/// masters. Here memory wins: this is what fits a 1.1B model's step in 8 GiB.
public struct LlamaParametersBF16: Sendable, Equatable, LlamaWeightSource {
    /// The nine tensors of one layer in `LlamaParameters.Layer.tensors` order.
    public struct Layer: Sendable, Equatable {
        public var tensors: [BF16Tensor]
        public init(_ l: LlamaParameters.Layer) { tensors = LlamaParameters.Layer.tensors.map { BF16Tensor(l[keyPath: $0.keyPath]) } }
        public var decoded: LlamaParameters.Layer {
            var out = LlamaParameters.Layer.empty
            for (i, (_, kp)) in LlamaParameters.Layer.tensors.enumerated() { out[keyPath: kp] = tensors[i].tensor }
            return out
        }
    }

    public var embed: BF16Tensor        // (V, C)
    public var layers: [Layer]
    public var finalNorm: BF16Tensor    // (C)
    public var head: BF16Tensor?        // (V, C), nil when tied

    /// Converts `p`, releasing its F32 layers one by one (peak ≈ F32 size + one layer, not F32 + BF16).
    public init(consuming p: inout LlamaParameters) {
        embed = BF16Tensor(p.embed)
        p.embed = Tensor(zeros: [0])
        layers = []
        for l in p.layers.indices {
            layers.append(Layer(p.layers[l]))
            p.layers[l] = .empty
        }
        finalNorm = BF16Tensor(p.finalNorm)
        head = p.head.map(BF16Tensor.init)
        p = .empty
    }

    /// `LlamaParameters.random(d, tied:seed:std:)` rounded to BF16, generated one tensor at a time (same
    /// SplitMix64 stream) so the F32 model never exists in memory.
    public static func random(_ d: LlamaDims, tied: Bool, seed: UInt64, std: Double = 0.02) -> LlamaParametersBF16 {
        var rng = SplitMix64(seed: seed)
        var p = LlamaParameters.empty
        p.embed = Tensor.normal([d.V, d.C], std: std, rng: &rng)
        var out = LlamaParametersBF16(consuming: &p)
        for _ in 0..<d.L {
            var layer = LlamaParameters.Layer(zeros: d)
            for (name, kp) in LlamaParameters.Layer.tensors {
                let shape = layer[keyPath: kp].shape
                layer[keyPath: kp] = name.hasSuffix("norm.weight") ? Tensor(repeating: 1, shape: shape) : Tensor.normal(shape, std: std, rng: &rng)
            }
            out.layers.append(Layer(layer))
        }
        out.finalNorm = BF16Tensor(Tensor(repeating: 1, shape: [d.C]))
        out.head = tied ? nil : BF16Tensor(Tensor.normal([d.V, d.C], std: std, rng: &rng))
        return out
    }

    /// All parameters widened to F32.
    public var decoded: LlamaParameters {
        LlamaParameters(embed: embed.tensor, layers: layers.map(\.decoded), finalNorm: finalNorm.tensor, head: head?.tensor)
    }

    public var parameterCount: Int { embed.count + finalNorm.count + (head?.count ?? 0) + layers.reduce(0) { $0 + $1.tensors.reduce(0) { $0 + $1.count } } }

    public func trainingLayer(_ l: Int) -> LlamaParameters.Layer { layers[l].decoded }
    public func copyEmbeddingRow(_ id: Int, C: Int, to dst: UnsafeMutablePointer<Float>) {
        embed.bits.withUnsafeBytes { BF16.decode($0.baseAddress! + 2 * id * C, into: dst, count: C) }
    }
    public func outputHead() -> Tensor { (head ?? embed).tensor }
    public var finalNormWeight: Tensor { finalNorm.tensor }
    public var headIsTied: Bool { head == nil }
    public var loraAdapters: LoRAAdapters? { nil }

    /// Visits every tensor in canonical order, widened to F32 (read-only).
    public func forEach(_ body: (String, Tensor) throws -> Void) rethrows {
        try body("model.embed_tokens.weight", embed.tensor)
        for (l, layer) in layers.enumerated() {
            for (i, (name, _)) in LlamaParameters.Layer.tensors.enumerated() { try body("model.layers.\(l).\(name)", layer.tensors[i].tensor) }
        }
        try body("model.norm.weight", finalNorm.tensor)
        if let head { try body("lm_head.weight", head.tensor) }
    }

    /// Visits every tensor in canonical order as an F32 copy; the result is rounded back into storage.
    public mutating func updateEach(_ body: (String, inout Tensor) throws -> Void) rethrows {
        try Self.update(&embed, "model.embed_tokens.weight", body)
        for l in layers.indices { try updateLayer(l, body) }
        try updateOuter(skipEmbedding: true, body)
    }

    /// Visits layer `l`'s tensors as F32 copies, storing them back in BF16.
    public mutating func updateLayer(_ l: Int, _ body: (String, inout Tensor) throws -> Void) rethrows {
        for (i, (name, _)) in LlamaParameters.Layer.tensors.enumerated() {
            try Self.update(&layers[l].tensors[i], "model.layers.\(l).\(name)", body)
        }
    }

    /// Visits the embedding (unless skipped), final norm and head as F32 copies, storing them back in BF16.
    public mutating func updateOuter(skipEmbedding: Bool = false, _ body: (String, inout Tensor) throws -> Void) rethrows {
        if !skipEmbedding { try Self.update(&embed, "model.embed_tokens.weight", body) }
        try Self.update(&finalNorm, "model.norm.weight", body)
        if head != nil { try Self.update(&head!, "lm_head.weight", body) }
    }

    private static func update(_ t: inout BF16Tensor, _ name: String, _ body: (String, inout Tensor) throws -> Void) rethrows {
        var f = t.tensor
        try body(name, &f)
        t.store(f)
    }
}
