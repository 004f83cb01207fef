import EdgeTensor
import Foundation

/// Hyperparameters of the transformers-form AdamW (reference/optimizers.md §1) used by every
/// GaLore-family optimizer, in Double so the Float64 engine reproduces the reference to 1e-10.
public struct AdamHyperparameters: Sendable, Equatable {
    public static let defaultBeta1 = 0.9
    public static let defaultBeta2 = 0.999
    /// The reference code default (the GaLore paper text says 1e-8, but the scripts never pass it).
    public static let defaultEps = 1e-6
    public static let defaultWeightDecay = 0.0

    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public var correctBias: Bool

    public init(beta1: Double = Self.defaultBeta1, beta2: Double = Self.defaultBeta2, eps: Double = Self.defaultEps,
                weightDecay: Double = Self.defaultWeightDecay, correctBias: Bool = true) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.correctBias = correctBias
    }

    public func validate() throws {
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw OptimizerError.badHyperparameter("betas must be in [0, 1)") }
        guard eps > 0 else { throw OptimizerError.badHyperparameter("eps must be positive") }
        guard weightDecay >= 0 else { throw OptimizerError.badHyperparameter("weight decay must be ≥ 0") }
    }

    /// Step size after `t` steps: a = lr·√(1−β2ᵗ)/(1−β1ᵗ) with bias correction, else lr.
    public func stepSize(lr: Double, step t: Int) -> Double {
        guard correctBias else { return lr }
        return lr * (1 - pow(beta2, Double(t))).squareRoot() / (1 - pow(beta1, Double(t)))
    }
}

/// Adam moments M, V of one (possibly projected) tensor of `count` elements, in full precision (`S`) or
/// as bitsandbytes block-wise 8-bit codes (signed map for M, unsigned for V, 256-element blocks). As in
/// bitsandbytes, tensors with fewer than `minQuantizedCount` elements stay in full precision.
///
/// One step (`advance`): t ← t+1; M ← β1·M + (1−β1)·R; V ← β2·V + (1−β2)·R²; N = M/(√V + ε);
/// with 8-bit storage each block is dequantized, updated in Float32, used for N, then re-quantized with
/// the block's new absmax (bitsandbytes' blockwise kernel order).
public struct AdamMoments<S: LAPACKScalar>: Sendable {
    public static var minQuantizedCount: Int { 4096 }

    public let count: Int
    /// Steps taken (t of the bias correction).
    public var step: Int = 0
    var m: [S] = []
    var v: [S] = []
    var qm: BlockQuantized?
    var qv: BlockQuantized?

    public init(count: Int, bits: StateBits) {
        self.count = count
        if bits == .int8 && count >= Self.minQuantizedCount {
            qm = BlockQuantized(count: count, signed: true)
            qv = BlockQuantized(count: count, signed: false)
        } else {
            m = [S](repeating: 0, count: count)
            v = m
        }
    }

    public var isQuantized: Bool { qm != nil }

    /// Bytes held by the moments (codes + block scales when quantized).
    public var bytes: Int {
        if let qm, let qv { return qm.bytes + qv.bytes }
        return (m.count + v.count) * MemoryLayout<S>.stride
    }

    /// Bytes `AdamMoments(count:bits:)` will hold, for memory estimates.
    public static func bytes(count: Int, bits: StateBits) -> Int {
        if bits == .int8 && count >= minQuantizedCount { return 2 * BlockQuantized.bytes(count: count) }
        return 2 * count * MemoryLayout<S>.stride
    }

