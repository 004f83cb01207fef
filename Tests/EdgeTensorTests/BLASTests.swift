import CBLAS
import EdgeTensor
import EdgeTestSupport
import Testing

@Suite struct BLASTests {
    /// sgemm on odd shapes, every transpose combination, against a naive Float64 loop.
    /// Tolerance: Float32 accumulation over k ≤ 257 terms of |x| < 1 ⇒ error ≲ 1e-5 relative to the row scale.
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (129, 257, 65), (2, 1, 9)])
    func sgemmMatchesNaive(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var rng = SplitMix64(seed: UInt64(m * 1000 + k * 10 + n))
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = Tensor.uniform(ta ? [k, m] : [m, k], rng: &rng)
            let b = Tensor.uniform(tb ? [n, k] : [k, n], rng: &rng)
            let c = matmul(a, b, transposeA: ta, transposeB: tb)
            let ref = TestSupport.naiveMatmul(a, b, transposeA: ta, transposeB: tb)
            #expect(c.shape == [m, n])
            #expect(Tensor64(c).maxAbsDiff(ref) <= 1e-5 * Double(k).squareRoot() + 1e-6, "m=\(m) k=\(k) n=\(n) ta=\(ta) tb=\(tb)")
        }
    }

    @Test func dgemmMatchesNaive() {
        var rng = SplitMix64(seed: 7)
        let a = Tensor64.uniform([13, 17], rng: &rng)
        let b = Tensor64.uniform([17, 5], rng: &rng)
        #expect(matmul(a, b).maxAbsDiff(TestSupport.naiveMatmul(a, b)) < 1e-13)
    }

    @Test(arguments: [(1, 1), (3, 5), (129, 257)])
    func sgemvMatchesNaive(shape: (Int, Int)) {
        let (m, n) = shape
        var rng = SplitMix64(seed: 99)
        let a = Tensor.uniform([m, n], rng: &rng)
        let x = Tensor.uniform([n], rng: &rng)
        let xt = Tensor.uniform([m], rng: &rng)
        let y = matvec(a, x)
        let ref = TestSupport.naiveMatmul(a, x.reshaped([n, 1]))
        #expect(Tensor64(y).maxAbsDiff(ref.reshaped([m])) < 1e-4)
        let yt = matvec(a, xt, transposeA: true)
        let reft = TestSupport.naiveMatmul(a, xt.reshaped([m, 1]), transposeA: true)
        #expect(Tensor64(yt).maxAbsDiff(reft.reshaped([n])) < 1e-4)
    }

    @Test func batchedMatmulEqualsPerBatchProducts() {
        var rng = SplitMix64(seed: 3)
        let a = Tensor.uniform([3, 4, 6], rng: &rng)
        let b = Tensor.uniform([3, 5, 6], rng: &rng)
        let c = batchedMatmul(a, b, transposeB: true)
        #expect(c.shape == [3, 4, 5])
        for i in 0..<3 {
            let ai = Tensor(shape: [4, 6], scalars: Array(a.scalars[i * 24 ..< (i + 1) * 24]))
            let bi = Tensor(shape: [5, 6], scalars: Array(b.scalars[i * 30 ..< (i + 1) * 30]))
            let ref = TestSupport.naiveMatmul(ai, bi, transposeB: true)
            let ci = Tensor(shape: [4, 5], scalars: Array(c.scalars[i * 20 ..< (i + 1) * 20]))
            #expect(Tensor64(ci).maxAbsDiff(ref) < 1e-5)
        }
    }

    /// The setting reaches OpenBLAS. (Tests must not change the process-wide count: suites run in parallel and
    /// BLAS results may depend on it, so this only re-applies the current value.)
    @Test func threadSettingReachesOpenBLAS() {
        let n = Threads.count
        Threads.set(n)
        #expect(Threads.count == n)
        #expect(Int(openblas_get_num_threads()) == n)
        #expect(!Threads.blasCoreName.isEmpty)
    }
}
