// galore_torch/galore_projector.py @ galore-torch 1.0 (PyPI), with the canonical sign rule of
// reference/optimizers.md §8.2 and the side table of §2.1 (no crash for reverse_std on wide matrices).
import EdgeTensor

/// GaLore's `proj_type` (reference §2.1). The side depends only on the gradient's shape m×n.
public enum GaLoreProjectionType: String, Sendable, CaseIterable, Codable {
    case std, reverseStd = "reverse_std", left, right, full

    /// | type | m ≥ n | m < n |  — `std` compresses the smaller dimension, `reverse_std` the larger.
    public func side(rows m: Int, cols n: Int) -> ProjectionSide {
        switch self {
        case .std: return m >= n ? .right : .left
        case .reverseStd: return m >= n ? .left : .right
        case .left: return .left
        case .right: return .right
        case .full: return .both
        }
    }
}

/// Which singular vectors form the basis: left R = PᵀG (r'×n), right R = G·Qᵀ (m×r'), both R = PᵀG·Qᵀ (r'×r').
public enum ProjectionSide: String, Sendable {
    case left, right, both
}

/// Precision of the projector's SVD: galore-torch always casts to Float32; Float64 reproduces the
/// canonical-sign fixtures to 1e-10 (it is also more robust to near-equal singular values).
public enum SVDPrecision: String, Sendable, CaseIterable {
    case float32, float64
}

/// The orthonormal basis of one GaLore-projected matrix (m×n, row-major) and its maps.
///
/// Refresh: thin SVD G = U·Σ·Vᵀ; keep P = U[:, :r'] (m×r') and/or Q = Vᵀ[:r', :] (r'×n), r' = min(r, m, n)
/// (a rank above a dimension is a lossless rotation). Each kept vector (column of P, row of Q) is negated
/// when its entry of largest magnitude (lowest index on ties) is negative.
/// Maps: project(G) = PᵀG | G·Qᵀ | PᵀG·Qᵀ;  back(N) = P·N | N·Q | P·N·Q.
public struct GaLoreProjector<S: LAPACKScalar>: Sendable {
    public let rows: Int
    public let cols: Int
    public let side: ProjectionSide
    /// Effective rank r' (may change only through `setBasis`, as AdaRankGrad does).
    public private(set) var rank: Int
    /// P, m×r' row-major (left and both); empty otherwise.
    public private(set) var p: [S] = []
    /// Q, r'×n row-major (right and both); empty otherwise.
    public private(set) var q: [S] = []

    public init(rows: Int, cols: Int, rank: Int, side: ProjectionSide) {
        precondition(rows > 0 && cols > 0 && rank > 0, "projector needs positive sizes, got \(rows)×\(cols) rank \(rank)")
        self.rows = rows
        self.cols = cols
        self.side = side
        self.rank = min(rank, rows, cols)
    }

    public var hasBasis: Bool { !p.isEmpty || !q.isEmpty }

    /// Shape of the low-rank gradient R.
    public var lowRankShape: (rows: Int, cols: Int) {
        switch side {
        case .left: return (rank, cols)
        case .right: return (rows, rank)
        case .both: return (rank, rank)
        }
    }

    public var lowRankCount: Int { lowRankShape.rows * lowRankShape.cols }

    /// Bytes of the basis.
    public var bytes: Int { (p.count + q.count) * MemoryLayout<S>.stride }

    /// Basis bytes for an m×n matrix at rank r (memory estimates).
    public static func bytes(rows m: Int, cols n: Int, rank r: Int, side: ProjectionSide) -> Int {
        let k = min(r, m, n)
        let elements = side == .left ? m * k : side == .right ? k * n : (m + n) * k
        return elements * MemoryLayout<S>.stride
    }

    /// Recomputes the basis from gradient `g` (m×n) by a thin SVD in `precision`.
    public mutating func refresh(gradient g: UnsafePointer<S>, precision: SVDPrecision) throws {
        let count = rows * cols
        switch precision {
        case .float32:
            var t = Tensor(zeros: [rows, cols])
            t.withUnsafeMutableBufferPointer { ScalarKernels.toFloat(g, $0.baseAddress!, count) }
            try keep(svd(t))
        case .float64:
            var t = Tensor64(zeros: [rows, cols])
            t.withUnsafeMutableBufferPointer { ScalarKernels.widen(g, $0.baseAddress!, count) }
            try keep(svd(t))
        }
    }

    private mutating func keep<T: LAPACKScalar>(_ d: SVD<T>) {
        let k = d.s.count, r = rank
        if side != .right {
            var pp = [S](repeating: 0, count: rows * r)
            for i in 0..<rows { for j in 0..<r { pp[i * r + j] = S(d.u.scalars[i * k + j]) } }
            Self.canonicalizeColumns(&pp, rows: rows, cols: r)
            p = pp
        }
        if side != .left {
            var qq = Array(d.vt.scalars[0 ..< r * cols]).map { S($0) }
            Self.canonicalizeRows(&qq, rows: r, cols: cols)
            q = qq
        }
    }

    /// Installs a basis computed elsewhere (AdaRankGrad's randomized range finder); the rank may change.
    public mutating func setBasis(p newP: [S], q newQ: [S], rank newRank: Int) {
        precondition(side != .both, "setBasis supports one-sided projectors")
        precondition(newP.count == (side == .left ? rows * newRank : 0) && newQ.count == (side == .right ? newRank * cols : 0),
                     "basis size does not match rank \(newRank)")
        rank = newRank
        p = newP
        q = newQ
    }

