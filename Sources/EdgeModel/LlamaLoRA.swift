// LoRA adapters for Llama's linear layers with PEFT semantics (peft/tuners/lora/layer.py @ 0.13):
//   y = W·x + (α/r)·B·(A·x),   A: (r, in), B: (out, r), W frozen.
// A is initialised as PEFT's default `init_lora_weights=True` (kaiming_uniform_(a=√5) → U(−1/√in, 1/√in)),
// B = 0, so the adapted model starts exactly at the base model.
import EdgeTensor
import Foundation

/// A Llama linear that LoRA can adapt, named as PEFT's `target_modules`.
public enum LoRATarget: String, CaseIterable, Codable, Sendable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj", gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// Index into `LoRAAdapters.Layer.pairs` (canonical order q, k, v, o, gate, up, down).
    public var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    /// Short CLI name (`--lora-targets q,k,v,o,gate,up,down`).
    public var shortName: String { String(rawValue.dropLast(5)) }
    /// HF submodule path inside a decoder layer (`self_attn.q_proj`, `mlp.gate_proj`).
    public var modulePath: String {
        switch self {
        case .q, .k, .v, .o: return "self_attn." + rawValue
        case .gate, .up, .down: return "mlp." + rawValue
        }
    }
    /// (out, in) of this linear's weight.
    public func shape(_ d: LlamaDims) -> (out: Int, in: Int) {
        switch self {
        case .q: return (d.qDim, d.C)
        case .k, .v: return (d.kvDim, d.C)
        case .o: return (d.C, d.qDim)
        case .gate, .up: return (d.F, d.C)
        case .down: return (d.C, d.F)
        }
    }
    /// The base weight this target adapts.
    public var baseKeyPath: WritableKeyPath<LlamaParameters.Layer, Tensor> {
        switch self {
        case .q: return \.wq
        case .k: return \.wk
        case .v: return \.wv
        case .o: return \.wo
        case .gate: return \.wGate
        case .up: return \.wUp
        case .down: return \.wDown
        }
    }

    /// Parses `q,k,v,o,gate,up,down` (short or `*_proj` names). Throws on unknown or empty lists.
    public static func parseList(_ text: String) throws -> [LoRATarget] {
        var out: [LoRATarget] = []
        for raw in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
            guard let t = LoRATarget(rawValue: raw) ?? allCases.first(where: { $0.shortName == raw }) else {
                throw LoRAError.badConfig("unknown LoRA target '\(raw)' (known: q, k, v, o, gate, up, down)")
            }
            if !out.contains(t) { out.append(t) }
        }
        guard !out.isEmpty else { throw LoRAError.badConfig("--lora-targets is empty") }
        return out.sorted { $0.index < $1.index }
    }
}

/// LoRA hyperparameters: rank r, alpha α (scaling α/r, as PEFT; not rsLoRA), and the adapted linears.
public struct LoRAConfig: Codable, Sendable, Equatable {
    public static let defaultRank = 8
    public static let defaultAlpha = 16.0
    public static let defaultTargets = LoRATarget.allCases

    public var rank: Int
    public var alpha: Double
    public var targets: [LoRATarget]

    public init(rank: Int = Self.defaultRank, alpha: Double = Self.defaultAlpha, targets: [LoRATarget] = Self.defaultTargets) {
        (self.rank, self.alpha, self.targets) = (rank, alpha, targets.sorted { $0.index < $1.index })
    }

    /// The multiplier of the adapter path: α / r.
    public var scaling: Float { Float(alpha / Double(rank)) }

    public func validate() throws {
        guard rank >= 1 else { throw LoRAError.badConfig("--rank must be ≥ 1 for LoRA, got \(rank)") }
        guard alpha > 0, alpha.isFinite else { throw LoRAError.badConfig("--lora-alpha must be positive, got \(alpha)") }
        guard !targets.isEmpty else { throw LoRAError.badConfig("--lora-targets is empty") }
    }
}

/// Errors of LoRA configuration and adapter files.
public enum LoRAError: Error, CustomStringConvertible, Equatable {
    case badConfig(String)
    case badAdapterFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .badConfig(let m): return "invalid LoRA setting: \(m)"
        case .badAdapterFile(let path, let reason): return "\(path): not a usable LoRA adapter (\(reason)); save it again with --save-adapters"
        }
    }
}

