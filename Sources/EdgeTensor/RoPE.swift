#if canImport(Glibc)
import Glibc
#endif

/// Rotary position embeddings in Hugging Face's "rotate half" convention (LlamaRotaryEmbedding).
///
/// For a head vector x of even length d, with h = d/2, inv_freq[i] = θ^(−2i/d) and angle a = p·inv_freq[i]:
///   out[i]     = x[i]·cos a − x[i+h]·sin a
///   out[i+h]   = x[i+h]·cos a + x[i]·sin a          (i < h)
/// This equals `x·cos + rotate_half(x)·sin` with rotate_half(x) = cat(−x[h:], x[:h]).
/// Angles are computed in Double and rounded once, so tables are exact to Float precision.
public struct RoPE: Sendable {
    /// Head dimension d (even).
    public let headDim: Int
    /// Positions covered by the table.
    public let maxPositions: Int
    public let theta: Double
    /// cos/sin tables, (maxPositions, d/2) row-major.
    public let cos: [Float]
    public let sin: [Float]

    public init(headDim: Int, maxPositions: Int, theta: Double) {
        precondition(headDim % 2 == 0 && headDim > 0, "RoPE head dimension must be even, got \(headDim)")
        self.headDim = headDim
        self.maxPositions = maxPositions
        self.theta = theta
        let half = headDim / 2
        var c = [Float](repeating: 0, count: maxPositions * half)
        var s = c
        for i in 0..<half {
            // HF computes inv_freq in float32; round the same way so angles agree.
            let invFreq = Double(Float(1.0 / Glibc.pow(theta, Double(2 * i) / Double(headDim))))
            for p in 0..<maxPositions {
                let a = Double(Float(Double(p) * invFreq))
                c[p * half + i] = Float(Glibc.cos(a))
                s[p * half + i] = Float(Glibc.sin(a))
            }
        }
        self.cos = c
        self.sin = s
    }

    /// Rotates `heads` consecutive head vectors (each `headDim` long) at position `pos`, in place.
    @inlinable
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, pos: Int) {
        rotate(x, heads: heads, pos: pos, sign: 1)
    }

    /// The inverse rotation (angle −a), used by the backward pass: the Jacobian of a rotation is its transpose.
    @inlinable
    public func applyInverse(_ x: UnsafeMutablePointer<Float>, heads: Int, pos: Int) {
        rotate(x, heads: heads, pos: pos, sign: -1)
    }

    /// Rotation by angle sign·a: out[i] = x[i]·cos − sign·x[i+h]·sin, out[i+h] = x[i+h]·cos + sign·x[i]·sin.
    @inlinable
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, pos: Int, sign: Float) {
        precondition(pos >= 0 && pos < maxPositions, "RoPE position \(pos) outside table of \(maxPositions)")
        let half = headDim / 2
        cos.withUnsafeBufferPointer { cp in
            sin.withUnsafeBufferPointer { sp in
                let c = cp.baseAddress! + pos * half, s = sp.baseAddress! + pos * half
                for h in 0..<heads {
                    let v = x + h * headDim
                    for i in 0..<half {
                        let a = v[i], b = v[i + half], si = sign * s[i]
                        v[i] = a * c[i] - b * si
                        v[i + half] = b * c[i] + a * si
                    }
                }
            }
        }
    }
}
