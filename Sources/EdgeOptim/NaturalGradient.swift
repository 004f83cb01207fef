// Natural GaLore (Das, arXiv 2410.16029; github.com/selfsupervised-ai/Natural-GaLore @ e23336d,
// galore_projector_tensor.py `_natural_gradient_transform`), reference/optimizers.md §3.
import EdgeTensor

/// Storage precision of the natural-gradient history.
///
/// `exact` keeps each vector in the engine's scalar (Float32 in the optimizer: exact, since projected
/// gradients are Float32). `bf16` (default) and `int8` (bitsandbytes signed dynamic map, 256-blocks)
/// compress the s−1 older vectors; the current vector is always used exactly (see `NaturalGradientHistory`).
public enum HistoryPrecision: String, Sendable, CaseIterable, Codable {
    case exact, bf16, int8
}

/// FIFO history of the last s projected gradients (flattened row-major, length k) and the natural-gradient
/// transform g̃ = (λI + Gm·Gmᵀ)⁻¹·g, where Gm (k×c, c = min(pushes, s)) holds the history including g.
///
/// Woodbury (reference §3.1/§3.4), all in Float64:
///   S = I_c + GmᵀGm/λ,  y = Gmᵀg,  S = LLᵀ (Cholesky),  z = S⁻¹y,  g̃ = g/λ − Gm·z/λ².
/// S has all eigenvalues ≥ 1, so the Cholesky never fails (duplicates, c > k, g = 0 give g̃ = 0).
///
/// Compact design. The Gram matrix GmᵀGm (s×s Float64) is kept across steps and updated incrementally, so a
/// step reads each stored vector twice (y and Gm·z) instead of forming GmᵀGm (O(s·k) instead of O(s²·k)).
/// Old vectors may be stored at reduced precision h̃ᵢ. Two invariants keep the Float64 accuracy:
///  1. the newest column of Gm is g itself (exact), and y is exactly the last Gram column, so
///     g̃ = Gm(λI + Â)⁻¹e_c: errors in Â do not meet the ‖g‖²/λ cancellation of the Woodbury form;
///  2. when g is compressed to g̃ for storage, its Gram row is recomputed from g̃ (next step, in the same pass
///     as y), so Â stays the exact Gram of the vectors actually used and stays positive semidefinite.
/// The result is then the exact natural gradient for the history {h̃₁ … h̃_{c−1}, g}: the compression perturbs
/// the Fisher estimate, not the solve. Memory: s·k·b + 8·s² bytes, b = 4 (exact, Float32), 2 (bf16),
/// 1 + 4/256 (int8); the transient workspace is O(chunk) (no k-sized buffer).
public struct NaturalGradientHistory<S: LAPACKScalar>: Sendable {
    public let capacity: Int
    public let length: Int
    public let damping: Double
    public let precision: HistoryPrecision
    /// Vectors currently held (≤ capacity).
    public private(set) var count = 0
    /// Slot of the oldest vector.
    var head = 0
    /// Slot of the vector pushed last (whose Gram row is refreshed from its stored form), −1 if none.
    var newest = -1
    var exact: [S] = []          // capacity × length (slot-major)
    var half: [UInt16] = []      // capacity × length
    var q8: [BlockQuantized] = []
    /// Gram matrix of the stored vectors, capacity × capacity, indexed by slot.
    var gram: [Double]

    static var chunk: Int { 2048 }   // a multiple of the 8-bit block size

    public init(capacity s: Int, length k: Int, damping: Double, precision: HistoryPrecision) {
        precondition(s >= 1 && k >= 1 && damping > 0, "history needs s ≥ 1, k ≥ 1, λ > 0")
        capacity = s
        length = k
        self.damping = damping
        self.precision = precision
        gram = [Double](repeating: 0, count: s * s)
        switch precision {
        case .exact: exact = [S](repeating: 0, count: s * k)
        case .bf16: half = [UInt16](repeating: 0, count: s * k)
        case .int8: q8 = (0..<s).map { _ in BlockQuantized(count: k, signed: true) }
        }
    }

    /// Bytes held: vectors at their storage precision plus the Float64 Gram matrix.
    public var bytes: Int { Self.bytes(capacity: capacity, length: length, precision: precision) }

    public static func bytes(capacity s: Int, length k: Int, precision: HistoryPrecision) -> Int {
        let vectors: Int
        switch precision {
        case .exact: vectors = s * k * MemoryLayout<S>.stride
        case .bf16: vectors = s * k * 2
        case .int8: vectors = s * BlockQuantized.bytes(count: k)
        }
        return vectors + 8 * s * s
    }

