import EdgeTensor
import EdgeTestSupport
import Testing

@Suite struct LAPACKTests {
    func reconstruct<S: LAPACKScalar>(_ d: SVD<S>) -> DenseTensor<S> {
        var us = d.u
        for i in 0..<us.shape[0] { for j in 0..<us.shape[1] { us[i, j] *= d.s[j] } }
        return matmul(us, d.vt)
    }

    @Test(arguments: [(7, 4), (4, 7), (6, 6), (1, 5), (33, 20)])
    func svdReconstructsAndObeysSignRule(shape: (Int, Int)) throws {
        var rng = SplitMix64(seed: 11)
        let a = Tensor.uniform([shape.0, shape.1], rng: &rng)
        let d = try svd(a)
        let k = min(shape.0, shape.1)
        #expect(d.u.shape == [shape.0, k] && d.vt.shape == [k, shape.1] && d.s.count == k)
        let rel = reconstruct(d).maxAbsDiff(a) / a.norm
        #expect(rel < 1e-5, "relative reconstruction error \(rel)")
        for j in 1..<max(1, k) { #expect(d.s[j - 1] >= d.s[j]) }
        // Sign rule: the largest-magnitude entry (lowest index on ties) of each column of U is positive.
        for j in 0..<k {
            var best = 0
            for i in 0..<shape.0 where abs(d.u[i, j]) > abs(d.u[best, j]) { best = i }
            #expect(d.u[best, j] > 0)
        }
        // Orthonormal columns.
        let utu = matmul(d.u, d.u, transposeA: true)
        #expect(utu.maxAbsDiff(Tensor.identity(k)) < 1e-5)
    }

    @Test func svdSignRuleIsDeterministicUnderNegation() throws {
        var rng = SplitMix64(seed: 5)
        let a = Tensor64.uniform([9, 5], rng: &rng)
        var neg = a
        for i in 0..<neg.count { neg.scalars[i] = -neg.scalars[i] }
        let d1 = try svd(a), d2 = try svd(neg)
        // −A = U·S·(−Vᵀ): the same U under the rule, Vᵀ negated.
        #expect(d1.u.maxAbsDiff(d2.u) < 1e-12)
        var vt2 = d2.vt
        for i in 0..<vt2.count { vt2.scalars[i] = -vt2.scalars[i] }
        #expect(d1.vt.maxAbsDiff(vt2) < 1e-12)
    }

    @Test func knownSingularValues() throws {
        let a = Tensor(shape: [3, 2], scalars: [3, 2, 2, 3, 2, -2])
        let d = try svd(a)
        #expect(abs(d.s[0] - 5) < 1e-5 && abs(d.s[1] - 3) < 1e-5)
    }

    @Test func qrIsOrthonormalTimesUpperTriangular() throws {
        var rng = SplitMix64(seed: 2)
        for shape in [[8, 3], [3, 8], [5, 5]] {
            let a = Tensor64.uniform(shape, rng: &rng)
            let (q, r) = try qr(a)
            let k = min(shape[0], shape[1])
            #expect(matmul(q, r).maxAbsDiff(a) < 1e-12)
            #expect(matmul(q, q, transposeA: true).maxAbsDiff(Tensor64.identity(k)) < 1e-12)
            for i in 0..<k { for j in 0..<i { #expect(r[i, j] == 0) } }
        }
    }

    @Test func choleskySolveResidualIsTiny() throws {
        var rng = SplitMix64(seed: 17)
        let n = 20
        let g = Tensor64.uniform([n, 6], rng: &rng)
        // λI + G·Gᵀ: the Natural GaLore system shape.
        var a = matmul(g, g, transposeB: true)
        for i in 0..<n { a[i, i] += 1e-3 }
        let b = Tensor64.uniform([n, 3], rng: &rng)
        let l = try cholesky(a)
        #expect(matmul(l, l, transposeB: true).maxAbsDiff(a) < 1e-12)
        let x = try choleskySolve(l, b)
        let residual = matmul(a, x).maxAbsDiff(b)
        #expect(residual <= 1e-10, "residual \(residual)")
    }

    @Test func knownCholeskySolve() throws {
        let a = Tensor64(shape: [3, 3], scalars: [4, 12, -16, 12, 37, -43, -16, -43, 98])
        let l = try cholesky(a)
        #expect(l.scalars == [2, 0, 0, 6, 1, 0, -8, 5, 3])
        let x = try choleskySolve(l, Tensor64(shape: [3], scalars: [1, 2, 3]))
        #expect(abs(x[flat: 0] - 28.583333333333332) < 1e-12)
        #expect(abs(x[flat: 1] + 7.666666666666666) < 1e-12)
        #expect(abs(x[flat: 2] - 1.3333333333333333) < 1e-12)
    }

    @Test func choleskyRejectsIndefinite() {
        let a = Tensor64(shape: [2, 2], scalars: [1, 2, 2, 1])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 2, pivot: 2)) { try cholesky(a) }
    }

    @Test func symmetricEigenDiagonalises() throws {
        var rng = SplitMix64(seed: 23)
        let g = Tensor64.uniform([6, 6], rng: &rng)
        let a = matmul(g, g, transposeB: true)
        let (w, v) = try symmetricEigen(a)
        for i in 1..<6 { #expect(w[i - 1] <= w[i]) }
        var vd = v
        for i in 0..<6 { for j in 0..<6 { vd[i, j] *= w[j] } }
        #expect(matmul(vd, v, transposeB: true).maxAbsDiff(a) < 1e-10)
    }
}
