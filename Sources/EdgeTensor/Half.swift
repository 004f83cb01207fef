// 16-bit float formats of model files: IEEE binary16 ("F16", safetensors F16, ggml F16) and bfloat16
// ("BF16": the upper 16 bits of a binary32). Conversions to Float32 are exact; conversions from Float32
// round to nearest, ties to even (as torch, numpy and ggml's reference code).
//
// Bulk converters read and write through raw pointers with unaligned loads, because tensors inside a
// memory-mapped file are only as aligned as the file's layout makes them.
import CKernels

/// IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
///
/// x = (−1)^s · 2^(e−15) · (1 + m/1024) for 0 < e < 31; subnormals 2^(−14) · m/1024; e = 31 is Inf/NaN.
public enum F16 {
    /// The Float32 value of the half with bit pattern `bits` (exact).
    @inlinable
    public static func float(bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    /// The bit pattern of `x` rounded to the nearest half, ties to even; overflow gives ±Inf.
    @inlinable
    public static func bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }

    /// 16 halves → 16 floats without the FPU's half support (Giesen's `half_to_float_fast5`):
    /// shift exponent+mantissa into place, rebias the exponent by 127−15, fix Inf/NaN (exponent 31)
    /// and renormalise subnormals by subtracting 2^−14 after biasing them as normals.
    @inlinable
    static func widen(_ h: SIMD16<UInt16>) -> SIMD16<Float> {
        let h32 = SIMD16<UInt32>(truncatingIfNeeded: h)
        let shiftedExp: UInt32 = 0x7c00 << 13
        var o = (h32 & 0x7fff) &<< 13
        let exp = o & shiftedExp
        o &+= (127 - 15) << 23
        o = o.replacing(with: o &+ ((128 - 16) << 23), where: exp .== shiftedExp)
        let sub = exp .== 0
        let renormalised = unsafeBitCast(o &+ (1 << 23), to: SIMD16<Float>.self)
            - unsafeBitCast(SIMD16<UInt32>(repeating: 113 << 23), to: SIMD16<Float>.self)
        o = o.replacing(with: unsafeBitCast(renormalised, to: SIMD16<UInt32>.self), where: sub)
        o |= (h32 & 0x8000) &<< 16
        return unsafeBitCast(o, to: SIMD16<Float>.self)
    }

    /// Converts `count` little-endian halves at `src` (any alignment) into `dst`.
    @inlinable
    public static func decode(_ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let h = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: widen(h), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            dst[i] = float(bits: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            i += 1
        }
    }

    /// Converts `count` floats into halves at `dst` (any alignment), rounding to nearest even.
    @inlinable
    public static func encode(_ src: UnsafePointer<Float>, into dst: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<count { dst.storeBytes(of: bits(src[i]), toByteOffset: 2 * i, as: UInt16.self) }
    }

    /// The floats of an array of half bit patterns.
    public static func decode(_ bits: [UInt16]) -> [Float] {
        if bits.isEmpty { return [] }
        return [Float](unsafeUninitializedCapacity: bits.count) { out, n in
            bits.withUnsafeBytes { decode($0.baseAddress!, into: out.baseAddress!, count: bits.count) }
            n = bits.count
        }
    }

    /// The half bit patterns of `values` (round to nearest even).
    public static func encode(_ values: [Float]) -> [UInt16] { values.map(bits) }
}

/// bfloat16: the upper half of a binary32 (1 sign, 8 exponent, 7 mantissa bits), so widening is a shift.
public enum BF16 {
    /// The Float32 value of the bfloat16 with bit pattern `bits` (exact: bits << 16).
    @inlinable
    public static func float(bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// `x` rounded to bfloat16, nearest even: (u + 0x7FFF + ((u >> 16) & 1)) >> 16; NaN stays a quiet NaN.
    @inlinable
    public static func bits(_ x: Float) -> UInt16 {
        let u = x.bitPattern
        if u & 0x7fff_ffff > 0x7f80_0000 { return UInt16(truncatingIfNeeded: (u >> 16) | 0x40) }
        return UInt16(truncatingIfNeeded: (u &+ 0x7fff &+ ((u >> 16) & 1)) >> 16)
    }

    /// True when every value already is a bfloat16 (low 16 bits zero, not NaN), so storing them as BF16 loses
    /// nothing (e.g. Natural GaLore's BF16 history handed out as Float32).
    public static func isExact(_ values: UnsafeBufferPointer<Float>) -> Bool {
        let n = values.count
        guard n > 0, let base = values.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var low = SIMD16<UInt32>(repeating: 0), nan = SIMDMask<SIMD16<Int32>>(repeating: false)
        var i = 0
        while i + 16 <= n {
            let u = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<UInt32>.self)
            low |= u & 0xffff
            nan .|= (u & 0x7fff_ffff) .> 0x7f80_0000
            i += 16
        }
        guard low == .zero && !any(nan) else { return false }
        while i < n {
            let u = base[i].bitPattern
            if u & 0xffff != 0 || u & 0x7fff_ffff > 0x7f80_0000 { return false }
            i += 1
        }
        return true
    }

    /// Converts `count` little-endian bfloat16 values at `src` (any alignment) into `dst` (C kernel, AVX-512/AVX2).
    public static func decode(_ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        ek_bf16_decode(src, dst, count)
    }

    /// Converts `count` floats into bfloat16 at `dst` (any alignment), rounding to nearest even (C kernel, AVX-512/AVX2).
    public static func encode(_ src: UnsafePointer<Float>, into dst: UnsafeMutableRawPointer, count: Int) {
        ek_bf16_encode(src, dst, count)
    }

    /// The floats of an array of bfloat16 bit patterns.
    public static func decode(_ bits: [UInt16]) -> [Float] {
        if bits.isEmpty { return [] }
        return [Float](unsafeUninitializedCapacity: bits.count) { out, n in
            bits.withUnsafeBytes { decode($0.baseAddress!, into: out.baseAddress!, count: bits.count) }
            n = bits.count
        }
    }

    /// The bfloat16 bit patterns of `values` (round to nearest even).
    public static func encode(_ values: [Float]) -> [UInt16] {
        if values.isEmpty { return [] }
        return [UInt16](unsafeUninitializedCapacity: values.count) { out, n in
            values.withUnsafeBufferPointer { encode($0.baseAddress!, into: UnsafeMutableRawPointer(out.baseAddress!), count: values.count) }
            n = values.count
        }
    }
}