    /// Forgets every vector (refresh with `resetHistoryOnRefresh`).
    public mutating func clear() {
        count = 0
        head = 0
        newest = -1
    }

    /// Slots oldest first.
    var slots: [Int] { (0..<count).map { (head + $0) % capacity } }

    /// The stored vectors, oldest first, as Float64 (what the solve uses for them).
    public func vectors() -> [[Double]] {
        slots.map { slot in
            var v = [Double](repeating: 0, count: length)
            v.withUnsafeMutableBufferPointer { out in load(slot, from: 0, count: length, into: out.baseAddress!) }
            return v
        }
    }

    /// Decodes `n` entries of `slot` starting at `start` into `out`.
    @inline(__always)
    func load(_ slot: Int, from start: Int, count n: Int, into out: UnsafeMutablePointer<Double>) {
        let base = slot * length + start
        switch precision {
        case .exact: exact.withUnsafeBufferPointer { h in for e in 0..<n { out[e] = Double(h[base + e]) } }
        case .bf16: half.withUnsafeBufferPointer { h in for e in 0..<n { out[e] = Double(Float(bitPattern: UInt32(h[base + e]) << 16)) } }
        case .int8:
            withUnsafeTemporaryAllocation(of: Float.self, capacity: BlockQuantized.defaultBlockSize) { tmp in
                var e = 0
                while e < n {
                    let b = (start + e) / BlockQuantized.defaultBlockSize
                    let r = q8[slot].blockRange(b)
                    q8[slot].loadBlock(b, into: tmp.baseAddress!)
                    for i in (start + e) ..< min(r.upperBound, start + n) { out[i - start] = Double(tmp[i - r.lowerBound]) }
                    e = min(r.upperBound, start + n) - start
                }
            }
        }
    }

    /// Stores `n` entries of `src` (the current vector) into `slot` at `start`.
    @inline(__always)
    mutating func store(_ slot: Int, from start: Int, count n: Int, _ src: UnsafePointer<S>) {
        let base = slot * length + start
        switch precision {
        case .exact: exact.withUnsafeMutableBufferPointer { h in for e in 0..<n { h[base + e] = src[e] } }
        case .bf16: half.withUnsafeMutableBufferPointer { h in for e in 0..<n { h[base + e] = BF16.bits(Float(src[e])) } }
        case .int8:
            withUnsafeTemporaryAllocation(of: Float.self, capacity: BlockQuantized.defaultBlockSize) { tmp in
                var e = 0
                while e < n {
                    let b = (start + e) / BlockQuantized.defaultBlockSize
                    let r = q8[slot].blockRange(b)
                    for i in r { tmp[i - r.lowerBound] = Float(src[i - start]) }
                    q8[slot].storeBlock(b, from: tmp.baseAddress!)
                    e = r.upperBound - start
                }
            }
        }
    }

