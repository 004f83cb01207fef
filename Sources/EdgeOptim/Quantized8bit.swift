// bitsandbytes 0.50.2 `functional.create_dynamic_map` / `quantize_blockwise` / `dequantize_blockwise`,
// and the block-wise 8-bit state layout of its `Adam8bit` (blocksize 256, signed map for the first
// moment, unsigned map for the second, tensors below 4096 elements kept in Float32).
import EdgeTensor

/// Precision of Adam moments: `32` keeps Float32 (or the engine's scalar), `8` uses block-wise dynamic
/// 8-bit quantization as bitsandbytes (`--state-bits 32|8`).
public enum StateBits: Int, Sendable, Codable, CaseIterable {
    case full = 32
    case int8 = 8

    /// The parameter whose moments stay Float32 under 8-bit states: the token embedding (the tied head too).
    public static let float32Parameter = "model.embed_tokens.weight"

    /// The precision of non-projected parameter `name`'s moments. 8-bit states keep the token embedding in
    /// Float32, as transformers' Trainer does with bitsandbytes (every `nn.Embedding` weight overridden to
    /// `optim_bits` 32, bitsandbytes' StableEmbedding advice): an embedding row's gradient is zero except
    /// when its token occurs, and its moments share quantization blocks with rows whose moments are far
    /// larger. Measured on the toy fine-tune (`TrainerTests.eightBitStatesMatchF32Loss`): AdamW with an 8-bit
    /// embedding ends 5.6 % above F32 states, with a Float32 one 1.7 %.
    public func forPlain(_ name: String) -> StateBits { self == .int8 && name == Self.float32Parameter ? .full : self }
}

/// The 256-entry dynamic (sign + exponent + linear fraction) code maps of bitsandbytes.
///
/// `create_dynamic_map(signed, max_exponent_bits = 7, total_bits = 8)`, all in Float32: for i in 0..<7 the
/// values `10^(i−6) · (b_j + b_{j+1})/2` for `b = linspace(0.1, 1, 2^i + 1)` (signed; `2^(i+1) + 1` points
/// unsigned), their negatives when signed, then 0 and 1, sorted. `linspace` is torch's CPU kernel
/// (`start + step·j` for the first half, `end − step·(steps−1−j)` after, each one fused multiply-add).
public enum DynamicMap {
    /// Signed map (range [−0.99297, 1]), used for the first moment.
    public static let signed: [Float] = make(signed: true)
    /// Unsigned map (range [0, 1]), used for the second moment.
    public static let unsigned: [Float] = make(signed: false)

    static func linspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
        let step = (end - start) / Float(steps - 1)
        let half = steps / 2
        return (0..<steps).map { i in
            // One rounding of an exact product-sum (as fmaf): both terms fit in a Double exactly.
            i < half ? Float(Double(start) + Double(step) * Double(i))
                     : Float(Double(end) - Double(step) * Double(steps - i - 1))
        }
    }

    static func make(signed: Bool) -> [Float] {
        var data: [Float] = []
        for i in 0..<7 {
            let items = signed ? (1 << i) + 1 : (1 << (i + 1)) + 1
            let b = linspace(0.1, 1.0, items)
            let scale = Float(pow10(i - 6))
            for j in 0..<(items - 1) {
                let mean = (b[j] + b[j + 1]) / 2
                data.append(scale * mean)
                if signed { data.append(-(scale * mean)) }
            }
        }
        data += [0, 1]
        precondition(data.count == 256, "dynamic map has \(data.count) entries")
        return data.sorted()
    }

    private static func pow10(_ e: Int) -> Double {
        var x = 1.0
        for _ in 0..<abs(e) { x *= 10 }
        return e < 0 ? 1 / x : x    // matches Python's 10.0 ** e for these small exponents
    }
}

/// A vector stored as 8-bit codes into a 256-entry map with one Float32 scale (absmax) per block.
///
/// Quantization (round to nearest code, ties to the lower code), per block b:
///   absmax_b = max |x| over the block;  y = x / absmax_b (Float32);  q = argmin_i |y − code_i|.
/// Dequantization: x̂ = code[q] · absmax_b. An all-zero block stores absmax 0 and the code of 0.
/// Error bound (each block): |x − x̂| ≤ absmax_b · (max_i (code_{i+1} − code_i)/2 + 2⁻²³), i.e. ≤ 0.00703·absmax_b
/// for the signed map. Bytes: `count + 4·⌈count/blockSize⌉`.
public struct BlockQuantized: Sendable, Equatable {
    public static let defaultBlockSize = 256
    public private(set) var codes: [UInt8]
    public private(set) var absmax: [Float]
    public let blockSize: Int
    public let signed: Bool

    /// Zeros of length `count`.
    public init(count: Int, signed: Bool, blockSize: Int = Self.defaultBlockSize) {
        precondition(blockSize > 0, "block size must be positive")
        self.blockSize = blockSize
        self.signed = signed
        let zero = UInt8(Self.map(signed).firstIndex(of: 0)!)
        codes = [UInt8](repeating: zero, count: count)
        absmax = [Float](repeating: 0, count: (count + blockSize - 1) / blockSize)
    }

