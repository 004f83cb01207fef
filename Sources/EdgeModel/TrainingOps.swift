// Row-parallel versions of the per-row kernels the training pass runs over (B·T) rows. Each splits rows
// across `Threads.count` with `parallelFor`; reductions over rows (RMSNorm weight gradients) use one partial
// buffer per chunk, summed in a fixed order, so results do not depend on scheduling.
import EdgeTensor

enum TrainingOps {
    typealias P = UnsafeMutablePointer<Float>

    /// out[t] = RMSNorm(x[t])·w and r[t] = 1/rms(x[t]) for `rows` rows of C.
    static func rmsNorm(_ x: P, _ w: UnsafePointer<Float>, eps: Float, out: P, r: P, rows: Int, C: Int) {
        let (xs, ws, os, rs) = (UnsafeSendable(x), UnsafeSendable(w), UnsafeSendable(out), UnsafeSendable(r))
        parallelFor(rows, minChunk: 16) { lo, hi in
            for t in lo..<hi { rs.value[t] = Kernels.rmsNorm(xs.value + t * C, ws.value, eps, os.value + t * C, C) }
        }
    }

    /// RMSNorm backward over rows: dx[t] += …, dW += Σ_t … (see BackwardKernels.rmsNorm).
    static func rmsNormBackward(dy: P, x: P, w: UnsafePointer<Float>, r: P, dx: P, dW: P, rows: Int, C: Int) {
        let chunks = max(1, min(Threads.count, rows / 16))
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks * C)
        partial.initialize(repeating: 0, count: chunks * C)
        defer { partial.deallocate() }
        let per = (rows + chunks - 1) / chunks
        let (dys, xs, ws, rs, dxs, ps) = (UnsafeSendable(dy), UnsafeSendable(x), UnsafeSendable(w), UnsafeSendable(r),
                                          UnsafeSendable(dx), UnsafeSendable(partial))
        parallelFor(chunks) { lo, hi in
            for c in lo..<hi {
                for t in (c * per)..<min(rows, (c + 1) * per) {
                    BackwardKernels.rmsNorm(dy: dys.value + t * C, x: xs.value + t * C, weight: ws.value, r: rs.value[t],
                                            dx: dxs.value + t * C, dWeight: ps.value + c * C, C)
                }
            }
        }
        for c in 0..<chunks { Kernels.add(dW, partial + c * C, dW, C) }
    }

    /// Runs `body(lo, hi)` over `n` elements in parallel chunks (element-wise kernels).
    static func elementwise(_ n: Int, _ body: @Sendable (Int, Int) -> Void) {
        parallelFor(n, minChunk: 4096, body)
    }

    /// Applies RoPE (or its inverse) to `rows` rows of `heads` heads, row t at position t % T.
    static func rope(_ rope: RoPE, _ x: P, rows: Int, T: Int, heads: Int, width: Int, inverse: Bool) {
        let xs = UnsafeSendable(x)
        parallelFor(rows, minChunk: 16) { lo, hi in
            for t in lo..<hi {
                if inverse { rope.applyInverse(xs.value + t * width, heads: heads, pos: t % T) }
                else { rope.apply(xs.value + t * width, heads: heads, pos: t % T) }
            }
        }
    }
}
