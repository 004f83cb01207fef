#if canImport(Glibc)
import Glibc
#endif

/// Backward passes of the element-wise and row kernels in `Kernels` (training). Each is checked against
/// central finite differences in Float64 by the tests.
public enum BackwardKernels {
    /// RMSNorm backward for one row. Forward: y = x·r·w with r = 1/sqrt(mean(x²) + eps) (returned by
    /// `Kernels.rmsNorm`). Given dy: dw += dy·x·r and
    ///   dx = r·(dy⊙w) − (r³/n)·x·Σ(dy⊙w⊙x)
    /// `dx` is accumulated into (+=) so residual gradients can be summed in place.
    @inlinable
    public static func rmsNorm(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, r: Float,
                               dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, _ n: Int) {
        var dot: Float = 0
        for i in 0..<n {
            let g = dy[i] * weight[i]
            dot += g * x[i]
            dWeight[i] += dy[i] * x[i] * r
        }
        let c = r * r * r / Float(n) * dot
        for i in 0..<n { dx[i] += r * dy[i] * weight[i] - c * x[i] }
    }

    /// SwiGLU backward: forward h = silu(g)·u. Writes dg = dh·u·silu′(g), du = dh·silu(g), where
    /// silu′(g) = σ(g)·(1 + g·(1 − σ(g))). dg/du may not alias g/u.
    @inlinable
    public static func swiglu(dh: UnsafePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                              dGate: UnsafeMutablePointer<Float>, dUp: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let g = gate[i]
            let s = 1 / (1 + expf(-g))
            let silu = g * s
            dUp[i] = dh[i] * silu
            dGate[i] = dh[i] * up[i] * s * (1 + g * (1 - s))
        }
    }

    /// Softmax backward for one row of probabilities p (n visible entries): ds = p ⊙ (dp − Σ dp⊙p).
    /// Written into `dp` in place.
    @inlinable
    public static func softmax(p: UnsafePointer<Float>, dp: UnsafeMutablePointer<Float>, _ n: Int) {
        let dot = Kernels.dot(p, UnsafePointer(dp), n)
        for i in 0..<n { dp[i] = p[i] * (dp[i] - dot) }
    }

    /// Cross-entropy of one row of logits against `target`, and its gradient scaled by `scale`
    /// (e.g. 1 / number of target tokens), written over the logits: dlogits = scale·(softmax(z) − onehot).
    /// Returns the loss −log softmax(z)[target] (natural log, Float64 for accumulation).
    @inlinable
    public static func crossEntropy(logits z: UnsafeMutablePointer<Float>, _ n: Int, target: Int, scale: Float) -> Double {
        var m = -Float.infinity
        for i in 0..<n { m = max(m, z[i]) }
        let zt = z[target]
        var sum: Double = 0
        for i in 0..<n { let e = expf(z[i] - m); z[i] = e; sum += Double(e) }
        let logp = Double(zt - m) - log(sum)
        let inv = Float(1 / sum) * scale
        for i in 0..<n { z[i] *= inv }
        z[target] -= scale
        return -logp
    }
}