    /// Quantizes `values`.
    public init(_ values: [Float], signed: Bool, blockSize: Int = Self.defaultBlockSize) {
        self.init(count: values.count, signed: signed, blockSize: blockSize)
        values.withUnsafeBufferPointer { p in
            for b in 0..<absmax.count { storeBlock(b, from: p.baseAddress! + b * blockSize) }
        }
    }

    /// Restores from stored codes and scales (checkpoint load).
    public init(codes: [UInt8], absmax: [Float], signed: Bool, blockSize: Int = Self.defaultBlockSize) throws {
        guard absmax.count == (codes.count + blockSize - 1) / blockSize else {
            throw OptimizerError.stateMismatch("8-bit state has \(absmax.count) scales for \(codes.count) codes")
        }
        self.codes = codes
        self.absmax = absmax
        self.blockSize = blockSize
        self.signed = signed
    }

    public var count: Int { codes.count }
    public var map: [Float] { Self.map(signed) }
    /// Bytes held: one per code plus four per block scale.
    public var bytes: Int { codes.count + 4 * absmax.count }
    /// Bytes for `count` elements (memory estimates).
    public static func bytes(count: Int, blockSize: Int = defaultBlockSize) -> Int {
        count + 4 * ((count + blockSize - 1) / blockSize)
    }

    static func map(_ signed: Bool) -> [Float] { signed ? DynamicMap.signed : DynamicMap.unsigned }

    /// Elements of block `b`.
    @inlinable public func blockRange(_ b: Int) -> Range<Int> { b * blockSize ..< min(codes.count, (b + 1) * blockSize) }

    /// Dequantizes block `b` into `out` (its length).
    public func loadBlock(_ b: Int, into out: UnsafeMutablePointer<Float>) {
        let r = blockRange(b)
        let scale = absmax[b]
        Self.map(signed).withUnsafeBufferPointer { code in
            codes.withUnsafeBufferPointer { q in
                for (o, i) in r.enumerated() { out[o] = code[Int(q[i])] * scale }
            }
        }
    }

    /// Quantizes block `b` from `src` (its length) with the block's new absmax.
    public mutating func storeBlock(_ b: Int, from src: UnsafePointer<Float>) {
        let r = blockRange(b)
        var am: Float = 0
        for o in 0..<r.count { am = max(am, abs(src[o])) }
        absmax[b] = am
        let code = Self.map(signed), start = Self.startIndex(signed)
        code.withUnsafeBufferPointer { c in
            start.withUnsafeBufferPointer { t in
                codes.withUnsafeMutableBufferPointer { q in
                    if am == 0 {
                        let zero = UInt8(c.firstIndex(of: 0)!)
                        for i in r { q[i] = zero }
                        return
                    }
                    for (o, i) in r.enumerated() { q[i] = Self.nearest(src[o] / am, c, t) }
                }
            }
        }
    }

    /// The nearest code index to `x`: i = the largest index with code_i ≤ x (0 if x < code_0), moved up to i+1
    /// when code_{i+1} is strictly nearer (ties to the lower code). The search starts from a table indexed by
    /// the top 16 bits of x (x truncated to bfloat16), which is at most a step or two from i.
    @inline(__always)
    static func nearest(_ x: Float, _ c: UnsafeBufferPointer<Float>, _ start: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var i = Int(start[Int(x.bitPattern >> 16)])
        while i > 0 && c[i] > x { i -= 1 }
        while i < 255 && c[i + 1] <= x { i += 1 }
        if i < 255 && abs(x - c[i + 1]) < abs(x - c[i]) { return UInt8(i + 1) }
        return UInt8(i)
    }

    static let signedStart = makeStart(DynamicMap.signed)
    static let unsignedStart = makeStart(DynamicMap.unsigned)
    static func startIndex(_ signed: Bool) -> [UInt8] { signed ? signedStart : unsignedStart }

    /// For each bfloat16 pattern b: the largest index with code ≤ value(b) (0 below code_0 or for NaN).
    static func makeStart(_ code: [Float]) -> [UInt8] {
        (0..<65536).map { b in
            let v = Float(bitPattern: UInt32(b) << 16)
            guard !v.isNaN else { return 0 }
            var lo = 0, hi = code.count            // first index with code > v
            while lo < hi { let mid = (lo + hi) >> 1; if code[mid] <= v { lo = mid + 1 } else { hi = mid } }
            return UInt8(max(lo - 1, 0))
        }
    }

    /// All values dequantized.
    public func dequantized() -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { p in
            for b in 0..<absmax.count { loadBlock(b, into: p.baseAddress! + b * blockSize) }
        }
        return out
    }

    /// Worst-case |x − x̂| / absmax_b of this map (half the widest gap between codes, plus rounding).
    public static func relativeErrorBound(signed: Bool) -> Double {
        let c = map(signed).map(Double.init)
        var gap = 0.0
        for i in 1..<c.count { gap = max(gap, c[i] - c[i - 1]) }
        let edge = signed ? 1 + c[0] : 0       // −1 maps to the smallest code, −0.99297
        return max(gap / 2, edge) + 0x1p-23
    }
}
