import EdgeTensor
import Foundation
import Testing

/// Each backward kernel against central finite differences of a Float64 re-implementation of its forward.
/// Tolerance: the analytic gradient is computed in Float32 (≈1e-7 relative per op); FD error in Float64
/// with h = 1e-5 is ≈1e-10. So 1e-5 absolute on O(1) values is a real check.
@Suite struct BackwardKernelsTests {
    func fd(_ f: ([Double]) -> Double, at x: [Double], h: Double = 1e-5) -> [Double] {
        (0..<x.count).map { i in
            var p = x, m = x
            p[i] += h; m[i] -= h
            return (f(p) - f(m)) / (2 * h)
        }
    }

    @Test func rmsNormBackward() {
        var rng = SplitMix64(seed: 1)
        let n = 7, eps = 1e-5
        let x = (0..<n).map { _ in rng.uniformSigned() }, w = (0..<n).map { _ in 1 + 0.5 * rng.uniformSigned() }
        let dy = (0..<n).map { _ in rng.uniformSigned() }
        // L = Σ dy·y(x, w)
        func loss(_ x: [Double], _ w: [Double]) -> Double {
            let r = 1 / (x.map { $0 * $0 }.reduce(0, +) / Double(n) + eps).squareRoot()
            return (0..<n).reduce(0) { $0 + dy[$1] * x[$1] * r * w[$1] }
        }
        let gx = fd({ loss($0, w) }, at: x), gw = fd({ loss(x, $0) }, at: w)
        let xf = x.map(Float.init), wf = w.map(Float.init), dyf = dy.map(Float.init)
        var out = [Float](repeating: 0, count: n)
        let r = Kernels.rmsNorm(xf, wf, Float(eps), &out, n)
        var dx = [Float](repeating: 0.5, count: n), dw = [Float](repeating: 0, count: n)   // dx accumulates onto 0.5
        BackwardKernels.rmsNorm(dy: dyf, x: xf, weight: wf, r: r, dx: &dx, dWeight: &dw, n)
        for i in 0..<n {
            #expect(abs(Double(dx[i]) - 0.5 - gx[i]) < 1e-5)
            #expect(abs(Double(dw[i]) - gw[i]) < 1e-5)
        }
    }

    @Test func swigluBackward() {
        var rng = SplitMix64(seed: 2)
        let n = 9
        let g = (0..<n).map { _ in 3 * rng.uniformSigned() }, u = (0..<n).map { _ in rng.uniformSigned() }
        let dh = (0..<n).map { _ in rng.uniformSigned() }
        func loss(_ g: [Double], _ u: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n {
                let silu: Double = g[i] / (1 + exp(-g[i]))
                s += dh[i] * silu * u[i]
            }
            return s
        }
        let gg = fd({ loss($0, u) }, at: g), gu = fd({ loss(g, $0) }, at: u)
        var dg = [Float](repeating: 0, count: n), du = dg
        BackwardKernels.swiglu(dh: dh.map(Float.init), gate: g.map(Float.init), up: u.map(Float.init), dGate: &dg, dUp: &du, n)
        for i in 0..<n {
            #expect(abs(Double(dg[i]) - gg[i]) < 1e-5)
            #expect(abs(Double(du[i]) - gu[i]) < 1e-5)
        }
    }

    @Test func softmaxBackward() {
        var rng = SplitMix64(seed: 3)
        let n = 6
        let z = (0..<n).map { _ in 2 * rng.uniformSigned() }, dp = (0..<n).map { _ in rng.uniformSigned() }
        func loss(_ z: [Double]) -> Double {
            let m = z.max()!, e = z.map { exp($0 - m) }, s = e.reduce(0, +)
            return (0..<n).reduce(0) { $0 + dp[$1] * e[$1] / s }
        }
        let gz = fd(loss, at: z)
        var p = z.map(Float.init)
        Kernels.softmax(&p, n)
        var d = dp.map(Float.init)
        BackwardKernels.softmax(p: p, dp: &d, n)
        for i in 0..<n { #expect(abs(Double(d[i]) - gz[i]) < 1e-6) }
    }

    @Test func crossEntropyLossAndGradient() {
        var rng = SplitMix64(seed: 4)
        let n = 11, target = 4
        let z = (0..<n).map { _ in 3 * rng.uniformSigned() }
        func loss(_ z: [Double]) -> Double {
            let m = z.max()!
            return -(z[target] - m - log(z.map { exp($0 - m) }.reduce(0, +)))
        }
        let gz = fd(loss, at: z)
        var zf = z.map(Float.init)
        let l = BackwardKernels.crossEntropy(logits: &zf, n, target: target, scale: 0.5)
        #expect(abs(l - loss(z)) < 1e-5)
        for i in 0..<n { #expect(abs(Double(zf[i]) - 0.5 * gz[i]) < 1e-6) }
    }

    @Test func ropeBackwardIsInverseRotation() {
        // L = Σ dy·R(x) ⇒ dL/dx = Rᵀ·dy = R⁻¹·dy.
        let rope = RoPE(headDim: 6, maxPositions: 5, theta: 10_000)
        var rng = SplitMix64(seed: 5)
        let x = (0..<12).map { _ in rng.uniformSigned() }, dy = (0..<12).map { _ in rng.uniformSigned() }
        func loss(_ x: [Double]) -> Double {
            var xf = x.map(Float.init)
            rope.apply(&xf, heads: 2, pos: 3)
            return (0..<12).reduce(0) { $0 + dy[$1] * Double(xf[$1]) }
        }
        let g = fd(loss, at: x, h: 1e-2)   // linear in x: FD is exact up to Float32 rounding of the forward
        var d = dy.map(Float.init)
        rope.applyInverse(&d, heads: 2, pos: 3)
        for i in 0..<12 { #expect(abs(Double(d[i]) - g[i]) < 1e-4) }
    }
}
