import CKernels
import EdgeTensor
import Testing

/// Half/bfloat16 conversions: exhaustive and hand-picked rounding cases.
@Suite struct HalfQuantTests {
    @Test func f16BulkDecodeMatchesScalarForEveryBitPattern() {
        let bits = (0...UInt16.max).map { $0 }
        let bulk = F16.decode(bits)
        for (i, b) in bits.enumerated() {
            let ref = Float(Float16(bitPattern: b))
            if ref.isNaN {
                #expect(bulk[i].isNaN, "bits \(b)")
            } else {
                #expect(bulk[i].bitPattern == ref.bitPattern, "bits \(b): \(bulk[i]) vs \(ref)")
            }
        }
    }

    @Test func f16EncodeRoundsToNearestEven() {
        #expect(F16.bits(1) == 0x3C00)
        #expect(F16.bits(1 + 0x1p-11) == 0x3C00)          // tie between 1 and 1+2^-10 → even (1)
        #expect(F16.bits(1 + 3 * 0x1p-11) == 0x3C02)      // tie between 1+2^-10 and 1+2^-9 → even (…02)
        #expect(F16.bits(65504) == 0x7BFF)
        #expect(F16.bits(65519) == 0x7BFF)
        #expect(F16.bits(65520) == 0x7C00)                // rounds up to +Inf
        #expect(F16.bits(-0.0) == 0x8000)
        #expect(F16.bits(0x1p-24) == 0x0001)              // smallest subnormal
        #expect(F16.float(bits: 0xC000) == -2)
    }

    @Test func bf16DecodeIsAShiftAndEncodeRoundsToNearestEven() {
        #expect(BF16.float(bits: 0x3F80) == 1)
        #expect(BF16.float(bits: 0xC040) == -3)
        #expect(BF16.bits(1) == 0x3F80)
        #expect(BF16.bits(1 + 0x1p-8) == 0x3F80)          // tie → even
        #expect(BF16.bits(1 + 3 * 0x1p-8) == 0x3F82)      // tie → even (up)
        #expect(BF16.bits(1 + 0x1p-8 + 0x1p-20) == 0x3F81) // above the tie → up
        #expect(BF16.bits(.infinity) == 0x7F80)
        #expect(BF16.float(bits: BF16.bits(.nan)).isNaN)
        #expect(BF16.float(bits: BF16.bits(Float(bitPattern: 0x7F80_0001))).isNaN)   // signalling NaN stays NaN
        #expect(BF16.bits(Float.greatestFiniteMagnitude) == 0x7F80)                  // overflows to Inf like torch
    }

    @Test func bf16BulkMatchesScalarAndIsNearest() {
        var rng = SplitMix64(seed: 7)
        for n in [0, 1, 15, 16, 17, 100] {
            let x = (0..<n).map { _ in Float(rng.normal() * 10) }
            let enc = BF16.encode(x)
            #expect(enc == x.map(BF16.bits))
            let back = BF16.decode(enc)
            for i in 0..<n {
                // Nearest: no other bf16 neighbour is strictly closer.
                let e = abs(Double(back[i]) - Double(x[i]))
                let up = abs(Double(BF16.float(bits: enc[i] &+ 1)) - Double(x[i]))
                let down = abs(Double(BF16.float(bits: enc[i] &- 1)) - Double(x[i]))
                #expect(e <= up && e <= down)
            }
        }
    }

