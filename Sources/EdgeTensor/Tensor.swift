/// Dense, contiguous, row-major tensors.
///
/// `Tensor` (Float32) is what models and optimizers use; `Tensor64` (Float64) is for numerics that need it
/// (Cholesky, Woodbury, reference loops in tests). Storage is a Swift array, so copies are copy-on-write
/// and a `Tensor` is a value. Hot loops go through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct DenseTensor<Scalar: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    /// Extent of each dimension, outermost first (row-major).
    public private(set) var shape: [Int]
    /// The elements, row-major; `scalars.count == shape.product`.
    public var scalars: [Scalar]

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.scalars = [Scalar](repeating: 0, count: Self.elementCount(shape))
    }

    /// A tensor filled with `value`.
    public init(repeating value: Scalar, shape: [Int]) {
        self.shape = shape
        self.scalars = [Scalar](repeating: value, count: Self.elementCount(shape))
    }

    /// Wraps `scalars` with `shape`. The element count must match (programmer error otherwise).
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(Self.elementCount(shape) == scalars.count,
                     "shape \(shape) needs \(Self.elementCount(shape)) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Number of elements.
    @inlinable public var count: Int { scalars.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Rows of a matrix (first dimension).
    @inlinable public var rows: Int { shape[0] }
    /// Columns of a matrix (last dimension).
    @inlinable public var cols: Int { shape[shape.count - 1] }

    /// Element access by flat row-major index.
    @inlinable public subscript(flat i: Int) -> Scalar {
        get { scalars[i] }
        set { scalars[i] = newValue }
    }

    /// Element access for matrices.
    @inlinable public subscript(row: Int, col: Int) -> Scalar {
        get { scalars[row * shape[1] + col] }
        set { scalars[row * shape[1] + col] = newValue }
    }

    /// The same elements with a new shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Self {
        Self(shape: newShape, scalars: scalars)
    }

    /// Matrix transpose (2-D only).
    public func transposed() -> Self {
        precondition(rank == 2, "transposed() needs a matrix, got shape \(shape)")
        let (m, n) = (shape[0], shape[1])
        var out = Self(zeros: [n, m])
        scalars.withUnsafeBufferPointer { src in
            out.scalars.withUnsafeMutableBufferPointer { dst in
                for i in 0..<m { for j in 0..<n { dst[j * m + i] = src[i * n + j] } }
            }
        }
        return out
    }

    /// Row `i` of a matrix as a new 1-D tensor.
    public func row(_ i: Int) -> Self {
        precondition(rank == 2 && i >= 0 && i < shape[0], "row \(i) out of range for shape \(shape)")
        return Self(shape: [shape[1]], scalars: Array(scalars[i * shape[1] ..< (i + 1) * shape[1]]))
    }

    /// Frobenius / Euclidean norm, accumulated in Double.
    public var norm: Double {
        var s = 0.0
        for x in scalars { s += Double(x) * Double(x) }
        return s.squareRoot()
    }

    /// Largest absolute element-wise difference to `other` (shapes must match).
    public func maxAbsDiff(_ other: Self) -> Double {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        var m = 0.0
        for i in 0..<count { m = max(m, abs(Double(scalars[i]) - Double(other.scalars[i]))) }
        return m
    }

    /// Mutable raw access to the elements.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Read-only raw access to the elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer { try body($0) }
    }

    @usableFromInline static func elementCount(_ shape: [Int]) -> Int {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        return shape.reduce(1, *)
    }
}

public typealias Tensor = DenseTensor<Float>
public typealias Tensor64 = DenseTensor<Double>

extension DenseTensor {
    /// Converts between precisions (e.g. `Tensor64(tensor)`).
    public init<Other>(_ other: DenseTensor<Other>) {
        self.init(shape: other.shape, scalars: other.scalars.map { Scalar($0) })
    }

    /// The n×n identity matrix.
    public static func identity(_ n: Int) -> Self {
        var t = Self(zeros: [n, n])
        for i in 0..<n { t.scalars[i * n + i] = 1 }
        return t
    }
}
