import EdgeTensor
import Foundation
import Testing

@Suite struct KernelsTests {
    @Test func elementwiseOps() {
        let n = 37   // SIMD body + tail
        let a = (0..<n).map { Float($0) * 0.5 }, b = (0..<n).map { Float(n - $0) }
        var out = [Float](repeating: 0, count: n)
        Kernels.add(a, b, &out, n)
        #expect(out == zip(a, b).map { $0 + $1 })
        Kernels.mul(a, b, &out, n)
        #expect(out == zip(a, b).map { $0 * $1 })
        var y = b
        Kernels.axpy(2, a, &y, n)
        #expect(y == zip(a, b).map { 2 * $0 + $1 })
        var x = a
        Kernels.scale(&x, -3, n)
        #expect(x == a.map { -3 * $0 })
        #expect(Kernels.dot(a, b, n) == zip(a, b).reduce(0) { $0 + $1.0 * $1.1 })
    }

    @Test func softmaxHandComputed() {
        var x: [Float] = [1, 2, 3]
        Kernels.softmax(&x, 3)
        // e^(k−3) / (e^-2 + e^-1 + 1)
        let d = exp(-2.0) + exp(-1.0) + 1
        #expect(abs(Double(x[0]) - exp(-2.0) / d) < 1e-7)
        #expect(abs(Double(x[1]) - exp(-1.0) / d) < 1e-7)
        #expect(abs(Double(x[2]) - 1 / d) < 1e-7)
        var big: [Float] = [1000, 1000]   // stable: no overflow
        Kernels.softmax(&big, 2)
        #expect(big == [0.5, 0.5])
    }

    @Test func rmsNormHandComputed() {
        let x: [Float] = [1, 2, 3, 4], w: [Float] = [1, 0.5, 2, 1]
        var out = [Float](repeating: 0, count: 4)
        let r = Kernels.rmsNorm(x, w, 1e-5, &out, 4)
        let rms = (30.0 / 4 + 1e-5).squareRoot()   // mean of squares = 7.5
        #expect(abs(Double(r) - 1 / rms) < 1e-7)
        for i in 0..<4 { #expect(abs(Double(out[i]) - Double(x[i]) / rms * Double(w[i])) < 1e-6) }
    }

    @Test func siluAndSwiglu() {
        let x: [Float] = [-2, 0, 1.5]
        var out = [Float](repeating: 0, count: 3)
        Kernels.silu(x, &out, 3)
        for i in 0..<3 { #expect(abs(Double(out[i]) - Double(x[i]) / (1 + exp(-Double(x[i])))) < 1e-7) }
        Kernels.swiglu(x, [2, 3, 4], &out, 3)
        #expect(abs(Double(out[2]) - 1.5 / (1 + exp(-1.5)) * 4) < 1e-6)
    }

    @Test func ropeHandComputed() {
        // d = 4, θ = 100: inv_freq = [1, 0.1]. Position 2: angles [2, 0.2].
        let rope = RoPE(headDim: 4, maxPositions: 8, theta: 100)
        var x: [Float] = [1, 2, 3, 4]
        rope.apply(&x, heads: 1, pos: 2)
        let (c0, s0, c1, s1) = (cos(2.0), sin(2.0), cos(0.2), sin(0.2))
        let expected = [1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 3 * c0 + 1 * s0, 4 * c1 + 2 * s1]
        for i in 0..<4 { #expect(abs(Double(x[i]) - expected[i]) < 1e-6) }
        rope.applyInverse(&x, heads: 1, pos: 2)
        for i in 0..<4 { #expect(abs(x[i] - Float(i + 1)) < 1e-6) }
        var y: [Float] = [1, 2, 3, 4]
        rope.apply(&y, heads: 1, pos: 0)   // position 0 is the identity
        #expect(y == [1, 2, 3, 4])
    }

    @Test func argmaxAndTopK() {
        let x: [Float] = [0.1, 3, -1, 3, 2.5, .nan]
        #expect(Kernels.argmax(x, 6) == 1)
        let top = Kernels.topK(x, 6, 3)
        #expect(top.map(\.index) == [1, 3, 4])
        #expect(top.map(\.value) == [3, 3, 2.5])
        #expect(Kernels.topK(x, 6, 0).isEmpty)
        #expect(Kernels.argmax([Float.nan, 1], 2) == 1)
    }
}