    /// Pushes g (`r`, length k; the oldest vector is dropped when full) and replaces `r` by g̃ = (λI + GmGmᵀ)⁻¹g.
    public mutating func transform(_ r: UnsafeMutablePointer<S>) throws {
        let (s, k, lam) = (capacity, length, damping)
        let slot: Int
        if count < s { slot = (head + count) % s; count += 1 } else { slot = head; head = (head + 1) % s }
        let old = slots.filter { $0 != slot }            // oldest first
        let prev = (newest >= 0 && newest != slot && precision != .exact) ? newest : -1
        let c = old.count + 1
        let chunk = Self.chunk
        // Pass 1: y_i = <h_i, g>, <g, g>, and (compact) corr_i = <h_i, h_prev> with h_prev as stored.
        var y = [Double](repeating: 0, count: c)
        var corr = [Double](repeating: 0, count: old.count)
        try withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * chunk) { buf in
            let g = buf.baseAddress!, h = g + chunk, hp = h + chunk
            var a = 0
            while a < k {
                let n = min(chunk, k - a)
                for e in 0..<n { g[e] = Double(r[a + e]) }
                y[c - 1] += Self.dot(g, g, n)
                if prev >= 0 { load(prev, from: a, count: n, into: hp) }
                for (i, sl) in old.enumerated() {
                    load(sl, from: a, count: n, into: h)
                    y[i] += Self.dot(h, g, n)
                    if prev >= 0 { corr[i] += Self.dot(h, hp, n) }
                }
                a += n
            }
            for (i, sl) in old.enumerated() {
                gram[slot * s + sl] = y[i]
                gram[sl * s + slot] = y[i]
                if prev >= 0 { gram[prev * s + sl] = corr[i]; gram[sl * s + prev] = corr[i] }
            }
            gram[slot * s + slot] = y[c - 1]
            // S = I + Â/λ over (old…, slot); z = S⁻¹y by Cholesky (LAPACK dpotrf/dpotrs).
            let order = old + [slot]
            var sm = Tensor64(zeros: [c, c])
            for (i, si) in order.enumerated() {
                for (j, sj) in order.enumerated() { sm[i, j] = (i == j ? 1 : 0) + gram[si * s + sj] / lam }
            }
            let z = try choleskySolve(cholesky(sm), Tensor64(shape: [c], scalars: y)).scalars
            // Pass 2: g̃ = g/λ − (Σ_old z_i h_i + z_c g)/λ², and g stored into its slot.
            let (invLam, invLam2) = (1 / lam, 1 / (lam * lam))
            a = 0
            while a < k {
                let n = min(chunk, k - a)
                for e in 0..<n { g[e] = Double(r[a + e]); hp[e] = z[c - 1] * g[e] }
                for (i, sl) in old.enumerated() {
                    load(sl, from: a, count: n, into: h)
                    Self.axpy(z[i], h, hp, n)
                }
                store(slot, from: a, count: n, r + a)
                for e in 0..<n { r[a + e] = S(g[e] * invLam - hp[e] * invLam2) }
                a += n
            }
        }
        newest = slot
    }

    /// Σ a[e]·b[e] in Float64, eight lanes.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var acc = SIMD8<Double>()
        var e = 0
        while e + 8 <= n {
            let va = UnsafeRawPointer(a + e).loadUnaligned(as: SIMD8<Double>.self)
            let vb = UnsafeRawPointer(b + e).loadUnaligned(as: SIMD8<Double>.self)
            acc.addProduct(va, vb)
            e += 8
        }
        var s = acc.sum()
        while e < n { s += a[e] * b[e]; e += 1 }
        return s
    }

    /// y ← y + α·x.
    @inline(__always)
    static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        for e in 0..<n { y[e] += alpha * x[e] }
    }

    // MARK: checkpoint form

    func state(prefix p: String) -> [String: Tensor] {
        var d: [String: Tensor] = [
            p + "history.meta": Tensor(shape: [3], scalars: [Float(count), Float(head), Float(newest)]),
            p + "history.gram": StateCodec.encode(gram),
        ]
        switch precision {
        case .exact: d[p + "history"] = StateCodec.matrix(exact, rows: capacity, cols: length)
        case .bf16: d[p + "history.bf16"] = Tensor(shape: [capacity, length], scalars: half.map(Float.init))
        case .int8:
            d[p + "history.codes"] = Tensor(shape: [capacity, length], scalars: q8.flatMap { $0.codes.map(Float.init) })
            d[p + "history.absmax"] = Tensor(shape: [capacity, q8[0].absmax.count], scalars: q8.flatMap { $0.absmax })
        }
        return d
    }

    mutating func load(_ d: [String: Tensor], prefix p: String) throws {
        let meta = try StateCodec.tensor(d, p + "history.meta", count: 3).scalars.map(Int.init)
        guard (0...capacity).contains(meta[0]), (0..<capacity).contains(meta[1]), (-1..<capacity).contains(meta[2]) else {
            throw OptimizerError.stateMismatch("\(p)history.meta \(meta) does not fit history size \(capacity)")
        }
        (count, head, newest) = (meta[0], meta[1], meta[2])
        gram = try StateCodec.decode(d, p + "history.gram", count: capacity * capacity)
        switch precision {
        case .exact: exact = try StateCodec.loadMatrix(d, p + "history", count: capacity * length)
        case .bf16: half = try StateCodec.tensor(d, p + "history.bf16", count: capacity * length).scalars.map { UInt16($0) }
        case .int8:
            let codes = try StateCodec.codes(d, p + "history.codes", count: capacity * length)
            let nb = q8[0].absmax.count
            let am = try StateCodec.tensor(d, p + "history.absmax", count: capacity * nb).scalars
            q8 = try (0..<capacity).map { i in
                try BlockQuantized(codes: Array(codes[i * length ..< (i + 1) * length]), absmax: Array(am[i * nb ..< (i + 1) * nb]), signed: true)
            }
        }
    }
}