/// The trainable adapter matrices of every layer. In `y = W·x + (α/r)·B·(A·x)`, `a` is A (r, in) and `b` is
/// B (out, r). Names follow PEFT's `adapter_model.safetensors`:
/// `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight`.
public struct LoRAAdapters: Sendable, Equatable {
    /// One adapted linear: A (r, in) and B (out, r).
    public struct Pair: Sendable, Equatable {
        public var a: Tensor   // (r, in)   lora_A.weight
        public var b: Tensor   // (out, r)  lora_B.weight
    }
    /// The adapters of one decoder layer, indexed by `LoRATarget.index` (nil = not adapted).
    public struct Layer: Sendable, Equatable {
        public var pairs: [Pair?]
        public subscript(_ t: LoRATarget) -> Pair? {
            get { pairs[t.index] }
            set { pairs[t.index] = newValue }
        }
    }

    public let config: LoRAConfig
    public var layers: [Layer]

    /// All-zero adapters (also the shape of their gradients).
    public init(zeros d: LlamaDims, config: LoRAConfig) {
        self.config = config
        layers = (0..<d.L).map { _ in
            var pairs = [Pair?](repeating: nil, count: LoRATarget.allCases.count)
            for t in config.targets {
                let (out, inn) = t.shape(d)
                pairs[t.index] = Pair(a: Tensor(zeros: [config.rank, inn]), b: Tensor(zeros: [out, config.rank]))
            }
            return Layer(pairs: pairs)
        }
    }

