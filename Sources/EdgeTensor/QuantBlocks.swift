// Quantizers for llama.cpp's block formats (F32 → blocks), for exporting GGUF files. They reproduce
// ggml's reference quantizers bit for bit (ggml/src/ggml-quants.c: quantize_row_q8_0_ref,
// quantize_row_q4_0_ref, quantize_row_q4_1_ref), which gguf-py's numpy quantizers also match.
// Layouts and dequantization: BlockFormat.swift.

extension BlockFormat {
    /// Bytes of one row of `cols` values (`cols` must be a multiple of 32).
    @inlinable
    public func rowBytes(cols: Int) -> Int { cols / blockSize * blockBytes }

    /// Quantizes `count` values (a multiple of 32) from `src` into `count / 32` blocks at `dst`.
    ///
    /// Per block of 32 values x:
    /// - Q8_0: amax = max|x|, d = amax/127, q[j] = round(x[j]/d) (half away from zero);
    /// - Q4_0: v = the x of largest |x| (first one), d = v/−8, q[j] = min(15, trunc(x[j]/d + 8.5));
    /// - Q4_1: d = (max−min)/15, m = min, q[j] = min(15, trunc((x[j]−m)/d + 0.5)).
    /// The division uses 1/d computed in Float32 before d is rounded to f16, as ggml does; d = 0 gives q = 0
    /// (Q8_0) or the zero point (Q4_0: 8, Q4_1: 0). NaN inputs become 0 codes instead of trapping.
    public func quantizeRow(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(count % blockSize == 0, "\(rawValue) rows need a multiple of \(blockSize) values, got \(count)")
        for b in 0..<(count / blockSize) {
            let x = src + b * blockSize
            let out = dst + b * blockBytes
            switch self {
            case .q8_0: Self.quantizeQ8_0(x, out)
            case .q4_0: Self.quantizeQ4_0(x, out)
            case .q4_1: Self.quantizeQ4_1(x, out)
            }
        }
    }

    /// Row-major values (`values.count` a multiple of 32, each row a whole number of blocks) → blocks.
    public func quantize(_ values: [Float]) -> [UInt8] {
        precondition(values.count % blockSize == 0, "\(rawValue) needs a multiple of \(blockSize) values, got \(values.count)")
        let n = values.count / blockSize * blockBytes
        if n == 0 { return [] }
        return [UInt8](unsafeUninitializedCapacity: n) { out, written in
            values.withUnsafeBufferPointer { quantizeRow($0.baseAddress!, count: values.count, into: UnsafeMutableRawPointer(out.baseAddress!)) }
            written = n
        }
    }

    /// Dequantizes whole blocks (`bytes.count` a multiple of `blockBytes`) into Float32 values.
    public func dequantize(_ bytes: [UInt8]) -> [Float] {
        precondition(bytes.count % blockBytes == 0, "\(rawValue) data must be whole \(blockBytes)-byte blocks, got \(bytes.count) bytes")
        let count = bytes.count / blockBytes * blockSize
        if count == 0 { return [] }
        return [Float](unsafeUninitializedCapacity: count) { out, written in
            bytes.withUnsafeBytes { dequantizeRow($0.baseAddress!, out.baseAddress!, count: count) }
            written = count
        }
    }

    // MARK: - ggml reference quantizers, one block each

    /// Float → Int with C's truncating cast semantics for the finite range used here; NaN → 0.
    @inline(__always)
    static func truncated(_ v: Float) -> Int {
        v.isNaN ? 0 : Int(max(-1024, min(1024, v)))
    }

    @inline(__always)
    static func storeHalf(_ v: Float, _ p: UnsafeMutableRawPointer, _ offset: Int) {
        p.storeBytes(of: F16.bits(v), toByteOffset: offset, as: UInt16.self)
    }

    static func quantizeQ8_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, out, 0)
        for j in 0..<32 {
            let q = (x[j] * id).rounded(.toNearestOrAwayFromZero)
            out.storeBytes(of: Int8(clamping: truncated(q)), toByteOffset: 2 + j, as: Int8.self)
        }
    }

    static func quantizeQ4_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        var amax: Float = 0, vmax: Float = 0
        for j in 0..<32 where amax < abs(x[j]) {
            amax = abs(x[j])
            vmax = x[j]
        }
        let d = vmax / -8
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, out, 0)
        for j in 0..<16 {
            let lo = min(15, max(0, truncated(x[j] * id + 8.5)))
            let hi = min(15, max(0, truncated(x[j + 16] * id + 8.5)))
            out.storeBytes(of: UInt8(lo | hi << 4), toByteOffset: 2 + j, as: UInt8.self)
        }
    }

    static func quantizeQ4_1(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        var vmin = Float.greatestFiniteMagnitude, vmax = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            if x[j] < vmin { vmin = x[j] }
            if x[j] > vmax { vmax = x[j] }
        }
        let d = (vmax - vmin) / 15
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, out, 0)
        storeHalf(vmin, out, 2)
        for j in 0..<16 {
            let lo = min(15, max(0, truncated((x[j] - vmin) * id + 0.5)))
            let hi = min(15, max(0, truncated((x[j + 16] - vmin) * id + 0.5)))
            out.storeBytes(of: UInt8(lo | hi << 4), toByteOffset: 4 + j, as: UInt8.self)
        }
    }
}
