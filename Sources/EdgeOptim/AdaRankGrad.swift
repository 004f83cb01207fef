// AdaRankGrad (Refael et al., arXiv 2410.17881, ICLR 2025), reference/optimizers.md §4. No official code is
// public and the paper's full text was not available: what is implemented, and what is our choice, is listed
// on `AdaRankGrad` below.
import EdgeTensor

/// Halko–Martinsson–Tropp randomized range finder and the energy rule that picks the rank.
public enum RandomizedSubspace {
    /// Orthonormal basis (columns, m×l row-major) of the range of A (m×n row-major, or its transpose when
    /// `transposed`: A = Bᵀ for stored B n×m), l = min(width, m, n):
    ///   Y = A·Ω (Ω Gaussian n×l from `rng`);  repeat q times: Y = A·(Aᵀ·orth(Y));  Q = orth(Y)  (QR, LAPACK geqrf/orgqr).
    public static func rangeFinder(_ a: UnsafePointer<Float>, rows m: Int, cols n: Int, transposed: Bool, width: Int,
                                   powerIterations q: Int, rng: inout SplitMix64) throws -> Tensor {
        // The stored matrix is (m×n) if !transposed, else (n×m) and A = storedᵀ.
        let l = min(width, m, n)
        var omega = Tensor(zeros: [n, l])
        for i in 0..<omega.count { omega.scalars[i] = Float(rng.normal()) }
        let ld = transposed ? m : n
        func applyA(_ x: Tensor) -> Tensor {          // A·x, x is n×l → m×l
            var y = Tensor(zeros: [m, x.cols])
            x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
                Float.gemm(transA: transposed, transB: false, m: m, n: x.cols, k: n, alpha: 1, a: a, lda: ld,
                           b: px.baseAddress!, ldb: x.cols, beta: 0, c: py.baseAddress!, ldc: x.cols)
            } }
            return y
        }
        func applyAT(_ x: Tensor) -> Tensor {         // Aᵀ·x, x is m×l → n×l
            var y = Tensor(zeros: [n, x.cols])
            x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
                Float.gemm(transA: !transposed, transB: false, m: n, n: x.cols, k: m, alpha: 1, a: a, lda: ld,
                           b: px.baseAddress!, ldb: x.cols, beta: 0, c: py.baseAddress!, ldc: x.cols)
            } }
            return y
        }
        var y = try qr(applyA(omega)).q
        for _ in 0..<q { y = try qr(applyA(try qr(applyAT(y)).q)).q }
        return y
    }

    /// Top singular vectors of G (m×n) by the range finder: the left ones (m×r, `left`) or the right ones
    /// (returned as n×r columns), r chosen by `rank(singularValues:…)` from the sketch's σ and the exact ‖G‖²_F.
    /// Sketch width l = min(maxRank + oversampling, m, n); B = Qᵀ·A (l×other) and A's vectors are Q·U_B.
    /// Canonical signs (reference §8.2) on each kept column.
    public static func basis(of g: UnsafePointer<Float>, rows m: Int, cols n: Int, left: Bool, maxRank: Int, minRank: Int,
                             energy: Double, oversampling: Int, powerIterations: Int,
                             rng: inout SplitMix64) throws -> (basis: [Float], rank: Int) {
        let (dim, other) = left ? (m, n) : (n, m)
        let width = min(maxRank + oversampling, dim, other)
        let q = try rangeFinder(g, rows: dim, cols: other, transposed: !left, width: width, powerIterations: powerIterations, rng: &rng)
        let l = q.cols
        var b = Tensor(zeros: [l, other])
        q.withUnsafeBufferPointer { pq in b.withUnsafeMutableBufferPointer { pb in
            Float.gemm(transA: true, transB: !left, m: l, n: other, k: dim, alpha: 1, a: pq.baseAddress!, lda: l,
                       b: g, ldb: n, beta: 0, c: pb.baseAddress!, ldc: other)
        } }
        let d = try svd(b)
        var total = 0.0
        for i in 0..<(m * n) { total += Double(g[i]) * Double(g[i]) }
        let r = rank(singularValues: d.s.map(Double.init), total: total, energy: energy, minRank: min(minRank, l), maxRank: min(maxRank, l))
        let full = matmul(q, d.u).scalars                      // dim×l
        var basis = (0..<dim).flatMap { i in full[i * l ..< i * l + r] }
        GaLoreProjector<Float>.canonicalizeColumns(&basis, rows: dim, cols: r)
        return (basis, r)
    }

    /// Smallest r in [minRank, maxRank] with Σ_{i≤r} σᵢ² ≥ energy·total (maxRank if none reaches it).
    /// `total` is ‖G‖²_F, so the rule is ‖G − G_r‖²_F ≤ (1 − energy)·‖G‖²_F when σ are G's singular values.
    public static func rank(singularValues s: [Double], total: Double, energy: Double, minRank: Int, maxRank: Int) -> Int {
        let hi = min(maxRank, s.count)
        var acc = 0.0
        for r in 1...max(hi, 1) {
            acc += r <= s.count ? s[r - 1] * s[r - 1] : 0
            if r >= minRank && acc >= energy * total { return r }
        }
        return max(hi, 1)
    }
}

