import CKernels
@testable import EdgeOptim
import EdgeTensor
import Testing

/// The C element loops of the optimizers against their Swift definitions, at every SIMD level this CPU has.
@Suite struct ScalarKernelTests {
    /// The fused AdamW pass is bit-identical to `adam`, `addScaled` and `decay` run in turn (the 8-bit and Float64 path) (with and without
    /// decay, a length with a vector tail, values spanning magnitudes and zero gradients).
    @Test func fusedAdamWIsBitIdenticalToTheSeparatePasses() {
        var rng = SplitMix64(seed: 31)
        let n = 1003
        let w0 = (0..<n).map { _ in Float(rng.normal()) }, m0 = (0..<n).map { _ in Float(rng.normal() * 1e-2) }
        let v0 = (0..<n).map { _ in Float(abs(rng.normal()) * 1e-3) }
        let scales: [Double] = [1e-3, 1e-2, 0.1, 1, 10, 100, 1e3]
        let g: [Float] = (0..<n).map { i in i % 17 == 0 ? 0 : Float(rng.normal() * scales[i % 7]) }
        let hyper = AdamHyperparameters(weightDecay: 0.1)
        for level in 0...ek_simd_level() {
            ek_limit_simd(level)
            defer { ek_limit_simd(-1) }
            for decay in [Float(0), -1e-3] {
                var (w1, m1, v1) = (w0, m0, v0)
                w1.withUnsafeMutableBufferPointer { w in
                    m1.withUnsafeMutableBufferPointer { m in
                        v1.withUnsafeMutableBufferPointer { v in
                            ScalarKernels.fusedAdamW(w: w.baseAddress!, m: m.baseAddress!, v: v.baseAddress!, r: g, count: n,
                                                     hyper: hyper, stepSize: -0.01, decay: decay)
                        }
                    }
                }
                var (w2, m2, v2) = (w0, m0, v0)
                var dir = [Float](repeating: 0, count: n)
                ScalarKernels.adam(m: &m2, v: &v2, r: g, n: &dir, count: n, hyper: hyper)
                ScalarKernels.addScaled(&w2, dir, alpha: Double(Float(-0.01)), n)
                if decay != 0 { ScalarKernels.decay(&w2, factor: Double(decay), n) }
                let badW = (0..<n).filter { w1[$0].bitPattern != w2[$0].bitPattern }.count
                let badM = (0..<n).filter { m1[$0].bitPattern != m2[$0].bitPattern || v1[$0].bitPattern != v2[$0].bitPattern }.count
                #expect(badW == 0, "level \(level) decay \(decay): \(badW) of \(n) weights differ")
                #expect(badM == 0, "level \(level) decay \(decay): \(badM) of \(n) moments differ")
            }
        }
    }

    /// The global norm equals a Float64 reference over tensors that span several chunks, are empty or tiny,
    /// and gives the same bits at every SIMD level and thread count.
    @Test func globalNormMatchesFloat64AtEveryLevel() {
        var rng = SplitMix64(seed: 32)
        let tensors = [200_003, 0, 5, 65_536].map { n in Tensor(shape: [n], scalars: (0..<n).map { _ in Float(rng.normal() * 3) }) }
        let reference = tensors.reduce(0.0) { s, t in t.scalars.reduce(s) { $0 + Double($1) * Double($1) } }.squareRoot()
        var results: [Double] = []
        for level in 0...ek_simd_level() {
            ek_limit_simd(level)
            defer { ek_limit_simd(-1) }
            let norm = GradientClipping.globalNorm(tensors)
            #expect(abs(norm - reference) <= 1e-12 * reference, "level \(level): \(norm) vs \(reference)")
            results.append(norm)
        }
        #expect(Set(results).count == 1, "levels disagree: \(results)")
    }
}