    /// PEFT's default initialisation: A ~ U(−1/√in, 1/√in) (kaiming_uniform_ with a = √5), B = 0. Drawn with
    /// SplitMix64 in `forEach` order (seeded, portable; not torch's RNG stream).
    public static func initialized(_ d: LlamaDims, config: LoRAConfig, seed: UInt64) -> LoRAAdapters {
        var lora = LoRAAdapters(zeros: d, config: config)
        var rng = SplitMix64(seed: seed)
        lora.forEachMutable { name, t in
            guard name.hasSuffix("lora_A.weight") else { return }
            let bound = 1 / Double(t.shape[1]).squareRoot()
            t.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = Float(bound * rng.uniformSigned()) } }
        }
        return lora
    }

    /// PEFT's key prefix of layer `i`'s module `t`.
    public static func moduleName(layer i: Int, _ t: LoRATarget) -> String {
        "base_model.model.model.layers.\(i).\(t.modulePath)"
    }

    /// Visits every adapter matrix mutably with its PEFT name (layer order, then q…down, A before B).
    public mutating func forEachMutable(_ body: (String, inout Tensor) throws -> Void) rethrows {
        for i in layers.indices { try forEachMutable(layer: i, body) }
    }

    /// Visits layer `i`'s adapter matrices mutably with their PEFT names.
    public mutating func forEachMutable(layer i: Int, _ body: (String, inout Tensor) throws -> Void) rethrows {
        for t in LoRATarget.allCases where layers[i][t] != nil {
            let m = Self.moduleName(layer: i, t)
            try body(m + ".lora_A.weight", &layers[i].pairs[t.index]!.a)
            try body(m + ".lora_B.weight", &layers[i].pairs[t.index]!.b)
        }
    }

    /// Visits every adapter matrix with its PEFT name.
    public func forEach(_ body: (String, Tensor) throws -> Void) rethrows {
        var copy = self
        try copy.forEachMutable { try body($0, $1) }
    }

    /// Scalars of all adapters.
    public var parameterCount: Int {
        var n = 0
        forEach { n += $1.count }
        return n
    }

    /// Sets every element to zero, keeping the storage.
    public mutating func zero() {
        forEachMutable { _, t in t.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// The merged weights W' = W + (α/r)·B·A for every adapted linear (what export writes; F32 math).
    public func merged(into base: LlamaParameters) -> LlamaParameters {
        var p = base
        for i in layers.indices {
            for t in LoRATarget.allCases {
                guard let pair = layers[i][t] else { continue }
                let kp = t.baseKeyPath
                let (out, inn) = (p.layers[i][keyPath: kp].shape[0], p.layers[i][keyPath: kp].shape[1])
                pair.b.withUnsafeBufferPointer { b in
                    pair.a.withUnsafeBufferPointer { a in
                        p.layers[i][keyPath: kp].withUnsafeMutableBufferPointer { w in
                            Float.gemm(transA: false, transB: false, m: out, n: inn, k: config.rank, alpha: config.scaling,
                                       a: b.baseAddress!, lda: config.rank, b: a.baseAddress!, ldb: inn, beta: 1,
                                       c: w.baseAddress!, ldc: inn)
                        }
                    }
                }
            }
        }
        return p
    }
}

extension LoRAAdapters.Layer {
    /// A layer with no adapters (the LoRA gradient slot of a pass without LoRA).
    public static let none = LoRAAdapters.Layer(pairs: [LoRAAdapters.Pair?](repeating: nil, count: LoRATarget.allCases.count))
}

extension LlamaTraining {
    /// y (rows, out) = x·Wᵀ + s·(x·Aᵀ)·Bᵀ with s = α/r when `lora` is given (x·Aᵀ goes to `state.loraU`).
    static func adaptedLinear(_ x: UnsafePointer<Float>, _ w: Tensor, _ y: UnsafeMutablePointer<Float>, rows: Int,
                              lora: LoRAAdapters.Pair?, scaling: Float, state st: LlamaTrainState) {
        linear(x, w, y, rows: rows)
        guard let lora else { return }
        let (r, out) = (lora.a.shape[0], w.shape[0])
        precondition(r <= st.loraRank, "LoRA rank \(r) exceeds the train state's loraRank \(st.loraRank)")
        linear(x, lora.a, st.loraU.p, rows: rows)                               // u = x·Aᵀ (rows, r)
        lora.b.withUnsafeBufferPointer { b in                                   // y += s·u·Bᵀ
            Float.gemm(transA: false, transB: true, m: rows, n: out, k: r, alpha: scaling,
                       a: st.loraU.p, lda: r, b: b.baseAddress!, ldb: r, beta: 1, c: y, ldc: out)
        }
    }

    /// Backward of `adaptedLinear`. Base part as `linearBackward` (no dW GEMM when `dW` is empty). Adapter part,
    /// with u = x·Aᵀ recomputed (cheaper than saving it per layer): dB += s·dyᵀ·u, du = s·dy·B, dA += duᵀ·x,
    /// dx += du·A.
    static func adaptedLinearBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: Tensor, dW: inout Tensor,
                                      dx: UnsafeMutablePointer<Float>, accumulate: Bool, rows: Int,
                                      lora: LoRAAdapters.Pair?, loraGrad: inout LoRAAdapters.Pair?, scaling: Float,
                                      state st: LlamaTrainState) {
        linearBackward(dy: dy, x: x, w: w, dW: &dW, dx: dx, accumulate: accumulate, rows: rows)
        guard let lora else { return }
        let (r, out, inn) = (lora.a.shape[0], w.shape[0], w.shape[1])
        let (u, du) = (st.loraU.p, st.loraDU.p)
        linear(x, lora.a, u, rows: rows)
        if loraGrad != nil {
            loraGrad!.b.withUnsafeMutableBufferPointer { db in
                Float.gemm(transA: true, transB: false, m: out, n: r, k: rows, alpha: scaling,
                           a: dy, lda: out, b: u, ldb: r, beta: 1, c: db.baseAddress!, ldc: r)
            }
        }
        lora.b.withUnsafeBufferPointer { b in
            Float.gemm(transA: false, transB: false, m: rows, n: r, k: out, alpha: scaling,
                       a: dy, lda: out, b: b.baseAddress!, ldb: r, beta: 0, c: du, ldc: r)
        }
        if loraGrad != nil {
            loraGrad!.a.withUnsafeMutableBufferPointer { da in
                Float.gemm(transA: true, transB: false, m: r, n: inn, k: rows, alpha: 1,
                           a: du, lda: r, b: x, ldb: inn, beta: 1, c: da.baseAddress!, ldc: inn)
            }
        }
        lora.a.withUnsafeBufferPointer { a in
            Float.gemm(transA: false, transB: false, m: rows, n: inn, k: r, alpha: 1,
                       a: du, lda: r, b: a.baseAddress!, ldb: inn, beta: 1, c: dx, ldc: inn)
        }
    }
}
