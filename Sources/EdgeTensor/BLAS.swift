import CBLAS

/// Scalars OpenBLAS has kernels for (Float → s*, Double → d*).
///
/// Pointer-level entry points, row-major, no checks beyond BLAS's own: callers above `EdgeTensor`
/// use the `matmul`/`matvec` functions, which check shapes.
public protocol BLASScalar: BinaryFloatingPoint & Sendable {
    /// C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, C m×n (row-major, leading dimensions given).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// y = alpha·op(A)·x + beta·y with A m×n row-major.
    static func gemv(transA: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
}


extension Float: BLASScalar {
    @inlinable
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @inlinable
    public static func gemv(transA: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }
}

extension Double: BLASScalar {
    @inlinable
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @inlinable
    public static func gemv(transA: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }
}

/// Matrix product `op(a)·op(b)` where `op` transposes when asked. Shapes are checked (programmer error).
///
/// `a` is m×k (or k×m with `transposeA`), `b` is k×n (or n×k with `transposeB`); the result is m×n.
public func matmul<S: BLASScalar>(_ a: DenseTensor<S>, _ b: DenseTensor<S>,
                                  transposeA: Bool = false, transposeB: Bool = false) -> DenseTensor<S> {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(k == k2, "matmul inner dimensions differ: op(a) is \(m)×\(k), op(b) is \(k2)×\(n)")
    var c = DenseTensor<S>(zeros: [m, n])
    if m == 0 || n == 0 { return c }
    if k == 0 { return c }
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                S.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                       a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                       beta: 0, c: pc.baseAddress!, ldc: n)
            }
        }
    }
    return c
}

/// Matrix-vector product `op(a)·x` (sgemv/dgemv).
public func matvec<S: BLASScalar>(_ a: DenseTensor<S>, _ x: DenseTensor<S>, transposeA: Bool = false) -> DenseTensor<S> {
    precondition(a.rank == 2 && x.rank == 1, "matvec needs a matrix and a vector, got \(a.shape) and \(x.shape)")
    let (m, n) = (a.shape[0], a.shape[1])
    let (inLen, outLen) = transposeA ? (m, n) : (n, m)
    precondition(x.count == inLen, "matvec: op(a) takes \(inLen) inputs, x has \(x.count)")
    var y = DenseTensor<S>(zeros: [outLen])
    if m == 0 || n == 0 { return y }
    a.withUnsafeBufferPointer { pa in
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                S.gemv(transA: transposeA, m: m, n: n, alpha: 1, a: pa.baseAddress!, lda: n,
                       x: px.baseAddress!, beta: 0, y: py.baseAddress!)
            }
        }
    }
    return y
}

/// Batched matrix product over the leading dimension: `a` is (B, m, k), `b` is (B, k, n) (or transposed
/// per matrix), the result (B, m, n). Each batch entry is one gemm call.
public func batchedMatmul<S: BLASScalar>(_ a: DenseTensor<S>, _ b: DenseTensor<S>,
                                         transposeA: Bool = false, transposeB: Bool = false) -> DenseTensor<S> {
    precondition(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0],
                 "batchedMatmul needs (B,·,·) tensors with equal B, got \(a.shape) and \(b.shape)")
    let batch = a.shape[0]
    let (m, k) = transposeA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
    let (k2, n) = transposeB ? (b.shape[2], b.shape[1]) : (b.shape[1], b.shape[2])
    precondition(k == k2, "batchedMatmul inner dimensions differ: \(k) vs \(k2)")
    var c = DenseTensor<S>(zeros: [batch, m, n])
    if m == 0 || n == 0 || k == 0 { return c }
    let aStride = a.shape[1] * a.shape[2], bStride = b.shape[1] * b.shape[2]
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                for i in 0..<batch {
                    S.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                           a: pa.baseAddress! + i * aStride, lda: a.shape[2],
                           b: pb.baseAddress! + i * bStride, ldb: b.shape[2],
                           beta: 0, c: pc.baseAddress! + i * m * n, ldc: n)
                }
            }
        }
    }
    return c
}