/// AdaRankGrad: GaLore with a rank chosen at every subspace change from the gradient's spectrum, a randomized
/// subspace, a convergence-triggered refresh, and moments carried into the new subspace.
///
/// Implemented (per projected m×n weight; the side is GaLore `std`: the smaller dimension is compressed):
/// - Subspace: randomized range finder (`RandomizedSubspace.rangeFinder`) of width r_max + `oversampling` with
///   `powerIterations`, then the SVD of the small l×(larger dim) sketch gives the top singular vectors and σ.
/// - Rank: the smallest r ∈ [minRank, r_max] keeping `energy` of ‖G‖²_F (sketch σ against the exact ‖G‖_F).
/// - Refresh: at the first step; when the projected gradient stops changing,
///   ‖R_t − R_{t−1}‖_F ≤ `convergenceThreshold`·‖R_{t−1}‖_F (R_{t−1} kept in BF16); or after `maxPeriod` steps.
/// - Moment transfer at a refresh (basis B_old → B_new, T = B_oldᵀ·B_new, r_old×r_new):
///   M ← Tᵀ·M (left) or M·T (right); V ← (T∘T)ᵀ·V or V·(T∘T), which keeps V ≥ 0; t and bias correction go on.
/// - Update: transformers-form AdamW with scale α, as GaLore.
/// Our choices where the paper could not be read (reference §4, open question 1): the exact information
/// threshold (we use the energy fraction above; default 0.96 = the third-party relative residual 0.2), the
/// convergence test and its ε (relative change above; default 0.05), the maximum period (`maxPeriod`, default
/// 200 = GaLore's T), oversampling (8) and power iterations (2) (HMT's usual values), and the transform of V
/// (the paper's summary writes R·v, which can go negative; we use (R∘R)·v).
public final class AdaRankGrad: Optimizer {
    public struct Settings: Sendable, Equatable {
        public static let defaultMaxRank = 128
        public static let defaultMinRank = 4
        public static let defaultEnergy = 0.96
        public static let defaultOversampling = 8
        public static let defaultPowerIterations = 2
        public static let defaultConvergenceThreshold = 0.05
        public static let defaultMaxPeriod = 200
        public static let defaultSeed: UInt64 = 0x5EED

        public var maxRank: Int
        public var minRank: Int
        public var energy: Double
        public var oversampling: Int
        public var powerIterations: Int
        public var convergenceThreshold: Double
        public var maxPeriod: Int
        public var scale: Double
        public var stateBits: StateBits
        public var seed: UInt64
        public var adam: AdamHyperparameters

