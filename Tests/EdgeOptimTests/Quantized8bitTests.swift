import EdgeOptim
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

@Suite struct Quantized8bitTests {
    static func f(_ name: String) -> String { TestSupport.fixture("galore/quant8/\(name)") }

    /// bitsandbytes' create_dynamic_map (signed and unsigned), bit for bit.
    @Test func dynamicMapsMatchBitsandbytes() throws {
        #expect(DynamicMap.signed.map(\.bitPattern) == (try Npy.readTensor(Self.f("code_dynamic_signed.npy"))).scalars.map(\.bitPattern))
        #expect(DynamicMap.unsigned.map(\.bitPattern) == (try Npy.readTensor(Self.f("code_dynamic_unsigned.npy"))).scalars.map(\.bitPattern))
        #expect(DynamicMap.signed[127] == 0 && DynamicMap.signed[255] == 1)
    }

    /// Block-wise quantization of the fixture vectors (exact zeros, ±absmax, exact codes, midpoints, scales
    /// 1e-4…1e2, partial blocks): codes, scales and dequantized values equal the reference exactly, and every
    /// error is within the bound |x − x̂| ≤ absmax_b·(max half gap + 2⁻²³).
    @Test(arguments: [("vec_blocksize256", true, 256), ("vec_blocksize2048", true, 2048), ("vec_unsigned_blocksize256", false, 256)])
    func blockwiseQuantizationMatchesTheReference(prefix: String, signed: Bool, blockSize: Int) throws {
        let x = try Npy.readTensor(Self.f("\(prefix)_input.npy")).scalars
        let q = BlockQuantized(x, signed: signed, blockSize: blockSize)
        #expect(q.codes == (try NpyU8.read(Self.f("\(prefix)_codes.npy"))))
        #expect(q.absmax.map(\.bitPattern) == (try Npy.readTensor(Self.f("\(prefix)_absmax.npy"))).scalars.map(\.bitPattern))
        let deq = q.dequantized()
        #expect(deq.map(\.bitPattern) == (try Npy.readTensor(Self.f("\(prefix)_dequant.npy"))).scalars.map(\.bitPattern))
        let bound = BlockQuantized.relativeErrorBound(signed: signed)
        var worst = 0.0
        for i in x.indices {
            let am = Double(q.absmax[i / blockSize])
            let e = abs(Double(x[i]) - Double(deq[i]))
            #expect(e <= am * bound)
            if am > 0 { worst = max(worst, e / am) }
        }
        print("8-bit \(prefix): max |x − x̂|/absmax = \(worst), bound \(bound)")
        #expect(bound < 0.0071)
    }

    /// 8-bit Adam moments follow the Float32 ones closely over 50 steps, and hold 2·(n + 4⌈n/256⌉) bytes.
    /// (Within a block V spans the map's 1e-6 relative range only; elements whose V falls below it get
    /// V = 0 and N = M/ε — a property of bitsandbytes' format, not tested here.)
    @Test func eightBitMomentsTrackFullPrecision() throws {
        let n = 5000
        var full = AdamMoments<Float>(count: n, bits: .full), q = AdamMoments<Float>(count: n, bits: .int8)
        #expect(q.isQuantized && q.bytes == 2 * (n + 4 * 20) && full.bytes == 8 * n)
        #expect(!AdamMoments<Float>(count: 4095, bits: .int8).isQuantized)     // bitsandbytes' min_8bit_size
        var rng = SplitMix64(seed: 3)
        var nf = [Float](repeating: 0, count: n), nq = nf
        var worst = 0.0
        for _ in 0..<50 {
            let g = (0..<n).map { i in Float(rng.uniformSigned() * (i % 7 == 0 ? 0.03 : 0.01)) }   // outliers ×3
            let a1 = full.advance(gradient: g, into: &nf, hyper: AdamHyperparameters(), lr: 1e-3)
            let a2 = q.advance(gradient: g, into: &nq, hyper: AdamHyperparameters(), lr: 1e-3)
            #expect(a1 == a2)
            var num = 0.0, den = 0.0
            for i in 0..<n { num += Double(nf[i] - nq[i]) * Double(nf[i] - nq[i]); den += Double(nf[i]) * Double(nf[i]) }
            worst = max(worst, (num / den).squareRoot())
        }
        #expect(worst < 0.05)
        print("8-bit Adam direction vs Float32 over 50 steps: max relative L2 \(worst)")
    }
}
