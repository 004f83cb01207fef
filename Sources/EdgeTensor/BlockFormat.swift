/// llama.cpp's block-quantized row formats, as the inference kernels read them.
///
/// Layouts (little-endian, blocks of 32 values, f16 = IEEE half):
/// - Q8_0 (34 bytes): f16 d, int8 q[32];               x[j] = d·q[j]
/// - Q4_0 (18 bytes): f16 d, u8 qs[16];                x[j] = d·((qs[j] & 15) − 8), x[j+16] = d·((qs[j] >> 4) − 8)
/// - Q4_1 (20 bytes): f16 d, f16 m, u8 qs[16];         x[j] = d·(qs[j] & 15) + m, x[j+16] = d·(qs[j] >> 4) + m
public enum BlockFormat: String, Sendable, CaseIterable {
    case q8_0 = "Q8_0", q4_0 = "Q4_0", q4_1 = "Q4_1"

    /// Values per block.
    public var blockSize: Int { 32 }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .q8_0: return 34
        case .q4_0: return 18
        case .q4_1: return 20
        }
    }

    @inline(__always) @usableFromInline
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Dequantizes `count` values (a multiple of 32) starting at block pointer `src`.
    @inlinable
    public func dequantizeRow(_ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, count: Int) {
        let blocks = count / 32
        for b in 0..<blocks {
            let p = src + b * blockBytes
            let o = out + b * 32
            switch self {
            case .q8_0:
                let d = Self.half(p, 0)
                let q = (p + 2).assumingMemoryBound(to: Int8.self)
                for j in 0..<32 { o[j] = d * Float(q[j]) }
            case .q4_0:
                let d = Self.half(p, 0)
                let q = (p + 2).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    o[j] = d * Float(Int(q[j] & 15) - 8)
                    o[j + 16] = d * Float(Int(q[j] >> 4) - 8)
                }
            case .q4_1:
                let d = Self.half(p, 0), m = Self.half(p, 2)
                let q = (p + 4).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    o[j] = d * Float(q[j] & 15) + m
                    o[j + 16] = d * Float(q[j] >> 4) + m
                }
            }
        }
    }

    /// Σ_j row[j]·x[j] over `count` values of a quantized row against a Float32 vector.
    @inlinable
    public func dotRow(_ src: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var tmp = (SIMD32<Float>(), 0)   // stack scratch for one block
        var acc: Float = 0
        let blocks = count / 32
        withUnsafeMutableBytes(of: &tmp.0) { scratch in
            let o = scratch.baseAddress!.assumingMemoryBound(to: Float.self)
            for b in 0..<blocks {
                dequantizeRow(src + b * blockBytes, o, count: 32)
                acc += Kernels.dot(o, x + b * 32, 32)
            }
        }
        return acc
    }
}
