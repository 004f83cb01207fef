import CKernels

/// Causal attention of one head for the training pass (CKernels/attention.c): register-tiled products that
/// skip the masked upper triangle. Each call is single-threaded and reentrant, so heads run in parallel.
public enum CausalAttention {
    /// P = softmax(scale·Q·Kᵀ) over j ≤ i (T×T row-major, zero above the diagonal) and O = P·V for `heads`
    /// query heads sharing one key/value head, T rows of `hd` with the given row strides: head h's Q and O start
    /// h·hd floats after `q` and `o`, its P h·T·T after `p`.
    @inlinable
    public static func forward(heads: Int, q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>,
                               ldv: Int, T: Int, hd: Int, scale: Float, p: UnsafeMutablePointer<Float>,
                               o: UnsafeMutablePointer<Float>, ldo: Int) {
        ek_attn_forward(Int32(heads), q, Int32(ldq), k, Int32(ldk), v, Int32(ldv), Int32(T), Int32(hd), scale, p, o, Int32(ldo))
    }

    /// Backward of `heads` query heads sharing one key/value head: head h's Q, dO, dQ start h·hd floats after
    /// `q`, `dout`, `dq`, and its P h·T·T after `p`. Writes dQ; adds into dK and dV.
    @inlinable
    public static func backward(heads: Int, p: UnsafePointer<Float>, q: UnsafePointer<Float>, ldq: Int,
                                k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int,
                                dout: UnsafePointer<Float>, lddo: Int, T: Int, hd: Int, scale: Float,
                                dq: UnsafeMutablePointer<Float>, lddq: Int, dk: UnsafeMutablePointer<Float>, lddk: Int,
                                dv: UnsafeMutablePointer<Float>, lddv: Int) {
        ek_attn_backward(Int32(heads), p, q, Int32(ldq), k, Int32(ldk), v, Int32(ldv), dout, Int32(lddo), Int32(T),
                         Int32(hd), scale, dq, Int32(lddq), dk, Int32(lddk), dv, Int32(lddv))
    }
}