    /// The basis as one flat array: P (m×r') then Q (r'×n), whichever exist.
    public var basis: [S] { p + q }

    /// Installs a basis of the current rank and side from `basis` (the layout of `basis`), e.g. one broadcast
    /// by another process.
    public mutating func setBasis(flat basis: [S]) {
        let pc = side == .right ? 0 : rows * rank, qc = side == .left ? 0 : rank * cols
        precondition(basis.count == pc + qc, "basis has \(basis.count) elements, projector expects \(pc + qc)")
        p = Array(basis[0 ..< pc])
        q = Array(basis[pc...])
    }

    /// Elements of `basis` at the current rank and side.
    public var basisCount: Int { (side == .right ? 0 : rows * rank) + (side == .left ? 0 : rank * cols) }

    /// Sign rule of reference §8.2 on the columns of an m×k row-major matrix.
    public static func canonicalizeColumns(_ a: inout [S], rows m: Int, cols k: Int) {
        for j in 0..<k {
            var best = 0
            for i in 1..<max(m, 1) where abs(a[i * k + j]) > abs(a[best * k + j]) { best = i }
            if a[best * k + j] < 0 { for i in 0..<m { a[i * k + j] = -a[i * k + j] } }
        }
    }

    /// Sign rule of reference §8.2 on the rows of a k×n row-major matrix.
    public static func canonicalizeRows(_ a: inout [S], rows k: Int, cols n: Int) {
        for j in 0..<k {
            var best = 0
            for c in 1..<max(n, 1) where abs(a[j * n + c]) > abs(a[j * n + best]) { best = c }
            if a[j * n + best] < 0 { for c in 0..<n { a[j * n + c] = -a[j * n + c] } }
        }
    }

    /// R = project(G) into `r` (lowRankCount elements). `scratch` needs r'·n elements for `.both`.
    public func project(_ g: UnsafePointer<S>, into r: UnsafeMutablePointer<S>, scratch: UnsafeMutablePointer<S>) {
        let (m, n, k) = (rows, cols, rank)
        p.withUnsafeBufferPointer { pp in
            q.withUnsafeBufferPointer { qq in
                switch side {
                case .left:   // (k×m)·(m×n)
                    S.gemm(transA: true, transB: false, m: k, n: n, k: m, alpha: 1, a: pp.baseAddress!, lda: k,
                           b: g, ldb: n, beta: 0, c: r, ldc: n)
                case .right:  // (m×n)·(n×k)
                    S.gemm(transA: false, transB: true, m: m, n: k, k: n, alpha: 1, a: g, lda: n,
                           b: qq.baseAddress!, ldb: n, beta: 0, c: r, ldc: k)
                case .both:   // (PᵀG)·Qᵀ
                    S.gemm(transA: true, transB: false, m: k, n: n, k: m, alpha: 1, a: pp.baseAddress!, lda: k,
                           b: g, ldb: n, beta: 0, c: scratch, ldc: n)
                    S.gemm(transA: false, transB: true, m: k, n: k, k: n, alpha: 1, a: scratch, lda: n,
                           b: qq.baseAddress!, ldb: n, beta: 0, c: r, ldc: k)
                }
            }
        }
    }

    /// W ← W + alpha·back(N), with back(N) = P·N | N·Q | (P·N)·Q. `scratch` needs m·r' elements for `.both`.
    public func addBack(_ nmat: UnsafePointer<S>, alpha: S, to w: UnsafeMutablePointer<S>, scratch: UnsafeMutablePointer<S>) {
        let (m, n, k) = (rows, cols, rank)
        p.withUnsafeBufferPointer { pp in
            q.withUnsafeBufferPointer { qq in
                switch side {
                case .left:
                    S.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: pp.baseAddress!, lda: k,
                           b: nmat, ldb: n, beta: 1, c: w, ldc: n)
                case .right:
                    S.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: nmat, lda: k,
                           b: qq.baseAddress!, ldb: n, beta: 1, c: w, ldc: n)
                case .both:
                    S.gemm(transA: false, transB: false, m: m, n: k, k: k, alpha: 1, a: pp.baseAddress!, lda: k,
                           b: nmat, ldb: k, beta: 0, c: scratch, ldc: k)
                    S.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: scratch, lda: k,
                           b: qq.baseAddress!, ldb: n, beta: 1, c: w, ldc: n)
                }
            }
        }
    }

    /// Scratch elements `project`/`addBack` need.
    public var scratchCount: Int { side == .both ? max(rank * cols, rows * rank) : 0 }

    // MARK: checkpoint form

    func state(prefix pre: String) -> [String: Tensor] {
        var d: [String: Tensor] = [pre + "rank": Tensor(shape: [1], scalars: [Float(rank)])]
        if !p.isEmpty { d[pre + "proj_left"] = StateCodec.matrix(p, rows: rows, cols: rank) }
        if !q.isEmpty { d[pre + "proj_right"] = StateCodec.matrix(q, rows: rank, cols: cols) }
        return d
    }

    mutating func load(_ d: [String: Tensor], prefix pre: String) throws {
        let r = try StateCodec.int(d, pre + "rank")
        guard r >= 1, r <= min(rows, cols) else { throw OptimizerError.stateMismatch("\(pre)rank \(r) out of range") }
        rank = r
        p = side == .right ? [] : (d[pre + "proj_left"] == nil ? [] : try StateCodec.loadMatrix(d, pre + "proj_left", count: rows * r))
        q = side == .left ? [] : (d[pre + "proj_right"] == nil ? [] : try StateCodec.loadMatrix(d, pre + "proj_right", count: r * cols))
    }
}
