import CBLAS

/// Failures of a factorisation that depend on the data (not on shapes, which are programmer errors).
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
    /// Cholesky found a non-positive pivot: the matrix is not (numerically) positive definite.
    case notPositiveDefinite(order: Int, pivot: Int)
    /// An iterative LAPACK routine (SVD, eigen) did not converge.
    case noConvergence(routine: String, info: Int)
    /// A LAPACK argument was illegal (a bug on our side; the message names the routine).
    case illegalArgument(routine: String, info: Int)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let n, let p):
            return "Cholesky failed: \(n)×\(n) matrix is not positive definite (pivot \(p)); increase the damping λ"
        case .noConvergence(let r, let info):
            return "\(r) did not converge (info \(info)); the input may contain NaN or inf"
        case .illegalArgument(let r, let info):
            return "\(r): illegal argument \(-info) (internal error)"
        }
    }
}

private func ch(_ c: Character) -> CChar { CChar(bitPattern: c.asciiValue!) }

/// Scalars with LAPACK routines (Float → s*, Double → d*). Matrices are row-major, modified in place.
public protocol LAPACKScalar: BLASScalar {
    static func gesdd(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ s: UnsafeMutablePointer<Self>,
                      _ u: UnsafeMutablePointer<Self>, _ vt: UnsafeMutablePointer<Self>) -> Int32
    static func geqrf(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ tau: UnsafeMutablePointer<Self>) -> Int32
    static func orgqr(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
                      _ tau: UnsafePointer<Self>) -> Int32
    static func potrf(_ n: Int, _ a: UnsafeMutablePointer<Self>) -> Int32
    static func potrs(_ n: Int, _ nrhs: Int, _ l: UnsafePointer<Self>, _ b: UnsafeMutablePointer<Self>) -> Int32
    static func syevd(_ n: Int, _ a: UnsafeMutablePointer<Self>, _ w: UnsafeMutablePointer<Self>) -> Int32
}

extension Float: LAPACKScalar {
    public static func gesdd(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Float>,
                             _ u: UnsafeMutablePointer<Float>, _ vt: UnsafeMutablePointer<Float>) -> Int32 {
        let k = min(m, n)
        return LAPACKE_sgesdd(LAPACK_ROW_MAJOR, ch("S"), Int32(m), Int32(n), a, Int32(n), s, u, Int32(k), vt, Int32(n))
    }
    public static func geqrf(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ tau: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a, Int32(n), tau)
    }
    public static func orgqr(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
                             _ tau: UnsafePointer<Float>) -> Int32 {
        LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(k), a, Int32(lda), tau)
    }
    public static func potrf(_ n: Int, _ a: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_spotrf(LAPACK_ROW_MAJOR, ch("L"), Int32(n), a, Int32(n))
    }
    public static func potrs(_ n: Int, _ nrhs: Int, _ l: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_spotrs(LAPACK_ROW_MAJOR, ch("L"), Int32(n), Int32(nrhs), l, Int32(n), b, Int32(nrhs))
    }
    public static func syevd(_ n: Int, _ a: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_ssyevd(LAPACK_ROW_MAJOR, ch("V"), ch("U"), Int32(n), a, Int32(n), w)
    }
}

extension Double: LAPACKScalar {
    public static func gesdd(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ s: UnsafeMutablePointer<Double>,
                             _ u: UnsafeMutablePointer<Double>, _ vt: UnsafeMutablePointer<Double>) -> Int32 {
        let k = min(m, n)
        return LAPACKE_dgesdd(LAPACK_ROW_MAJOR, ch("S"), Int32(m), Int32(n), a, Int32(n), s, u, Int32(k), vt, Int32(n))
    }
    public static func geqrf(_ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ tau: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a, Int32(n), tau)
    }
    public static func orgqr(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
                             _ tau: UnsafePointer<Double>) -> Int32 {
        LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(k), a, Int32(lda), tau)
    }
    public static func potrf(_ n: Int, _ a: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dpotrf(LAPACK_ROW_MAJOR, ch("L"), Int32(n), a, Int32(n))
    }
    public static func potrs(_ n: Int, _ nrhs: Int, _ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, ch("L"), Int32(n), Int32(nrhs), l, Int32(n), b, Int32(nrhs))
    }
    public static func syevd(_ n: Int, _ a: UnsafeMutablePointer<Double>, _ w: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dsyevd(LAPACK_ROW_MAJOR, ch("V"), ch("U"), Int32(n), a, Int32(n), w)
    }
}

/// Thin singular value decomposition A = U·diag(S)·Vᵀ.
public struct SVD<S: LAPACKScalar>: Sendable {
    /// Left singular vectors as columns, m×k (k = min(m, n)).
    public var u: DenseTensor<S>
    /// Singular values, descending, length k.
    public var s: [S]
    /// Right singular vectors as rows, k×n.
    public var vt: DenseTensor<S>
}