        public init(maxRank: Int = Self.defaultMaxRank, minRank: Int = Self.defaultMinRank, energy: Double = Self.defaultEnergy,
                    oversampling: Int = Self.defaultOversampling, powerIterations: Int = Self.defaultPowerIterations,
                    convergenceThreshold: Double = Self.defaultConvergenceThreshold, maxPeriod: Int = Self.defaultMaxPeriod,
                    scale: Double = GaLore.Settings.defaultScale, stateBits: StateBits = .full, seed: UInt64 = Self.defaultSeed,
                    adam: AdamHyperparameters = AdamHyperparameters()) {
            self.maxRank = maxRank
            self.minRank = minRank
            self.energy = energy
            self.oversampling = oversampling
            self.powerIterations = powerIterations
            self.convergenceThreshold = convergenceThreshold
            self.maxPeriod = maxPeriod
            self.scale = scale
            self.stateBits = stateBits
            self.seed = seed
            self.adam = adam
        }

        public func validate() throws {
            guard maxRank >= 1, (1...maxRank).contains(minRank) else {
                throw OptimizerError.badHyperparameter("ranks need 1 ≤ min rank ≤ --rank, got \(minRank) and \(maxRank)")
            }
            guard energy > 0, energy <= 1 else { throw OptimizerError.badHyperparameter("energy fraction must be in (0, 1], got \(energy)") }
            guard oversampling >= 0, powerIterations >= 0, maxPeriod >= 1, convergenceThreshold >= 0, scale > 0 else {
                throw OptimizerError.badHyperparameter("oversampling, power iterations, threshold must be ≥ 0; --update-gap and --scale positive")
            }
            try adam.validate()
        }
    }

    /// One projected matrix.
    public struct Parameter: Sendable {
        public var projector: GaLoreProjector<Float>
        public var moments: AdamMoments<Float>
        var previous: [UInt16] = []      // R_{t−1} in BF16, for the convergence test
        var lastRefresh = 0
        var rng: SplitMix64
        /// Ranks chosen at each refresh (not checkpointed; for tests and logs).
        public internal(set) var rankHistory: [Int] = []

        init(rows: Int, cols: Int, settings: Settings, seed: UInt64) {
            projector = GaLoreProjector(rows: rows, cols: cols, rank: settings.maxRank, side: GaLoreProjectionType.std.side(rows: rows, cols: cols))
            moments = AdamMoments(count: 0, bits: settings.stateBits)
            rng = SplitMix64(seed: seed)
        }

        public var bytes: Int { projector.bytes + moments.bytes + 2 * previous.count }
    }

    public let settings: Settings
    public var projects: (String, [Int]) -> Bool = GaLore.isProjectable
    var projected: [String: Parameter] = [:]
    let table = LowRankTable()
    var workspace: [Float] = []

    public init(_ settings: Settings = Settings()) throws {
        try settings.validate()
        self.settings = settings
    }

    public func update(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float) throws {
        guard projects(name, parameter.shape) else {
            table.plainUpdate(name, parameter: &parameter, gradient: gradient, lr: lr, hyper: settings.adam, bits: settings.stateBits)
            return
        }
        precondition(parameter.shape == gradient.shape, "\(name): gradient shape \(gradient.shape) ≠ parameter \(parameter.shape)")
        var st = projected.removeValue(forKey: name)
            ?? Parameter(rows: parameter.rows, cols: parameter.cols, settings: settings, seed: settings.seed ^ Self.fnv1a(name))
        defer { projected[name] = st }
        try gradient.withUnsafeBufferPointer { pg in
            try parameter.withUnsafeMutableBufferPointer { pw in
                try step(&st, weight: pw.baseAddress!, gradient: pg.baseAddress!, lr: Double(lr))
            }
        }
    }

    /// The state of one projected matrix (nil before its first update).
    public func parameterState(_ name: String) -> Parameter? { projected[name] }