    /// Advances one step with gradient `r` (length `count`), writes N = M/(√V+ε) into `n`, and returns
    /// the step size a of reference §1 (the caller applies W ← W − a·back(N)).
    @discardableResult
    public mutating func advance(gradient r: UnsafePointer<S>, into n: UnsafeMutablePointer<S>,
                                 hyper h: AdamHyperparameters, lr: Double) -> Double {
        step += 1
        if qm != nil {
            advanceQuantized(r, n, h)
        } else {
            m.withUnsafeMutableBufferPointer { pm in
                v.withUnsafeMutableBufferPointer { pv in
                    ScalarKernels.adam(m: pm.baseAddress!, v: pv.baseAddress!, r: r, n: n, count: count, hyper: h)
                }
            }
        }
        return h.stepSize(lr: lr, step: step)
    }

    private mutating func advanceQuantized(_ r: UnsafePointer<S>, _ n: UnsafeMutablePointer<S>, _ h: AdamHyperparameters) {
        let bs = BlockQuantized.defaultBlockSize
        let (b1, b2, eps) = (Float(h.beta1), Float(h.beta2), Float(h.eps))
        let (c1, c2) = (1 - b1, 1 - b2)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * bs) { buf in
            let bm = buf.baseAddress!, bv = bm + bs, bg = bv + bs, bn = bg + bs
            for b in 0..<qm!.absmax.count {
                let range = qm!.blockRange(b)
                qm!.loadBlock(b, into: bm)
                qv!.loadBlock(b, into: bv)
                ScalarKernels.toFloat(r + range.lowerBound, bg, range.count)
                ScalarKernels.adamBody(bm, bv, bg, bn, range.count, b1, b2, c1, c2, eps)
                ScalarKernels.fromFloat(bn, n + range.lowerBound, range.count)
                qm!.storeBlock(b, from: bm)
                qv!.storeBlock(b, from: bv)
            }
        }
    }

    /// Current M and V in full precision (dequantized when 8-bit).
    public func values() -> (m: [S], v: [S]) {
        if let qm, let qv { return (qm.dequantized().map { S($0) }, qv.dequantized().map { S($0) }) }
        return (m, v)
    }

    /// Replaces M and V (same storage kind; re-quantized when 8-bit) — used when a basis change maps the
    /// moments into a new subspace (AdaRankGrad). The step counter is kept.
    public mutating func replace(m newM: [S], v newV: [S]) {
        precondition(newM.count == count && newV.count == count, "moment size mismatch")
        if qm != nil {
            qm = BlockQuantized(newM.map { Float($0) }, signed: true)
            qv = BlockQuantized(newV.map { Float($0) }, signed: false)
        } else {
            m = newM
            v = newV
        }
    }

    // MARK: checkpoint form

    /// Named tensors (Float32 values; 8-bit codes are stored as exact small integers).
    func state(prefix p: String) -> [String: Tensor] {
        var d: [String: Tensor] = [p + "step": Tensor(shape: [1], scalars: [Float(step)])]
        if let qm, let qv {
            d[p + "exp_avg.codes"] = Tensor(shape: [count], scalars: qm.codes.map(Float.init))
            d[p + "exp_avg.absmax"] = Tensor(shape: [qm.absmax.count], scalars: qm.absmax)
            d[p + "exp_avg_sq.codes"] = Tensor(shape: [count], scalars: qv.codes.map(Float.init))
            d[p + "exp_avg_sq.absmax"] = Tensor(shape: [qv.absmax.count], scalars: qv.absmax)
        } else if S.self == Float.self {
            d[p + "exp_avg"] = Tensor(shape: [count], scalars: m.map { Float($0) })
            d[p + "exp_avg_sq"] = Tensor(shape: [count], scalars: v.map { Float($0) })
        } else {
            d[p + "exp_avg.f64"] = StateCodec.encode(m.map { Double($0) })
            d[p + "exp_avg_sq.f64"] = StateCodec.encode(v.map { Double($0) })
        }
        return d
    }

    /// Restores `state(prefix:)` output into moments created with the same `count` and bits.
    mutating func load(_ d: [String: Tensor], prefix p: String) throws {
        step = try StateCodec.int(d, p + "step")
        if qm != nil {
            let cm = try StateCodec.codes(d, p + "exp_avg.codes", count: count)
            let cv = try StateCodec.codes(d, p + "exp_avg_sq.codes", count: count)
            qm = try BlockQuantized(codes: cm, absmax: try StateCodec.tensor(d, p + "exp_avg.absmax").scalars, signed: true)
            qv = try BlockQuantized(codes: cv, absmax: try StateCodec.tensor(d, p + "exp_avg_sq.absmax").scalars, signed: false)
        } else if S.self == Float.self {
            let a = try StateCodec.tensor(d, p + "exp_avg", count: count), b = try StateCodec.tensor(d, p + "exp_avg_sq", count: count)
            m = a.scalars.map { S($0) }
            v = b.scalars.map { S($0) }
        } else {
            m = try StateCodec.decode(d, p + "exp_avg.f64", count: count).map { S($0) }
            v = try StateCodec.decode(d, p + "exp_avg_sq.f64", count: count).map { S($0) }
        }
    }
}

