#if canImport(Glibc)
import Glibc
#endif

/// Element-wise and row kernels on raw buffers (SIMD16 main loop + scalar tail).
///
/// These are the building blocks of the forward/backward passes; they allocate nothing.
/// Lengths are passed explicitly; buffers may alias only where the doc says so ("in place").
public enum Kernels {
    public typealias V = SIMD16<Float>

    @inline(__always) @usableFromInline
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always) @usableFromInline
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// out[i] = a[i] + b[i]   (out may alias a or b)
    @inlinable
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { store(load(a, i) + load(b, i), out, i); i += 16 }
        while i < n { out[i] = a[i] + b[i]; i += 1 }
    }

    /// out[i] = a[i] · b[i]   (out may alias a or b)
    @inlinable
    public static func mul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { store(load(a, i) * load(b, i), out, i); i += 16 }
        while i < n { out[i] = a[i] * b[i]; i += 1 }
    }

    /// x[i] *= s   (in place)
    @inlinable
    public static func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        var i = 0
        let vs = V(repeating: s)
        while i + 16 <= n { store(load(x, i) * vs, x, i); i += 16 }
        while i < n { x[i] *= s; i += 1 }
    }

    /// y[i] += a · x[i]
    @inlinable
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let va = V(repeating: a)
        while i + 16 <= n { store(load(y, i) + va * load(x, i), y, i); i += 16 }
        while i < n { y[i] += a * x[i]; i += 1 }
    }

    /// Σ x[i]·y[i], accumulated in four SIMD lanes' worth of Float.
    @inlinable
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += load(x, i) * load(y, i); i += 16 }
        var s = acc.sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// Numerically stable softmax in place: x ← exp(x − max x) / Σ exp(x − max x).
    @inlinable
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n > 0 else { return }
        var m = -Float.infinity
        for i in 0..<n { m = max(m, x[i]) }
        var sum: Float = 0
        for i in 0..<n { let e = expf(x[i] - m); x[i] = e; sum += e }
        scale(x, 1 / sum, n)
    }

    /// RMSNorm as Hugging Face's LlamaRMSNorm: out = x / sqrt(mean(x²) + eps) · weight.
    /// Returns the reciprocal RMS (1/sqrt(mean(x²)+eps)), which the backward pass reuses. out may alias x.
    @inlinable @discardableResult
    public static func rmsNorm(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ eps: Float,
                               _ out: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        let ms = dot(x, x, n) / Float(n)
        let r = 1 / (ms + eps).squareRoot()
        let vr = V(repeating: r)
        var i = 0
        while i + 16 <= n { store(load(x, i) * vr * load(weight, i), out, i); i += 16 }
        while i < n { out[i] = x[i] * r * weight[i]; i += 1 }
        return r
    }

    /// SiLU: out = x · σ(x) = x / (1 + e^(−x)). out may alias x.
    @inlinable
    public static func silu(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { let v = x[i]; out[i] = v / (1 + expf(-v)) }
    }

    /// SwiGLU gate: out = silu(gate) · up, the Llama MLP's element-wise middle. out may alias gate or up.
    @inlinable
    public static func swiglu(_ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
                              _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { let g = gate[i]; out[i] = g / (1 + expf(-g)) * up[i] }
    }

    /// Index of the largest element (the first one on ties); −1 for an empty buffer. NaN is never chosen
    /// over a number.
    @inlinable
    public static func argmax(_ x: UnsafePointer<Float>, _ n: Int) -> Int {
        guard n > 0 else { return -1 }
        var best = 0
        var bestValue = x[0]
        for i in 1..<n where x[i] > bestValue || (bestValue.isNaN && !x[i].isNaN) { best = i; bestValue = x[i] }
        return best
    }

    /// The k largest elements as (index, value), largest first (lower index first on ties).
    /// A partial selection over a small sorted buffer: O(n·k) worst case, O(n) typical for small k.
    public static func topK(_ x: UnsafePointer<Float>, _ n: Int, _ k: Int) -> [(index: Int, value: Float)] {
        let k = min(k, n)
        guard k > 0 else { return [] }
        var top: [(index: Int, value: Float)] = []
        top.reserveCapacity(k + 1)
        for i in 0..<n {
            let v = x[i]
            if v.isNaN { continue }
            if top.count == k, let last = top.last, !(v > last.value) { continue }
            var pos = top.count
            while pos > 0 && v > top[pos - 1].value { pos -= 1 }
            top.insert((i, v), at: pos)
            if top.count > k { top.removeLast() }
        }
        return top
    }
}