    func step(_ st: inout Parameter, weight w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, lr: Double) throws {
        let s = settings
        var refresh = !st.projector.hasBasis || st.moments.step - st.lastRefresh >= s.maxPeriod
        let needed = 3 * min(s.maxRank, st.projector.rows, st.projector.cols) * max(st.projector.rows, st.projector.cols)
        if workspace.count < needed { workspace = [Float](repeating: 0, count: needed) }
        try workspace.withUnsafeMutableBufferPointer { ws in
            let r = ws.baseAddress!, n = r + needed / 3
            if !refresh {   // has the projected gradient stopped changing?
                st.projector.project(g, into: r, scratch: n)
                var diff = 0.0, prev = 0.0
                for i in 0..<st.previous.count {
                    let p = Double(BF16.float(bits: st.previous[i]))
                    diff += (Double(r[i]) - p) * (Double(r[i]) - p)
                    prev += p * p
                }
                refresh = prev > 0 && diff <= s.convergenceThreshold * s.convergenceThreshold * prev
            }
            if refresh {
                try newSubspace(&st, gradient: g, lr: lr)
                st.projector.project(g, into: r, scratch: n)
            }
            let k = st.projector.lowRankCount
            st.previous = BF16.encode(Array(UnsafeBufferPointer(start: r, count: k)))
            let a = st.moments.advance(gradient: r, into: n, hyper: s.adam, lr: lr)
            st.projector.addBack(n, alpha: Float(-a * s.scale), to: w, scratch: n + k)
        }
        GaLoreParameter<Float>.decay(w, count: st.projector.rows * st.projector.cols, lr: lr, weightDecay: s.adam.weightDecay)
    }

    /// New basis and rank from G; moments mapped from the old basis (zeros at the first refresh).
    func newSubspace(_ st: inout Parameter, gradient g: UnsafePointer<Float>, lr: Double) throws {
        let (m, n) = (st.projector.rows, st.projector.cols)
        let left = st.projector.side == .left
        let s = settings
        let (basis, r) = try RandomizedSubspace.basis(of: g, rows: m, cols: n, left: left, maxRank: s.maxRank, minRank: s.minRank,
                                                      energy: s.energy, oversampling: s.oversampling,
                                                      powerIterations: s.powerIterations, rng: &st.rng)
        let newP = left ? basis : [], newQ = left ? [] : Tensor(shape: [n, r], scalars: basis).transposed().scalars
        try transferMoments(&st, newP: newP, newQ: newQ, newRank: r)
        st.projector.setBasis(p: newP, q: newQ, rank: r)
        st.lastRefresh = st.moments.step
        st.previous = []
        st.rankHistory.append(r)
    }

    /// M, V into the new basis: T = B_oldᵀB_new; M ← TᵀM | M·T, V ← (T∘T)ᵀV | V·(T∘T).
    func transferMoments(_ st: inout Parameter, newP: [Float], newQ: [Float], newRank r: Int) throws {
        let (m, n) = (st.projector.rows, st.projector.cols)
        let left = st.projector.side == .left
        let newCount = left ? r * n : m * r
        var fresh = AdamMoments<Float>(count: newCount, bits: settings.stateBits)
        fresh.step = st.moments.step
        if st.projector.hasBasis && st.moments.count > 0 {
            let r0 = st.projector.rank
            let old = left ? Tensor(shape: [m, r0], scalars: st.projector.p) : Tensor(shape: [r0, n], scalars: st.projector.q)
            let new = left ? Tensor(shape: [m, r], scalars: newP) : Tensor(shape: [r, n], scalars: newQ)
            let t = left ? matmul(old, new, transposeA: true) : matmul(old, new, transposeB: true)   // r0×r
            let t2 = Tensor(shape: t.shape, scalars: t.scalars.map { $0 * $0 })
            let (mv, vv) = st.moments.values()
            let mt = left ? Tensor(shape: [r0, n], scalars: mv) : Tensor(shape: [m, r0], scalars: mv)
            let vt = left ? Tensor(shape: [r0, n], scalars: vv) : Tensor(shape: [m, r0], scalars: vv)
            let m2 = left ? matmul(t, mt, transposeA: true) : matmul(mt, t)
            let v2 = left ? matmul(t2, vt, transposeA: true) : matmul(vt, t2)
            fresh.replace(m: m2.scalars, v: v2.scalars.map { max($0, 0) })
        }
        st.moments = fresh
    }