/// Thin SVD by divide and conquer (sgesdd/dgesdd), singular values descending.
///
/// Sign rule (deterministic across BLAS builds): every left singular vector (column of U) is negated,
/// together with its row of Vᵀ, when its entry of largest magnitude (lowest index on ties) is negative.
public func svd<S: LAPACKScalar>(_ a: DenseTensor<S>) throws -> SVD<S> {
    precondition(a.rank == 2, "svd needs a matrix, got shape \(a.shape)")
    let (m, n) = (a.shape[0], a.shape[1])
    let k = min(m, n)
    var work = a
    var s = [S](repeating: 0, count: k)
    var u = DenseTensor<S>(zeros: [m, k])
    var vt = DenseTensor<S>(zeros: [k, n])
    if k == 0 { return SVD(u: u, s: s, vt: vt) }
    let info = work.withUnsafeMutableBufferPointer { pa in
        u.withUnsafeMutableBufferPointer { pu in
            vt.withUnsafeMutableBufferPointer { pv in
                S.gesdd(m, n, pa.baseAddress!, &s, pu.baseAddress!, pv.baseAddress!)
            }
        }
    }
    if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "gesdd", info: Int(info)) }
    if info > 0 { throw LinearAlgebraError.noConvergence(routine: "gesdd", info: Int(info)) }
    for j in 0..<k {
        var best = 0
        for i in 1..<m where abs(u[i, j]) > abs(u[best, j]) { best = i }
        if u[best, j] < 0 {
            for i in 0..<m { u[i, j] = -u[i, j] }
            for c in 0..<n { vt[j, c] = -vt[j, c] }
        }
    }
    return SVD(u: u, s: s, vt: vt)
}

/// Thin QR factorisation A = Q·R: Q is m×k with orthonormal columns, R is k×n upper triangular (k = min(m, n)).
public func qr<S: LAPACKScalar>(_ a: DenseTensor<S>) throws -> (q: DenseTensor<S>, r: DenseTensor<S>) {
    precondition(a.rank == 2, "qr needs a matrix, got shape \(a.shape)")
    let (m, n) = (a.shape[0], a.shape[1])
    let k = min(m, n)
    var work = a
    var tau = [S](repeating: 0, count: max(1, k))
    var r = DenseTensor<S>(zeros: [k, n])
    var q = DenseTensor<S>(zeros: [m, k])
    if k == 0 { return (q, r) }
    var info = work.withUnsafeMutableBufferPointer { S.geqrf(m, n, $0.baseAddress!, &tau) }
    if info != 0 { throw LinearAlgebraError.illegalArgument(routine: "geqrf", info: Int(info)) }
    for i in 0..<k { for j in i..<n { r[i, j] = work[i, j] } }
    info = work.withUnsafeMutableBufferPointer { S.orgqr(m, k, k, $0.baseAddress!, n, tau) }
    if info != 0 { throw LinearAlgebraError.illegalArgument(routine: "orgqr", info: Int(info)) }
    for i in 0..<m { for j in 0..<k { q[i, j] = work[i, j] } }
    return (q, r)
}

/// Cholesky factor L (lower triangular, zeros above) of a symmetric positive definite matrix: A = L·Lᵀ.
/// Only the lower triangle of `a` is read.
public func cholesky<S: LAPACKScalar>(_ a: DenseTensor<S>) throws -> DenseTensor<S> {
    precondition(a.rank == 2 && a.shape[0] == a.shape[1], "cholesky needs a square matrix, got \(a.shape)")
    let n = a.shape[0]
    var l = a
    let info = l.withUnsafeMutableBufferPointer { S.potrf(n, $0.baseAddress!) }
    if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "potrf", info: Int(info)) }
    if info > 0 { throw LinearAlgebraError.notPositiveDefinite(order: n, pivot: Int(info)) }
    for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { l[i, j] = 0 } }
    return l
}

/// Solves A·X = B given the Cholesky factor L of A (from `cholesky`). `b` is n×r (or a length-n vector).
public func choleskySolve<S: LAPACKScalar>(_ l: DenseTensor<S>, _ b: DenseTensor<S>) throws -> DenseTensor<S> {
    let n = l.shape[0]
    precondition(l.rank == 2 && l.shape[1] == n, "choleskySolve needs a square factor, got \(l.shape)")
    precondition(b.shape[0] == n && b.rank <= 2, "choleskySolve: right-hand side \(b.shape) does not match order \(n)")
    let nrhs = b.rank == 1 ? 1 : b.shape[1]
    var x = b
    if n == 0 || nrhs == 0 { return x }
    let info = l.withUnsafeBufferPointer { pl in
        x.withUnsafeMutableBufferPointer { S.potrs(n, nrhs, pl.baseAddress!, $0.baseAddress!) }
    }
    if info != 0 { throw LinearAlgebraError.illegalArgument(routine: "potrs", info: Int(info)) }
    return x
}

/// Eigen-decomposition of a symmetric matrix (only the upper triangle is read):
/// eigenvalues ascending, eigenvectors as the columns of `vectors`.
public func symmetricEigen<S: LAPACKScalar>(_ a: DenseTensor<S>) throws -> (values: [S], vectors: DenseTensor<S>) {
    precondition(a.rank == 2 && a.shape[0] == a.shape[1], "symmetricEigen needs a square matrix, got \(a.shape)")
    let n = a.shape[0]
    var v = a
    var w = [S](repeating: 0, count: n)
    if n == 0 { return (w, v) }
    let info = v.withUnsafeMutableBufferPointer { S.syevd(n, $0.baseAddress!, &w) }
    if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "syevd", info: Int(info)) }
    if info > 0 { throw LinearAlgebraError.noConvergence(routine: "syevd", info: Int(info)) }
    return (w, v)
}
