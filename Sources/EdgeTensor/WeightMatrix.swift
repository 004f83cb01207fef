import CKernels

/// A read-only weight matrix W (rows = output features, cols = input features) in one of the storage
/// formats the inference engine runs on directly. Linear layers compute y = W·x.
///
/// - `apply(x, T)`: T input rows → T output rows. T = 1 (decode) uses matrix-vector kernels written for
///   this CPU, split over threads by output rows; T > 1 (prefill) uses sgemm (quantized weights are
///   dequantized tile by tile into a scratch buffer first).
/// - `row(i, into:)`: one row as Float32 (embedding lookup).
public struct WeightMatrix: Sendable {
    /// Output features.
    public let rows: Int
    /// Input features.
    public let cols: Int
    public let storage: Storage

    public enum Storage: Sendable {
        /// Row-major Float32, rows·cols values.
        case f32([Float])
        /// Row-major blocks of a `BlockFormat` (each row is cols / blockSize blocks).
        case quantized(BlockFormat, [UInt8])
    }

    public init(rows: Int, cols: Int, f32 values: [Float]) {
        precondition(values.count == rows * cols, "WeightMatrix \(rows)×\(cols) needs \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.storage = .f32(values)
    }

    public init(rows: Int, cols: Int, format: BlockFormat, bytes: [UInt8]) {
        precondition(cols % format.blockSize == 0, "\(format) needs cols divisible by \(format.blockSize), got \(cols)")
        precondition(bytes.count == rows * (cols / format.blockSize) * format.blockBytes,
                     "\(format) \(rows)×\(cols) needs \(rows * (cols / format.blockSize) * format.blockBytes) bytes, got \(bytes.count)")
        self.rows = rows
        self.cols = cols
        self.storage = .quantized(format, bytes)
    }

    /// Bytes of weight data (what a decode step streams from memory).
    public var byteCount: Int {
        switch storage {
        case .f32(let v): return v.count * 4
        case .quantized(_, let b): return b.count
        }
    }

    /// A `Tensor` copy of the weights in Float32 (dequantized if needed).
    public func dequantized() -> Tensor {
        var t = Tensor(zeros: [rows, cols])
        t.withUnsafeMutableBufferPointer { dst in
            for r in 0..<rows { row(r, into: dst.baseAddress! + r * cols) }
        }
        return t
    }

    /// Writes row `r` as Float32 into `out` (cols values).
    @inlinable
    public func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row \(r) out of range 0..<\(rows)")
        switch storage {
        case .f32(let v):
            v.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + r * cols, count: cols) }
        case .quantized(let f, let b):
            let rowBytes = cols / f.blockSize * f.blockBytes
            b.withUnsafeBytes { raw in
                f.dequantizeRow(raw.baseAddress! + r * rowBytes, out, count: cols)
            }
        }
    }

    /// Up to this many vectors, F32 `apply` uses the C small-batch kernel instead of sgemm.
    public static let smallBatch = 16

    /// y[t] = W·x[t] for t in 0..<T. `x` is (T, cols), `y` is (T, rows), both row-major; `y` is overwritten.
    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, T: Int) {
        if T == 1 {
            matvec(x, y)
            return
        }
        switch storage {
        case .f32(let v) where T <= Self.smallBatch:
            // A few vectors (batched decode): sgemm would pack (copy) all of W for every call; this kernel reads
            // W once and keeps each group of rows in L1 while the T vectors pass over it.
            let xs = UnsafeSendable(x), ys = UnsafeSendable(y), cols = self.cols, rows = self.rows
            v.withUnsafeBufferPointer { w in
                let ws = UnsafeSendable(w.baseAddress!)
                parallelFor(rows, minChunk: 64) { lo, hi in
                    ek_matmul_f32(ws.value, Int32(cols), Int32(lo), Int32(hi), xs.value, Int32(T), ys.value, Int32(rows))
                }
            }
        case .f32(let v):
            v.withUnsafeBufferPointer { w in
                Float.gemm(transA: false, transB: true, m: T, n: rows, k: cols, alpha: 1,
                           a: x, lda: cols, b: w.baseAddress!, ldb: cols, beta: 0, c: y, ldc: rows)
            }
        case .quantized:
            // Dequantize a tile of rows, then one sgemm per tile writing columns [r0, r0+tile) of y.
            let tile = min(rows, 256)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * cols)
            defer { scratch.deallocate() }
            var r0 = 0
            while r0 < rows {
                let n = min(tile, rows - r0)
                for r in 0..<n { row(r0 + r, into: scratch + r * cols) }
                Float.gemm(transA: false, transB: true, m: T, n: n, k: cols, alpha: 1,
                           a: x, lda: cols, b: scratch, ldb: cols, beta: 0, c: y + r0, ldc: rows)
                r0 += n
            }
        }
    }

    /// y = W·x for one vector, split over threads by rows (C kernels: AVX-512 or AVX2 F32 dot products; for block
    /// formats x is first quantized to int8 per 32-block and rows use VNNI or AVX2 integer dot products, as llama.cpp).
    public func matvec(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let xs = UnsafeSendable(x), ys = UnsafeSendable(y)
        let cols = self.cols, rows = self.rows
        switch storage {
        case .f32(let v):
            v.withUnsafeBufferPointer { w in
                let ws = UnsafeSendable(w.baseAddress!)
                parallelFor(rows, minChunk: 64) { lo, hi in
                    ek_matvec_f32(ws.value, Int32(cols), Int32(lo), Int32(hi), xs.value, ys.value)
                }
            }
        case .quantized(let f, let b):
            let nb = cols / 32
            let rowBytes = nb * f.blockBytes
            withUnsafeTemporaryAllocation(of: Int8.self, capacity: cols) { xq in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * nb) { scales in
                    let xd = scales.baseAddress!, xsum = scales.baseAddress! + nb
                    ek_quantize_q8(x, Int32(cols), xq.baseAddress!, xd, xsum)
                    let q = UnsafeSendable(UnsafePointer(xq.baseAddress!))
                    let d = UnsafeSendable(UnsafePointer(xd)), sum = UnsafeSendable(UnsafePointer(xsum))
                    b.withUnsafeBytes { raw in
                        let base = UnsafeSendable(raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                        parallelFor(rows, minChunk: 64) { lo, hi in
                            ek_matvec_q(f.kernelID, base.value, rowBytes, Int32(lo), Int32(hi),
                                        q.value, d.value, sum.value, Int32(nb), ys.value)
                        }
                    }
                }
            }
        }
    }
}

extension BlockFormat {
    /// The C kernels' format id.
    var kernelID: Int32 {
        switch self {
        case .q8_0: return Int32(EK_Q8_0)
        case .q4_0: return Int32(EK_Q4_0)
        case .q4_1: return Int32(EK_Q4_1)
        }
    }
}