/// Exact encodings of optimizer state in `[String: Tensor]` (Float32) checkpoints.
enum StateCodec {
    /// Doubles (or any 64-bit pattern) as four exact 16-bit chunks per value: shape (count, 4).
    static func encode(_ x: [Double]) -> Tensor { encodeBits(x.map { $0.bitPattern }) }

    static func encodeBits(_ x: [UInt64]) -> Tensor {
        var s = [Float](repeating: 0, count: 4 * x.count)
        for (i, b) in x.enumerated() { for j in 0..<4 { s[4 * i + j] = Float((b >> (16 * UInt64(j))) & 0xffff) } }
        return Tensor(shape: [x.count, 4], scalars: s)
    }

    static func decodeBits(_ d: [String: Tensor], _ key: String, count: Int? = nil) throws -> [UInt64] {
        let t = try tensor(d, key)
        guard t.count % 4 == 0, count == nil || t.count == 4 * count! else {
            throw OptimizerError.stateMismatch("\(key) has \(t.count) entries, expected \(4 * (count ?? 0))")
        }
        return (0..<(t.count / 4)).map { i in
            (0..<4).reduce(UInt64(0)) { $0 | (UInt64(t.scalars[4 * i + $1]) << (16 * UInt64($1))) }
        }
    }

    static func decode(_ d: [String: Tensor], _ key: String, count: Int? = nil) throws -> [Double] {
        try decodeBits(d, key, count: count).map { Double(bitPattern: $0) }
    }

    static func tensor(_ d: [String: Tensor], _ key: String, count: Int? = nil) throws -> Tensor {
        guard let t = d[key] else { throw OptimizerError.stateMismatch("missing \(key)") }
        if let count, t.count != count { throw OptimizerError.stateMismatch("\(key) has \(t.count) entries, expected \(count)") }
        return t
    }

    static func int(_ d: [String: Tensor], _ key: String) throws -> Int {
        let t = try tensor(d, key, count: 1)
        return Int(t.scalars[0])
    }

    static func codes(_ d: [String: Tensor], _ key: String, count: Int) throws -> [UInt8] {
        try tensor(d, key, count: count).scalars.map { x in
            guard x >= 0, x <= 255, x == x.rounded() else { throw OptimizerError.stateMismatch("\(key) holds a non-code value \(x)") }
            return UInt8(x)
        }
    }

    /// Matrices of generic scalars: Float stored directly, Double through `encode`.
    static func matrix<S: LAPACKScalar>(_ x: [S], rows: Int, cols: Int) -> Tensor {
        if S.self == Float.self { return Tensor(shape: [rows, cols], scalars: x.map { Float($0) }) }
        return encode(x.map { Double($0) })
    }

    static func loadMatrix<S: LAPACKScalar>(_ d: [String: Tensor], _ key: String, count: Int) throws -> [S] {
        if S.self == Float.self { return try tensor(d, key, count: count).scalars.map { S($0) } }
        return try decode(d, key, count: count).map { S($0) }
    }
}
