import CKernels
import EdgeTensor
import EdgeTestSupport
import Testing

/// Random blocks of each format, built byte by byte (independent of any quantizer).
func randomBlocks(_ format: BlockFormat, rows: Int, cols: Int, rng: inout SplitMix64) -> [UInt8] {
    var bytes: [UInt8] = []
    func half(_ x: Double) -> [UInt8] {
        let h = Float16(Float(x)).bitPattern
        return [UInt8(h & 0xff), UInt8(h >> 8)]
    }
    for _ in 0..<(rows * cols / 32) {
        switch format {
        case .q8_0:
            bytes += half(0.01 + 0.02 * rng.nextDouble())
            for _ in 0..<32 { bytes.append(UInt8(bitPattern: Int8(rng.nextInt(below: 255) - 127))) }
        case .q4_0:
            bytes += half(0.05 + 0.1 * rng.nextDouble())
            for _ in 0..<16 { bytes.append(UInt8(rng.nextInt(below: 256))) }
        case .q4_1:
            bytes += half(0.05 + 0.1 * rng.nextDouble())
            bytes += half(-0.5 * rng.nextDouble())
            for _ in 0..<16 { bytes.append(UInt8(rng.nextInt(below: 256))) }
        }
    }
    return bytes
}

@Suite(.serialized) struct WeightMatrixTests {
    /// The kernel sets this CPU runs, best first, down to the scalar fallback (2 AVX-512 VNNI, 1 AVX2, 0 scalar).
    static let simdLevels: [Int32] = Array((0...ek_simd_level()).reversed())
    @Test func dequantizedRowsFollowTheLayout() {
        // One Q4_1 block: d = 0.5, m = -1, byte j = (hi j%16, lo (j+1)%16).
        var block: [UInt8] = [0x00, 0x38, 0x00, 0xBC]   // f16 0.5, f16 -1
        for j in 0..<16 { block.append(UInt8(((j % 16) << 4) | ((j + 1) % 16))) }
        let w = WeightMatrix(rows: 1, cols: 32, format: .q4_1, bytes: block)
        var out = [Float](repeating: 0, count: 32)
        w.row(0, into: &out)
        for j in 0..<16 {
            #expect(out[j] == 0.5 * Float((j + 1) % 16) - 1)
            #expect(out[j + 16] == 0.5 * Float(j % 16) - 1)
        }
        // Q4_0: value = d·(q − 8); Q8_0: d·q.
        let q40 = WeightMatrix(rows: 1, cols: 32, format: .q4_0, bytes: [0x00, 0x40] + [UInt8](repeating: 0x3F, count: 16))
        q40.row(0, into: &out)
        #expect(out[0] == 2 * 7 && out[16] == 2 * -5)
        let q80 = WeightMatrix(rows: 1, cols: 32, format: .q8_0, bytes: [0x00, 0x3C] + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) })
        q80.row(0, into: &out)
        #expect(out == (0..<32).map { Float($0 - 16) })
    }

    /// Decode matvec (int8-quantized activations, VNNI or scalar) against the dequantized F32 product.
    /// Tolerance: activation rounding to int8 per 32-block gives ≈ 0.4% relative error per block.
    @Test(arguments: BlockFormat.allCases)
    func quantizedMatvecMatchesDequantized(format: BlockFormat) {
        var rng = SplitMix64(seed: 5)
        let (rows, cols) = (150, 96)
        let w = WeightMatrix(rows: rows, cols: cols, format: format, bytes: randomBlocks(format, rows: rows, cols: cols, rng: &rng))
        let dense = w.dequantized()
        let x = Tensor.uniform([cols], rng: &rng)
        let ref = TestSupport.naiveMatmul(dense, x.reshaped([cols, 1])).reshaped([rows])
        var results: [[Float]] = []
        for level in Self.simdLevels {
            ek_limit_simd(level)
            defer { ek_limit_simd(-1) }
            var y = [Float](repeating: 0, count: rows)
            x.withUnsafeBufferPointer { w.matvec($0.baseAddress!, &y) }
            let err = Tensor64(Tensor(shape: [rows], scalars: y)).maxAbsDiff(ref)
            let scale = ref.scalars.map(abs).max()!
            #expect(err / scale < 0.02, "\(format) SIMD level \(level): relative error \(err / scale)")
            results.append(y)
        }
        // Every instruction set computes the same integer block sums; only the float accumulation order differs.
        for y in results.dropFirst() {
            for r in 0..<rows { #expect(abs(y[r] - results[0][r]) <= 1e-4 * max(1, abs(results[0][r])), "\(format) row \(r)") }
        }
    }

    /// Prefill path (dequantize tiles + sgemm) equals the dense product to F32 rounding.
    @Test(arguments: BlockFormat.allCases)
    func quantizedApplyMatchesDense(format: BlockFormat) {
        var rng = SplitMix64(seed: 8)
        let (rows, cols, T) = (300, 64, 5)
        let w = WeightMatrix(rows: rows, cols: cols, format: format, bytes: randomBlocks(format, rows: rows, cols: cols, rng: &rng))
        let x = Tensor.uniform([T, cols], rng: &rng)
        var y = Tensor(zeros: [T, rows])
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { w.apply(px.baseAddress!, $0.baseAddress!, T: T) } }
        let ref = TestSupport.naiveMatmul(x, w.dequantized(), transposeB: true)
        #expect(Tensor64(y).maxAbsDiff(ref) < 1e-4)
    }

    /// F32 products against the naive one: matvec (T = 1), the small-batch kernel (T ≤ smallBatch, rows and
    /// columns not multiples of the SIMD width) and sgemm (larger T), at every SIMD level of this CPU.
    @Test func f32MatvecAndApplyMatchNaive() {
        var rng = SplitMix64(seed: 9)
        let (rows, cols) = (77, 133)
        let dense = Tensor.uniform([rows, cols], rng: &rng)
        let w = WeightMatrix(rows: rows, cols: cols, f32: dense.scalars)
        for level in Self.simdLevels {
            ek_limit_simd(level)
            defer { ek_limit_simd(-1) }
            for T in [1, 2, 3, 5, 7, WeightMatrix.smallBatch, WeightMatrix.smallBatch + 9] {
                let x = Tensor.uniform([T, cols], rng: &rng)
                let ref = TestSupport.naiveMatmul(x, dense, transposeB: true)
                var y = Tensor(zeros: [T, rows])
                x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { w.apply(px.baseAddress!, $0.baseAddress!, T: T) } }
                #expect(Tensor64(y).maxAbsDiff(ref) < 1e-4, "SIMD level \(level), T = \(T)")
            }
        }
    }

    /// The grouped decode path (Q/K/V, gate/up in one pass) equals separate matvecs bit for bit, mixed formats included.
    @Test func groupedMatvecEqualsSeparateOnes() {
        var rng = SplitMix64(seed: 12)
        let cols = 96
        let ws = [WeightMatrix(rows: 70, cols: cols, format: .q4_1, bytes: randomBlocks(.q4_1, rows: 70, cols: cols, rng: &rng)),
                  WeightMatrix(rows: 33, cols: cols, format: .q8_0, bytes: randomBlocks(.q8_0, rows: 33, cols: cols, rng: &rng)),
                  WeightMatrix(rows: 41, cols: cols, f32: Tensor.uniform([41, cols], rng: &rng).scalars)]
        let x = Tensor.uniform([cols], rng: &rng)
        var separate = ws.map { [Float](repeating: 0, count: $0.rows) }
        var grouped = separate
        x.withUnsafeBufferPointer { px in
            for i in ws.indices { separate[i].withUnsafeMutableBufferPointer { ws[i].matvec(px.baseAddress!, $0.baseAddress!) } }
            let outs = grouped.indices.map { i in UnsafeMutablePointer<Float>.allocate(capacity: ws[i].rows) }
            defer { outs.forEach { $0.deallocate() } }
            WeightMatrix.matvec(ws, px.baseAddress!, outs)
            for i in ws.indices { grouped[i] = Array(UnsafeBufferPointer(start: outs[i], count: ws[i].rows)) }
        }
        #expect(grouped == separate)
    }
}
