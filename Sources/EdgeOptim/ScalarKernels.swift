import CKernels
import EdgeTensor

// Element loops of the optimizers. Each entry point is generic over the engine scalar but dispatches to a
// body instantiated for Float or Double, so no loop runs through unspecialized generic arithmetic (which
// costs tens of nanoseconds per element when a caller in another module uses the generic engine).

@inline(__always)
private func cast<S, T>(_ p: UnsafePointer<S>, _: T.Type) -> UnsafePointer<T> { UnsafeRawPointer(p).assumingMemoryBound(to: T.self) }
@inline(__always)
private func cast<S, T>(_ p: UnsafeMutablePointer<S>, _: T.Type) -> UnsafeMutablePointer<T> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
}

enum ScalarKernels {
    /// dst[e] = Double(src[e]).
    static func widen<S: LAPACKScalar>(_ src: UnsafePointer<S>, _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
        if S.self == Float.self {
            let f = cast(src, Float.self)
            for e in 0..<n { dst[e] = Double(f[e]) }
        } else if S.self == Double.self {
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: n * 8)
        } else {
            for e in 0..<n { dst[e] = Double(src[e]) }
        }
    }

    /// dst[e] = S(src[e]).
    static func narrow<S: LAPACKScalar>(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<S>, _ n: Int) {
        if S.self == Float.self {
            let f = cast(dst, Float.self)
            for e in 0..<n { f[e] = Float(src[e]) }
        } else if S.self == Double.self {
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: n * 8)
        } else {
            for e in 0..<n { dst[e] = S(src[e]) }
        }
    }

    /// dst[e] = Float(src[e]).
    static func toFloat<S: LAPACKScalar>(_ src: UnsafePointer<S>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        if S.self == Float.self { UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: n * 4) }
        else if S.self == Double.self { let d = cast(src, Double.self); for e in 0..<n { dst[e] = Float(d[e]) } }
        else { for e in 0..<n { dst[e] = Float(src[e]) } }
    }

    /// dst[e] = S(src[e]).
    static func fromFloat<S: LAPACKScalar>(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<S>, _ n: Int) {
        if S.self == Float.self { UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: n * 4) }
        else if S.self == Double.self { let d = cast(dst, Double.self); for e in 0..<n { d[e] = Double(src[e]) } }
        else { for e in 0..<n { dst[e] = S(src[e]) } }
    }

    /// w[i] ← w[i] + alpha·x[i].
    static func addScaled<S: LAPACKScalar>(_ w: UnsafeMutablePointer<S>, _ x: UnsafePointer<S>, alpha: Double, _ n: Int) {
        if S.self == Float.self { addScaledBody(cast(w, Float.self), cast(x, Float.self), Float(alpha), n) }
        else if S.self == Double.self { addScaledBody(cast(w, Double.self), cast(x, Double.self), alpha, n) }
        else { addScaledBody(w, x, S(alpha), n) }
    }

    @inline(__always)
    private static func addScaledBody<T: BinaryFloatingPoint>(_ w: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, _ a: T, _ n: Int) {
        for i in 0..<n { w[i] = w[i] + a * x[i] }
    }

    /// Decoupled decay after the update: w[i] ← w[i] + f·w[i] with f = −lr·wd (reference §1).
    static func decay<S: LAPACKScalar>(_ w: UnsafeMutablePointer<S>, factor f: Double, _ n: Int) {
        if S.self == Float.self { decayBody(cast(w, Float.self), Float(f), n) }
        else if S.self == Double.self { decayBody(cast(w, Double.self), f, n) }
        else { decayBody(w, S(f), n) }
    }

    @inline(__always)
    private static func decayBody<T: BinaryFloatingPoint>(_ w: UnsafeMutablePointer<T>, _ f: T, _ n: Int) {
        for i in 0..<n { w[i] = w[i] + f * w[i] }
    }

    /// Adam moments and direction: M ← β1M + (1−β1)R; V ← β2V + (1−β2)R²; N = M/(√V + ε).
    static func adam<S: LAPACKScalar>(m: UnsafeMutablePointer<S>, v: UnsafeMutablePointer<S>, r: UnsafePointer<S>,
                                      n: UnsafeMutablePointer<S>, count: Int, hyper h: AdamHyperparameters) {
        if S.self == Float.self {
            adamBody(cast(m, Float.self), cast(v, Float.self), cast(r, Float.self), cast(n, Float.self), count,
                     Float(h.beta1), Float(h.beta2), Float(1 - h.beta1), Float(1 - h.beta2), Float(h.eps))
        } else if S.self == Double.self {
            adamBody(cast(m, Double.self), cast(v, Double.self), cast(r, Double.self), cast(n, Double.self), count,
                     h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, h.eps)
        } else {
            adamBody(m, v, r, n, count, S(h.beta1), S(h.beta2), S(1 - h.beta1), S(1 - h.beta2), S(h.eps))
        }
    }

    /// One pass of the plain Float AdamW step, the same arithmetic as `adamBody`, `addScaled` and `decay` in turn
    /// per element (so bit-identical to them): N = M/(√V + ε); W ← W + s·N; W ← W + d·W when d ≠ 0
    /// (s = −a, d = −lr·wd). Rows are split across the threads; every element is independent. The loop is the C
    /// kernel `ek_adamw_f32` (AVX-512/AVX2, no fused multiply-adds).
    static func fusedAdamW(w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                           r: UnsafePointer<Float>, count: Int, hyper h: AdamHyperparameters, stepSize s: Float, decay d: Float) {
        let (b1, b2, c1, c2, eps) = (Float(h.beta1), Float(h.beta2), Float(1 - h.beta1), Float(1 - h.beta2), Float(h.eps))
        let (ws, ms, vs, rs) = (UnsafeSendable(w), UnsafeSendable(m), UnsafeSendable(v), UnsafeSendable(r))
        parallelFor(count, minChunk: 1 << 16) { lo, hi in
            ek_adamw_f32(ws.value + lo, ms.value + lo, vs.value + lo, rs.value + lo, hi - lo, b1, b2, c1, c2, eps, s, d)
        }
    }

    @inline(__always)
    static func adamBody<T: BinaryFloatingPoint>(_ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, _ r: UnsafePointer<T>,
                                                 _ n: UnsafeMutablePointer<T>, _ count: Int,
                                                 _ b1: T, _ b2: T, _ c1: T, _ c2: T, _ eps: T) {
        for i in 0..<count {
            let g = r[i]
            m[i] = b1 * m[i] + c1 * g
            v[i] = b2 * v[i] + c2 * (g * g)
            n[i] = m[i] / (v[i].squareRoot() + eps)
        }
    }
}
