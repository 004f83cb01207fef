// Natural GaLore (Das, arXiv 2410.16029; github.com/selfsupervised-ai/Natural-GaLore @ e23336d,
// galore_projector_tensor.py `_natural_gradient_transform`), reference/optimizers.md §3.
import CKernels
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
/// the Fisher estimate, not the solve (measured: 2e-4 (bf16) / 1e-3 (int8) of ‖ΔW‖ on noisy gradients; on a
/// deterministic closed loop, where successive gradients differ below BF16 precision, the natural gradient
/// is ill-conditioned in its history and the trajectory differs, with an equal objective decrease).
/// Memory: s·k·b + 8·s² bytes, b = 4 (exact, Float32), 2 (bf16), 1 + 4/256 (int8). Work per step: two passes
/// over the history, the rows split across the threads in chunks of 2048. With a Float32 engine scalar and exact
/// or bf16 storage the passes are the C kernels of `ckhistory.h` (each stored entry read once per pass at its
/// storage precision and widened in registers, AVX-512/AVX2 chosen at run time); otherwise (int8, or Float64
/// in tests) Swift loops widen each stored vector into a chunk buffer. No k-sized buffer either way.
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
    /// Tests: false runs the Swift passes even where the C kernels apply (they must agree).
    var usesKernels = true

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
        case .exact: exact.withUnsafeBufferPointer { h in ScalarKernels.widen(h.baseAddress! + base, out, n) }
        case .bf16: half.withUnsafeBufferPointer { h in Self.widenBF16(h.baseAddress! + base, out, n) }
        case .int8:      // code[q]·absmax in Float32, as BlockQuantized.dequantized()
            let q = q8[slot], bs = q.blockSize
            DynamicMap.signed.withUnsafeBufferPointer { code in
                q.codes.withUnsafeBufferPointer { c in
                    q.absmax.withUnsafeBufferPointer { am in
                        var i = start
                        while i < start + n {               // one scale per block
                            let end = min(start + n, (i / bs + 1) * bs), scale = am[i / bs]
                            for j in i..<end { out[j - start] = Double(code[Int(c[j])] * scale) }
                            i = end
                        }
                    }
                }
            }
        }
    }

    /// Stores `n` entries of `src` (the current vector, widened from S, so narrowing is exact) into `slot` at `start`.
    @inline(__always)
    mutating func store(_ slot: Int, from start: Int, count n: Int, _ src: UnsafePointer<Double>) {
        let base = slot * length + start
        switch precision {
        case .exact: exact.withUnsafeMutableBufferPointer { h in ScalarKernels.narrow(src, h.baseAddress! + base, n) }
        case .bf16:                          // round to nearest even, sixteen at a time
            withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { f in
                for e in 0..<n { f[e] = Float(src[e]) }
                half.withUnsafeMutableBufferPointer { h in BF16.encode(f.baseAddress!, into: UnsafeMutableRawPointer(h.baseAddress! + base), count: n) }
            }
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

    /// Stores the Float32 vector `r` into `slot` in one pass (copy, or BF16 rounding) and returns true; false when
    /// the engine scalar is not Float32 or the storage is int8 (then `store` runs chunk by chunk).
    mutating func storeFloat(_ r: UnsafeMutablePointer<S>, slot: Int) -> Bool {
        guard S.self == Float.self else { return false }
        let src = UnsafeRawPointer(r).assumingMemoryBound(to: Float.self), base = slot * length
        switch precision {
        case .exact: exact.withUnsafeMutableBufferPointer { h in UnsafeMutableRawPointer(h.baseAddress! + base).copyMemory(from: src, byteCount: 4 * length) }
        case .bf16: half.withUnsafeMutableBufferPointer { h in BF16.encode(src, into: UnsafeMutableRawPointer(h.baseAddress! + base), count: length) }
        case .int8: return false
        }
        return true
    }

    /// Pushes g (`r`, length k; the oldest vector is dropped when full) and replaces `r` by g̃ = (λI + GmGmᵀ)⁻¹g.
    ///
    /// The two passes over the history split the rows of g into one contiguous range per thread (`parallelFor`);
    /// each range sums its own partial dot products, and the partials are added in range order, so the result
    /// does not depend on scheduling. g is stored into its slot first (no pass reads that slot).
    public mutating func transform(_ r: UnsafeMutablePointer<S>) throws {
        let (s, k, lam) = (capacity, length, damping)
        let slot: Int
        if count < s { slot = (head + count) % s; count += 1 } else { slot = head; head = (head + 1) % s }
        let old = slots.filter { $0 != slot }            // oldest first
        let prev = (newest >= 0 && newest != slot && precision != .exact) ? newest : -1
        let c = old.count + 1, co = old.count
        let chunk = Self.chunk
        let prevIndex = old.firstIndex(of: prev) ?? -1
        if !(usesKernels && storeFloat(r, slot: slot)) {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: chunk) { buf in
                var a = 0
                while a < k {
                    let n = min(chunk, k - a)
                    ScalarKernels.widen(r + a, buf.baseAddress!, n)
                    store(slot, from: a, count: n, buf.baseAddress!)
                    a += n
                }
            }
        }
        // Pass 1, per range of rows: y_old = H·g, y_c = <g, g>, and (compact) corr = H·h_prev with h_prev as stored.
        let chunks = (k + chunk - 1) / chunk, parts = min(Threads.count, chunks)
        let width = c + co
        var partial = [Double](repeating: 0, count: parts * width)
        let me = self, rr = UnsafeSendable(r)   // read-only snapshot of the stored vectors for both passes
        partial.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out.baseAddress!)
            parallelFor(parts) { p0, p1 in
                for p in p0..<p1 {
                    let (lo, hi) = Self.range(part: p, of: parts, chunks: chunks, chunk: chunk, length: k)
                    me.historyDots(rr.value, rows: lo..<hi, old: old, prevIndex: prevIndex, into: out.value + p * width,
                                   kernels: me.usesKernels)
                }
            }
        }
        var y = [Double](repeating: 0, count: c)
        var corr = [Double](repeating: 0, count: max(co, 1))
        for p in 0..<parts {
            for i in 0..<c { y[i] += partial[p * width + i] }
            for i in 0..<co { corr[i] += partial[p * width + c + i] }
        }
        for (i, sl) in old.enumerated() {
            gram[slot * s + sl] = y[i]
            gram[sl * s + slot] = y[i]
            if prevIndex >= 0 { gram[prev * s + sl] = corr[i]; gram[sl * s + prev] = corr[i] }
        }
        gram[slot * s + slot] = y[c - 1]
        // S = I + Â/λ over (old…, slot); z = S⁻¹y by Cholesky (LAPACK dpotrf/dpotrs).
        let order = old + [slot]
        var sm = Tensor64(zeros: [c, c])
        for (i, si) in order.enumerated() {
            for (j, sj) in order.enumerated() { sm[i, j] = (i == j ? 1 : 0) + gram[si * s + sj] / lam }
        }
        let z = try choleskySolve(cholesky(sm), Tensor64(shape: [c], scalars: y)).scalars
        // Pass 2, per range of rows: g̃ = g/λ − (Hᵀz_old + z_c·g)/λ².
        parallelFor(parts) { p0, p1 in
            for p in p0..<p1 {
                let (lo, hi) = Self.range(part: p, of: parts, chunks: chunks, chunk: chunk, length: k)
                me.applyNatural(rr.value, rows: lo..<hi, old: old, z: z, kernels: me.usesKernels)
            }
        }
        newest = slot
    }

    /// Rows [lo, hi) of part `p`: whole chunks, split as evenly as possible.
    static func range(part p: Int, of parts: Int, chunks: Int, chunk: Int, length k: Int) -> (Int, Int) {
        let c0 = chunks * p / parts, c1 = chunks * (p + 1) / parts
        return (c0 * chunk, min(k, c1 * chunk))
    }

    /// Pass 1 over `rows`: out[0..<co] = H·g, out[co] = <g, g>, out[co+1…] = H·h_prev (when prevIndex ≥ 0).
    func historyDots(_ r: UnsafeMutablePointer<S>, rows: Range<Int>, old: [Int], prevIndex: Int, into out: UnsafeMutablePointer<Double>,
                     kernels: Bool) {
        if kernels, withKernelStorage(rows: rows, old: old, { bf16, h in
            ek_history_dots(bf16, h, Int32(old.count), UnsafeRawPointer(r + rows.lowerBound).assumingMemoryBound(to: Float.self),
                            prevIndex >= 0 ? h[prevIndex] : nil, rows.count, out)
        }) { return }
        let chunk = Self.chunk, co = old.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * chunk) { buf in
            let g = buf.baseAddress!, h = g + chunk, hp = h + chunk
            var a = rows.lowerBound
            while a < rows.upperBound {
                let n = min(chunk, rows.upperBound - a)
                ScalarKernels.widen(r + a, g, n)
                out[co] += Self.dot(g, g, n)
                if prevIndex >= 0 { load(old[prevIndex], from: a, count: n, into: hp) }
                for (i, sl) in old.enumerated() {
                    load(sl, from: a, count: n, into: h)
                    out[i] += Self.dot(h, g, n)
                    if prevIndex >= 0 { out[co + 1 + i] += Self.dot(h, hp, n) }
                }
                a += n
            }
        }
    }

    /// Pass 2 over `rows`: r ← g/λ − (Hᵀz_old + z_c·g)/λ² (g read from r).
    func applyNatural(_ r: UnsafeMutablePointer<S>, rows: Range<Int>, old: [Int], z: [Double], kernels: Bool) {
        let chunk = Self.chunk, c = old.count + 1
        let (invLam, invLam2, zc) = (1 / damping, 1 / (damping * damping), z[c - 1])
        if kernels, withKernelStorage(rows: rows, old: old, { bf16, h in
            ek_history_apply(bf16, h, Int32(old.count), z, zc, invLam, invLam2,
                             UnsafeMutableRawPointer(r + rows.lowerBound).assumingMemoryBound(to: Float.self), rows.count)
        }) { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * chunk) { buf in
            let g = buf.baseAddress!, t = g + chunk, h = t + chunk
            var a = rows.lowerBound
            while a < rows.upperBound {
                let n = min(chunk, rows.upperBound - a)
                ScalarKernels.widen(r + a, g, n)
                for e in 0..<n { t[e] = zc * g[e] }
                for (i, sl) in old.enumerated() {
                    load(sl, from: a, count: n, into: h)
                    Self.axpy(z[i], h, t, n)
                }
                for e in 0..<n { t[e] = g[e] * invLam - t[e] * invLam2 }
                ScalarKernels.narrow(t, r + a, n)
                a += n
            }
        }
    }

    /// Calls `body` with the C kernels' view of the stored vectors `old` at `rows` (storage kind 0 Float32 or 1 BF16,
    /// one pointer per vector) and returns true; false when the kernels do not apply (int8 storage, or an engine
    /// scalar other than Float32, whose current vector the kernels could not read).
    func withKernelStorage(rows: Range<Int>, old: [Int], _ body: (Int32, UnsafePointer<UnsafeRawPointer?>) -> Void) -> Bool {
        guard S.self == Float.self else { return false }
        func run(_ base: UnsafeRawPointer, _ size: Int, _ kind: Int32) {
            let pointers: [UnsafeRawPointer?] = old.map { base + size * ($0 * length + rows.lowerBound) } + [nil]  // never empty
            pointers.withUnsafeBufferPointer { body(kind, $0.baseAddress!) }
        }
        switch precision {
        case .exact: exact.withUnsafeBytes { run($0.baseAddress!, 4, 0) }
        case .bf16: half.withUnsafeBytes { run($0.baseAddress!, 2, 1) }
        case .int8: return false
        }
        return true
    }

    /// y[e] += α·x[e], eight lanes at a time.
    @inline(__always)
    static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y), va = SIMD8<Double>(repeating: alpha)
        var e = 0
        while e + 8 <= n {
            let v = ry.loadUnaligned(fromByteOffset: 8 * e, as: SIMD8<Double>.self) + va * rx.loadUnaligned(fromByteOffset: 8 * e, as: SIMD8<Double>.self)
            ry.storeBytes(of: v, toByteOffset: 8 * e, as: SIMD8<Double>.self)
            e += 8
        }
        while e < n { y[e] += alpha * x[e]; e += 1 }
    }

    /// Σ a[e]·b[e] in Float64, two 8-lane accumulators (plain multiply-add: `addProduct` would call libm's
    /// `fma` per lane on the baseline x86-64 target).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>()
        var e = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while e + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: 8 * e, as: SIMD8<Double>.self) * rb.loadUnaligned(fromByteOffset: 8 * e, as: SIMD8<Double>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: 8 * e + 64, as: SIMD8<Double>.self) * rb.loadUnaligned(fromByteOffset: 8 * e + 64, as: SIMD8<Double>.self)
            e += 16
        }
        var s = (acc0 + acc1).sum()
        while e < n { s += a[e] * b[e]; e += 1 }
        return s
    }

    /// out[e] = Double(bf16 src[e]) (the bits shifted into a Float32, then widened), eight at a time.
    @inline(__always)
    static func widenBF16(_ src: UnsafePointer<UInt16>, _ out: UnsafeMutablePointer<Double>, _ n: Int) {
        let raw = UnsafeRawPointer(src), dst = UnsafeMutableRawPointer(out)
        var e = 0
        while e + 8 <= n {
            let bits = SIMD8<UInt32>(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: 2 * e, as: SIMD8<UInt16>.self)) &<< 16
            dst.storeBytes(of: SIMD8<Double>(unsafeBitCast(bits, to: SIMD8<Float>.self)), toByteOffset: 8 * e, as: SIMD8<Double>.self)
            e += 8
        }
        while e < n { out[e] = Double(Float(bitPattern: UInt32(src[e]) << 16)); e += 1 }
    }

    // MARK: checkpoint form

    /// The history as named tensors (keys start with `p`), the part of the optimizer's state dict it owns.
    public func state(prefix p: String) -> [String: Tensor] {
        var d: [String: Tensor] = [
            p + "history.meta": Tensor(shape: [3], scalars: [Float(count), Float(head), Float(newest)]),
            p + "history.gram": StateCodec.encode(gram),
        ]
        switch precision {
        case .exact: d[p + "history"] = StateCodec.matrix(exact, rows: capacity, cols: length)
        case .bf16:
            // The values themselves (BF16-exact Float32), so the checkpoint can store them as BF16 at no loss.
            d[p + "history.bf16.values"] = Tensor(shape: [capacity, length], scalars: BF16.decode(half))
        case .int8:
            d[p + "history.codes"] = Tensor(shape: [capacity, length], scalars: q8.flatMap { $0.codes.map(Float.init) })
            d[p + "history.absmax"] = Tensor(shape: [capacity, q8[0].absmax.count], scalars: q8.flatMap { $0.absmax })
        }
        return d
    }

    /// Restores `state(prefix:)` output; throws when an entry is missing or does not fit this history.
    public mutating func load(_ d: [String: Tensor], prefix p: String) throws {
        let meta = try StateCodec.tensor(d, p + "history.meta", count: 3).scalars.map(Int.init)
        guard (0...capacity).contains(meta[0]), (0..<capacity).contains(meta[1]), (-1..<capacity).contains(meta[2]) else {
            throw OptimizerError.stateMismatch("\(p)history.meta \(meta) does not fit history size \(capacity)")
        }
        (count, head, newest) = (meta[0], meta[1], meta[2])
        gram = try StateCodec.decode(d, p + "history.gram", count: capacity * capacity)
        switch precision {
        case .exact: exact = try StateCodec.loadMatrix(d, p + "history", count: capacity * length)
        case .bf16 where d[p + "history.bf16.values"] != nil:
            half = BF16.encode(try StateCodec.tensor(d, p + "history.bf16.values", count: capacity * length).scalars)
        case .bf16:   // checkpoints before 2026-12-03 hold the bit patterns as integers
            half = try StateCodec.tensor(d, p + "history.bf16", count: capacity * length).scalars.map { UInt16($0) }
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
