import CKernels
import EdgeTensor
import Foundation
import Testing

/// The training pass's causal attention kernels against a direct Float64 implementation of
/// softmax(scale·QKᵀ + causal mask)·V and its backward, at every SIMD level, on shapes that exercise the
/// register tile's row and column tails (T and hd not multiples of the tile), grouped-query heads, and row strides
/// wider than a head.
@Suite struct CausalAttentionTests {
    static let simdLevels: [Int32] = Array(0...ek_simd_level())

    struct Case: CustomTestStringConvertible, Sendable {
        let T: Int, hd: Int, heads: Int
        var testDescription: String { "T \(T), hd \(hd), \(heads) heads" }
    }

    static let cases = [Case(T: 1, hd: 16, heads: 1), Case(T: 5, hd: 16, heads: 2), Case(T: 37, hd: 64, heads: 3),
                        Case(T: 70, hd: 20, heads: 1)]

    /// Reference outputs for one key/value head and its query heads, all in Float64.
    struct Reference {
        var p: [[Double]] = [], o: [[Double]] = [], dq: [[Double]] = []
        var dk: [Double], dv: [Double]
        init(count: Int) { (dk, dv) = ([Double](repeating: 0, count: count), [Double](repeating: 0, count: count)) }
    }

    static func reference(_ c: Case, q: [Float], ldq: Int, k: [Float], v: [Float], ldk: Int, dout: [Float], scale: Double) -> Reference {
        let (T, hd) = (c.T, c.hd)
        var ref = Reference(count: T * hd)
        for h in 0..<c.heads {
            func Q(_ i: Int, _ d: Int) -> Double { Double(q[i * ldq + h * hd + d]) }
            func dO(_ i: Int, _ d: Int) -> Double { Double(dout[i * ldq + h * hd + d]) }
            func K(_ j: Int, _ d: Int) -> Double { Double(k[j * ldk + d]) }
            func V(_ j: Int, _ d: Int) -> Double { Double(v[j * ldk + d]) }
            var P = [Double](repeating: 0, count: T * T), dS = P
            for i in 0..<T {
                let s = (0...i).map { j in scale * (0..<hd).reduce(0) { $0 + Q(i, $1) * K(j, $1) } }
                let m = s.max()!, e = s.map { exp($0 - m) }, z = e.reduce(0, +)
                for j in 0...i { P[i * T + j] = e[j] / z }
                let dP = (0...i).map { j in (0..<hd).reduce(0) { $0 + dO(i, $1) * V(j, $1) } }
                let dot = (0...i).reduce(0) { $0 + P[i * T + $1] * dP[$1] }
                for j in 0...i { dS[i * T + j] = P[i * T + j] * (dP[j] - dot) }
            }
            ref.p.append(P)
            ref.o.append((0..<T * hd).map { e in (0...(e / hd)).reduce(0) { $0 + P[(e / hd) * T + $1] * V($1, e % hd) } })
            ref.dq.append((0..<T * hd).map { e in scale * (0...(e / hd)).reduce(0) { $0 + dS[(e / hd) * T + $1] * K($1, e % hd) } })
            for j in 0..<T {
                for d in 0..<hd {
                    for i in j..<T {
                        ref.dk[j * hd + d] += scale * dS[i * T + j] * Q(i, d)
                        ref.dv[j * hd + d] += P[i * T + j] * dO(i, d)
                    }
                }
            }
        }
        return ref
    }

    @Test(arguments: cases)
    func matchesFloat64Reference(_ c: Case) {
        var rng = SplitMix64(seed: UInt64(c.T * 100 + c.hd))
        let (T, hd) = (c.T, c.hd), ldq = c.heads * hd + 3, ldk = hd + 5   // strides wider than the heads
        let q = (0..<T * ldq).map { _ in Float(rng.uniformSigned()) }, dout = (0..<T * ldq).map { _ in Float(rng.uniformSigned()) }
        let k = (0..<T * ldk).map { _ in Float(rng.uniformSigned()) }, v = (0..<T * ldk).map { _ in Float(rng.uniformSigned()) }
        let scale = 1 / Float(hd).squareRoot()
        let ref = Self.reference(c, q: q, ldq: ldq, k: k, v: v, ldk: ldk, dout: dout, scale: Double(scale))
        for level in Self.simdLevels {
            ek_limit_simd(level)
            defer { ek_limit_simd(-1) }
            var p = [Float](repeating: .nan, count: c.heads * T * T)   // every entry must be written (zero above the diagonal)
            var o = [Float](repeating: 7, count: T * ldq), dq = o
            var dk = [Float](repeating: 0.5, count: T * ldk), dv = dk     // dK and dV accumulate onto what is there
            CausalAttention.forward(heads: c.heads, q: q, ldq: ldq, k: k, ldk: ldk, v: v, ldv: ldk, T: T, hd: hd, scale: scale,
                                    p: &p, o: &o, ldo: ldq)
            CausalAttention.backward(heads: c.heads, p: p, q: q, ldq: ldq, k: k, ldk: ldk, v: v, ldv: ldk, dout: dout, lddo: ldq,
                                     T: T, hd: hd, scale: scale, dq: &dq, lddq: ldq, dk: &dk, lddk: ldk, dv: &dv, lddv: ldk)
            var err = 0.0
            for h in 0..<c.heads {
                for e in 0..<T * T { err = max(err, abs(Double(p[h * T * T + e]) - ref.p[h][e])) }
                for i in 0..<T {
                    for d in 0..<hd {
                        err = max(err, abs(Double(o[i * ldq + h * hd + d]) - ref.o[h][i * hd + d]))
                        err = max(err, abs(Double(dq[i * ldq + h * hd + d]) - ref.dq[h][i * hd + d]))
                    }
                }
            }
            for j in 0..<T {
                for d in 0..<hd {
                    err = max(err, abs(Double(dk[j * ldk + d]) - 0.5 - ref.dk[j * hd + d]))
                    err = max(err, abs(Double(dv[j * ldk + d]) - 0.5 - ref.dv[j * hd + d]))
                }
                #expect(dk[j * ldk + hd] == 0.5 && o[j * ldq + c.heads * hd] == 7, "wrote past a head")
            }
            #expect(err < 2e-5, "\(c.testDescription), SIMD level \(level): max error \(err)")
        }
    }
}