    static func fnv1a(_ s: String) -> UInt64 {
        s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// Exact bytes held: bases, moments at the current ranks, BF16 previous projected gradients, plain moments.
    public var stateBytes: Int { projected.values.reduce(0) { $0 + $1.bytes } + table.stateBytes }

    public func stateDict() -> [String: Tensor] {
        var d = table.stateDict()
        for (name, st) in projected {
            let p = name + "/"
            d.merge(st.projector.state(prefix: p).merging(st.moments.state(prefix: p)) { a, _ in a }) { a, _ in a }
            d[p + "adarank_shape"] = Tensor(shape: [2], scalars: [Float(st.projector.rows), Float(st.projector.cols)])
            d[p + "adarank_meta"] = Tensor(shape: [2], scalars: [Float(st.lastRefresh), Float(st.moments.count)])
            d[p + "adarank_previous"] = Tensor(shape: [st.previous.count], scalars: st.previous.map(Float.init))
            d[p + "adarank_rng"] = StateCodec.encodeBits([st.rng.state])
        }
        return d
    }

    public func loadStateDict(_ d: [String: Tensor]) throws {
        var loaded: [String: Parameter] = [:]
        for key in d.keys where key.hasSuffix("/adarank_shape") {
            let name = String(key.dropLast("/adarank_shape".count)), p = name + "/"
            let shape = d[key]!.scalars.map(Int.init)
            guard shape.count == 2, shape[0] > 0, shape[1] > 0 else { throw OptimizerError.stateMismatch("\(key) = \(shape)") }
            var st = Parameter(rows: shape[0], cols: shape[1], settings: settings, seed: 0)
            let meta = try StateCodec.tensor(d, p + "adarank_meta", count: 2).scalars.map(Int.init)
            try st.projector.load(d, prefix: p)
            st.moments = AdamMoments(count: meta[1], bits: settings.stateBits)
            try st.moments.load(d, prefix: p)
            st.lastRefresh = meta[0]
            st.previous = try StateCodec.tensor(d, p + "adarank_previous").scalars.map { UInt16($0) }
            st.rng = SplitMix64(seed: try StateCodec.decodeBits(d, p + "adarank_rng", count: 1)[0])
            loaded[name] = st
        }
        try table.loadStateDict(d, settings: GaLore.Settings(stateBits: settings.stateBits, adam: settings.adam), natural: nil)
        projected = loaded
    }

    /// Upper bound of `stateBytes` from shapes: every projected matrix at r_max (ranks only shrink below it).
    public static func estimatedStateBytes(shapes: [(name: String, shape: [Int])], settings: Settings,
                                           projects: (String, [Int]) -> Bool = GaLore.isProjectable) -> Int {
        shapes.reduce(0) { total, p in
            guard projects(p.name, p.shape) else { return total + AdamMoments<Float>.bytes(count: p.shape.reduce(1, *), bits: settings.stateBits.forPlain(p.name)) }
            let (m, n) = (p.shape[0], p.shape[1]), r = min(settings.maxRank, m, n), k = r * max(m, n)
            return total + GaLoreProjector<Float>.bytes(rows: m, cols: n, rank: r, side: GaLoreProjectionType.std.side(rows: m, cols: n))
                + AdamMoments<Float>.bytes(count: k, bits: settings.stateBits) + 2 * k
        }
    }
}