    /// The bulk converters (C kernels) equal the scalar definitions at every SIMD level this CPU has, on special
    /// values (ties both ways, NaNs, infinities, subnormals, signed zeros, overflow) and random values, at every
    /// length around the vector widths and at an odd byte address.
    @Test func bf16BulkKernelsMatchScalarAtEveryLevel() {
        let special: [Float] = [0, -0.0, 1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, -(1 + 0x1p-8), .infinity, -.infinity, .nan,
                                Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFC1_2345), .greatestFiniteMagnitude,
                                .leastNonzeroMagnitude, -.leastNormalMagnitude, 0x1p-130]
        var rng = SplitMix64(seed: 9)
        let values = special + (0..<100).map { _ in Float(rng.normal() * 1e3) }
        for level in 0...ek_simd_level() {
            ek_limit_simd(level)
            defer { ek_limit_simd(-1) }
            for n in [0, 1, 7, 8, 15, 16, 17, 31, 33, values.count] {
                let x = Array(values.prefix(n))
                var bytes = [UInt8](repeating: 0, count: 2 * n + 1)
                bytes.withUnsafeMutableBytes { b in x.withUnsafeBufferPointer { BF16.encode($0.baseAddress!, into: b.baseAddress! + 1, count: n) } }
                let bits = (0..<n).map { UInt16(bytes[1 + 2 * $0]) | UInt16(bytes[2 + 2 * $0]) << 8 }
                #expect(bits == x.map(BF16.bits), "level \(level) n \(n): encode")
                var back = [Float](repeating: 1, count: n)
                bytes.withUnsafeBytes { b in back.withUnsafeMutableBufferPointer { BF16.decode(b.baseAddress! + 1, into: $0.baseAddress!, count: n) } }
                #expect(back.map(\.bitPattern) == bits.map { UInt32($0) << 16 }, "level \(level) n \(n): decode")
            }
        }
    }

    /// `isExact` says whether BF16 storage is lossless: decoded BF16 values are (any length, SIMD body and tail),
    /// a value with one low bit set or a NaN anywhere is not.
    @Test func bf16IsExactOnlyForBF16Values() {
        var rng = SplitMix64(seed: 8)
        for n in [0, 1, 15, 16, 17, 100] {
            let x = BF16.decode(BF16.encode((0..<n).map { _ in Float(rng.normal()) }))
            #expect(x.withUnsafeBufferPointer(BF16.isExact), "n = \(n)")
            for i in Set([0, n / 2, n - 1]) where n > 0 {
                var y = x
                y[i] = Float(bitPattern: y[i].bitPattern | 1)
                #expect(!y.withUnsafeBufferPointer(BF16.isExact), "n = \(n), low bit at \(i)")
                y[i] = Float(bitPattern: 0x7FC0_0000)   // a NaN whose low 16 bits are zero
                #expect(!y.withUnsafeBufferPointer(BF16.isExact), "n = \(n), NaN at \(i)")
            }
        }
    }
}

/// ggml block quantizers: hand-computed blocks and round-trip error bounds.
@Suite struct QuantTests {
    func quantize(_ f: BlockFormat, _ x: [Float]) -> [UInt8] { f.quantize(x) }

    @Test func q8_0HandComputedBlock() {
        // amax = 127 → d = 1 (f16 0x3C00), q = round(x) with halves away from zero.
        var x = (0..<32).map { Float($0 - 16) }
        x[31] = 127
        x[1] = -14.5
        x[2] = 2.5
        let b = quantize(.q8_0, x)
        var expected: [UInt8] = [0x00, 0x3C]
        var q = (0..<32).map { Int8($0 - 16) }
        q[31] = 127
        q[1] = -15
        q[2] = 3
        expected += q.map { UInt8(bitPattern: $0) }
        #expect(b == expected)
        #expect(BlockFormat.q8_0.dequantize(b) == q.map { Float($0) })
    }

    @Test func q4_0HandComputedBlock() {
        // First largest |x| is −8 → d = −8/−8 = 1; q = min(15, trunc(x + 8.5)); byte j = q[j] | q[j+16] << 4.
        var x = [Float](repeating: 0, count: 32)
        x[0] = -8; x[1] = 7; x[3] = 0.5; x[4] = -0.5; x[5] = 3.2
        x[16] = 1; x[17] = -1; x[31] = 7.9
        var q = [UInt8](repeating: 8, count: 32)
        q[0] = 0; q[1] = 15; q[3] = 9; q[4] = 8; q[5] = 11
        q[16] = 9; q[17] = 7; q[31] = 15
        let expected: [UInt8] = [0x00, 0x3C] + (0..<16).map { q[$0] | q[$0 + 16] << 4 }
        let b = quantize(.q4_0, x)
        #expect(b == expected)
        #expect(BlockFormat.q4_0.dequantize(b) == q.map { Float(Int($0) - 8) })
    }

    @Test func q4_0NegativeScaleWhenLargestIsPositive() {
        // Largest |x| is +4 → d = −0.5 (f16 0xB800): x = 4 ↦ q 0, x = −4 ↦ trunc(16.5) = 16 → clamped 15 (= −3.5).
        var x = [Float](repeating: 0, count: 32)
        x[0] = 4; x[1] = -4; x[2] = 1
        let b = quantize(.q4_0, x)
        #expect(b[0] == 0x00 && b[1] == 0xB8)
        #expect(b[2] & 15 == 0)
        #expect(b[3] & 15 == 15)
        #expect(b[4] & 15 == 6)                           // trunc(1·(−2) + 8.5) = 6
        let back = BlockFormat.q4_0.dequantize(b)
        #expect(back[0] == 4 && back[1] == -3.5 && back[2] == 1)
    }

    @Test func q4_1HandComputedBlock() {
        // min −1, max 14 → d = 1 (0x3C00), m = −1 (0xBC00); q = min(15, trunc(x − m + 0.5)).
        var x = (0..<16).map { Float($0 - 1) } + (0..<16).map { Float(14 - $0) }
        x[3] = 2.49   // trunc(3.99) = 3
        x[4] = 2.5    // trunc(4.0) = 4
        var q = (0..<16).map { UInt8($0) } + (0..<16).map { UInt8(15 - $0) }
        q[3] = 3; q[4] = 4
        let expected: [UInt8] = [0x00, 0x3C, 0x00, 0xBC] + (0..<16).map { q[$0] | q[$0 + 16] << 4 }
        #expect(quantize(.q4_1, x) == expected)
    }

    @Test func zeroBlocksQuantizeToZeroScale() {
        let z = [Float](repeating: 0, count: 64)
        for f in BlockFormat.allCases {
            let b = quantize(f, z)
            #expect(b.count == 2 * f.blockBytes)
            #expect(f.dequantize(b) == z)
        }
    }

    @Test func roundTripErrorWithinHalfAStep() {
        var rng = SplitMix64(seed: 42)
        let cols = 256, rows = 8
        let x = (0..<(rows * cols)).map { _ in Float(rng.normal()) }
        for f in BlockFormat.allCases {
            let b = quantize(f, x)
            #expect(b.count == rows * f.rowBytes(cols: cols))
            let y = f.dequantize(b)
            for blk in 0..<(x.count / 32) {
                let xs = x[blk * 32 ..< blk * 32 + 32]
                let amax = xs.map(abs).max() ?? 0
                let (lo, hi) = (xs.min() ?? 0, xs.max() ?? 0)
                // Step d, plus the f16 rounding of d (rel 2^-11) times the largest code, plus slack for m.
                let bound: Float
                switch f {
                case .q8_0: bound = amax / 127 * 0.5 + amax * 0x1p-10
                case .q4_0: bound = amax / 8 + amax * 0x1p-9        // clamp at 15 costs a full step at one end
                case .q4_1: bound = (hi - lo) / 15 * 0.5 + (hi - lo + abs(lo)) * 0x1p-10
                }
                for j in 0..<32 {
                    #expect(abs(y[blk * 32 + j] - x[blk * 32 + j]) <= bound, "\(f) block \(blk) elem \(j)")
                }
            }
            // Re-quantizing dequantized values is stable for Q8_0 (codes already on the grid).
            if f == .q8_0 { #expect(f.dequantize(quantize(f, y)).elementsEqual(y) { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }) }
        }
    }

    @Test func quantizedRowsMatchWeightMatrixDequantization() {
        var rng = SplitMix64(seed: 3)
        let x = (0..<(4 * 64)).map { _ in Float(rng.normal()) }
        for f in BlockFormat.allCases {
            let b = quantize(f, x)
            let w = WeightMatrix(rows: 4, cols: 64, format: f, bytes: b)
            #expect(w.dequantized().scalars == f.dequantize(b))
        }
    }
}
