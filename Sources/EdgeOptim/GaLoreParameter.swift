// galore_torch/adamw.py @ galore-torch 1.0 (one projected parameter), with Natural GaLore's
// natural-gradient stage between projection and Adam (reference/optimizers.md §2.9, §3.4).
import EdgeTensor

/// One GaLore-projected m×n matrix: its projector, Adam moments in the low-rank space, and (Natural GaLore)
/// the gradient history. Generic over the scalar so the Float64 engine can be checked against the
/// reference to 1e-10; the optimizers use `GaLoreParameter<Float>`.
///
/// One step with gradient G, t = steps already taken:
///   if no basis or t mod T = 0: basis ← SVD(G) (reset the history if asked)
///   R = project(G);  R ← (λI + GmGmᵀ)⁻¹R (natural stage, optional)
///   t ← t+1;  M, V ← Adam(R);  N = M/(√V+ε);  a = lr·√(1−β2ᵗ)/(1−β1ᵗ)
///   W ← W − a·α·back(N);  W ← W − lr·wd·W
/// Moments and history are kept across refreshes (read in the new basis), as the references do.
public struct GaLoreParameter<S: LAPACKScalar>: Sendable {
    public var projector: GaLoreProjector<S>
    public var moments: AdamMoments<S>
    public var history: NaturalGradientHistory<S>?
    /// SVDs computed since creation (not checkpointed; for tests of the refresh rule).
    public private(set) var refreshes = 0

    public init(rows: Int, cols: Int, settings: GaLore.Settings, natural: NaturalGradientSettings? = nil) {
        projector = GaLoreProjector(rows: rows, cols: cols, rank: settings.rank,
                                    side: settings.projectionType.side(rows: rows, cols: cols))
        let k = projector.lowRankCount
        moments = AdamMoments(count: k, bits: settings.stateBits)
        if let natural {
            history = NaturalGradientHistory(capacity: natural.historySize, length: k, damping: natural.damping,
                                             precision: natural.historyPrecision)
        }
    }

    /// Bytes of state: basis + moments + history.
    public var bytes: Int { projector.bytes + moments.bytes + (history?.bytes ?? 0) }

    /// Bytes a parameter of this shape holds once its basis exists (memory estimates).
    public static func bytes(rows m: Int, cols n: Int, settings: GaLore.Settings, natural: NaturalGradientSettings?) -> Int {
        let side = settings.projectionType.side(rows: m, cols: n)
        let r = min(settings.rank, m, n)
        let k = side == .left ? r * n : side == .right ? m * r : r * r
        var total = GaLoreProjector<S>.bytes(rows: m, cols: n, rank: r, side: side) + AdamMoments<S>.bytes(count: k, bits: settings.stateBits)
        if let natural {
            total += NaturalGradientHistory<S>.bytes(capacity: natural.historySize, length: k, precision: natural.historyPrecision)
        }
        return total
    }

    /// Workspace elements `step` needs.
    public var workspaceCount: Int { 2 * projector.lowRankCount + projector.scratchCount }

    /// One optimizer step on the m×n row-major `w` with gradient `g`. `workspace` is grown as needed.
    /// Equal to `refresh` (when `needsRefresh`), `project`, then `stepProjected` — the split data-parallel
    /// training uses to all-reduce R instead of G between refreshes (projection is linear: Σ PᵀGᵢ = Pᵀ ΣGᵢ).
    public mutating func step(weight w: UnsafeMutablePointer<S>, gradient g: UnsafePointer<S>, lr: Double,
                              settings: GaLore.Settings, resetHistoryOnRefresh: Bool = false, workspace: inout [S]) throws {
        if needsRefresh(updateGap: settings.updateGap) {
            try refresh(gradient: g, settings: settings, resetHistory: resetHistoryOnRefresh)
        }
        let k = projector.lowRankCount
        if workspace.count < workspaceCount { workspace = [S](repeating: 0, count: workspaceCount) }
        try workspace.withUnsafeMutableBufferPointer { ws in
            let r = ws.baseAddress!, n = r + k, scratch = n + k
            projector.project(g, into: r, scratch: scratch)
            try stepProjected(weight: w, projected: r, moments: n, scratch: scratch, lr: lr, settings: settings)
        }
    }

    /// True when the next step recomputes the basis: none yet, or t mod T = 0.
    public func needsRefresh(updateGap: Int) -> Bool { !projector.hasBasis || moments.step % updateGap == 0 }

    /// Recomputes the basis from the (full) gradient `g`; clears the history when `resetHistory`.
    public mutating func refresh(gradient g: UnsafePointer<S>, settings: GaLore.Settings, resetHistory: Bool) throws {
        try projector.refresh(gradient: g, precision: settings.svdPrecision)
        refreshes += 1
        if resetHistory { history?.clear() }
    }

    /// Installs a basis another process computed with `refresh` (its `projector.basis`), as a refresh would.
    public mutating func installBasis(_ basis: [S], resetHistory: Bool) {
        projector.setBasis(flat: basis)
        refreshes += 1
        if resetHistory { history?.clear() }
    }

    /// The rest of a step after projection: R (in place: the natural stage transforms it) → Adam → W update.
    /// `workspace` is grown to `lowRankCount + projector.scratchCount` elements as needed.
    public mutating func stepProjected(weight w: UnsafeMutablePointer<S>, projected r: UnsafeMutablePointer<S>, lr: Double,
                                       settings: GaLore.Settings, workspace: inout [S]) throws {
        let k = projector.lowRankCount
        if workspace.count < k + projector.scratchCount { workspace = [S](repeating: 0, count: k + projector.scratchCount) }
        try workspace.withUnsafeMutableBufferPointer { ws in
            try stepProjected(weight: w, projected: r, moments: ws.baseAddress!, scratch: ws.baseAddress! + k, lr: lr, settings: settings)
        }
    }

    private mutating func stepProjected(weight w: UnsafeMutablePointer<S>, projected r: UnsafeMutablePointer<S>,
                                        moments n: UnsafeMutablePointer<S>, scratch: UnsafeMutablePointer<S>,
                                        lr: Double, settings: GaLore.Settings) throws {
        try history?.transform(r)
        let a = moments.advance(gradient: r, into: n, hyper: settings.adam, lr: lr)
        projector.addBack(n, alpha: S(-a * settings.scale), to: w, scratch: scratch)
        Self.decay(w, count: projector.rows * projector.cols, lr: lr, weightDecay: settings.adam.weightDecay)
    }

    /// Tensor convenience for tests and tools.
    public mutating func step(_ w: inout DenseTensor<S>, gradient: DenseTensor<S>, lr: Double, settings: GaLore.Settings,
                              resetHistoryOnRefresh: Bool = false) throws {
        precondition(w.shape == [projector.rows, projector.cols] && gradient.shape == w.shape, "shape mismatch")
        var ws: [S] = []
        try w.withUnsafeMutableBufferPointer { pw in
            try gradient.withUnsafeBufferPointer { pg in
                try step(weight: pw.baseAddress!, gradient: pg.baseAddress!, lr: lr, settings: settings,
                         resetHistoryOnRefresh: resetHistoryOnRefresh, workspace: &ws)
            }
        }
    }

    /// Decoupled decay after the update, on the updated W, with plain lr: W ← W − lr·wd·W (reference §1).
    @inline(__always)
    static func decay(_ w: UnsafeMutablePointer<S>, count: Int, lr: Double, weightDecay wd: Double) {
        guard wd > 0 else { return }
        ScalarKernels.decay(w, factor: -lr * wd, count)
    }

    // MARK: checkpoint form

    func state(prefix p: String) -> [String: Tensor] {
        var d = projector.state(prefix: p).merging(moments.state(prefix: p)) { a, _ in a }
        d[p + "galore_shape"] = Tensor(shape: [2], scalars: [Float(projector.rows), Float(projector.cols)])
        if let history { d.merge(history.state(prefix: p)) { a, _ in a } }
        return d
    }

    mutating func load(_ d: [String: Tensor], prefix p: String) throws {
        try projector.load(d, prefix: p)
        try moments.load(d, prefix: p)
        try history?.load(d, prefix: p)
    }
}

/// A parameter that is not projected: transformers-form AdamW with full-size moments (reference §1):
/// W ← W − a·M/(√V+ε), then W ← W − lr·wd·W.
enum PlainAdam {
    static func step<S: LAPACKScalar>(_ mom: inout AdamMoments<S>, weight w: UnsafeMutablePointer<S>, gradient g: UnsafePointer<S>,
                                      lr: Double, hyper: AdamHyperparameters, workspace: inout [S]) {
        let count = mom.count
        if S.self == Float.self && !mom.isQuantized {   // one fused pass over W, M, V, R, split across the threads
            mom.step += 1
            let a = hyper.stepSize(lr: lr, step: mom.step), f = hyper.weightDecay > 0 ? -lr * hyper.weightDecay : 0
            mom.m.withUnsafeMutableBufferPointer { pm in
                mom.v.withUnsafeMutableBufferPointer { pv in
                    ScalarKernels.fusedAdamW(w: UnsafeMutableRawPointer(w).assumingMemoryBound(to: Float.self),
                                             m: UnsafeMutableRawPointer(pm.baseAddress!).assumingMemoryBound(to: Float.self),
                                             v: UnsafeMutableRawPointer(pv.baseAddress!).assumingMemoryBound(to: Float.self),
                                             r: UnsafeRawPointer(g).assumingMemoryBound(to: Float.self), count: count,
                                             hyper: hyper, stepSize: Float(-a), decay: Float(f))
                }
            }
            return
        }
        if workspace.count < count { workspace = [S](repeating: 0, count: count) }
        workspace.withUnsafeMutableBufferPointer { ws in
            let n = ws.baseAddress!
            let a = mom.advance(gradient: g, into: n, hyper: hyper, lr: lr)
            ScalarKernels.addScaled(w, n, alpha: -a, count)
        }
        GaLoreParameter<S>.decay(w, count: count, lr: lr, weightDecay: hyper.weightDecay)
    }
}

/// Name → state tables shared by the GaLore-family optimizers (projected matrices and plain parameters).
final class LowRankTable {
    var projected: [String: GaLoreParameter<Float>] = [:]
    var plain: [String: AdamMoments<Float>] = [:]
    var workspace: [Float] = []

    /// Plain AdamW step for `name`, creating its moments on first use.
    func plainUpdate(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float,
                     hyper: AdamHyperparameters, bits: StateBits) {
        precondition(parameter.shape == gradient.shape, "\(name): gradient shape \(gradient.shape) ≠ parameter \(parameter.shape)")
        var mom = plain.removeValue(forKey: name) ?? AdamMoments(count: parameter.count, bits: bits.forPlain(name))
        parameter.withUnsafeMutableBufferPointer { pw in
            gradient.withUnsafeBufferPointer { pg in
                PlainAdam.step(&mom, weight: pw.baseAddress!, gradient: pg.baseAddress!, lr: Double(lr), hyper: hyper, workspace: &workspace)
            }
        }
        plain[name] = mom
    }

    /// The state of projected `name` (created on first use).
    func projectedState(_ name: String, rows: Int, cols: Int, settings: GaLore.Settings,
                        natural: NaturalGradientSettings?) -> GaLoreParameter<Float> {
        projected[name] ?? GaLoreParameter(rows: rows, cols: cols, settings: settings, natural: natural)
    }

    /// Projected step for `name`, creating its state on first use.
    func projectedUpdate(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float, settings: GaLore.Settings,
                         natural: NaturalGradientSettings?) throws {
        precondition(parameter.shape == gradient.shape && parameter.rank == 2,
                     "\(name): gradient shape \(gradient.shape) ≠ parameter \(parameter.shape)")
        var st = projected.removeValue(forKey: name)
            ?? GaLoreParameter(rows: parameter.rows, cols: parameter.cols, settings: settings, natural: natural)
        defer { projected[name] = st }
        try parameter.withUnsafeMutableBufferPointer { pw in
            try gradient.withUnsafeBufferPointer { pg in
                try st.step(weight: pw.baseAddress!, gradient: pg.baseAddress!, lr: Double(lr), settings: settings,
                            resetHistoryOnRefresh: natural?.resetHistoryOnRefresh ?? false, workspace: &workspace)
            }
        }
    }

    var stateBytes: Int {
        projected.values.reduce(0) { $0 + $1.bytes } + plain.values.reduce(0) { $0 + $1.bytes }
    }

    func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (name, st) in projected { d.merge(st.state(prefix: name + "/")) { a, _ in a } }
        for (name, mom) in plain {
            d.merge(mom.state(prefix: name + "/")) { a, _ in a }
            d[name + "/numel"] = Tensor(shape: [1], scalars: [Float(mom.count)])
        }
        return d
    }

    func loadStateDict(_ d: [String: Tensor], settings: GaLore.Settings, natural: NaturalGradientSettings?) throws {
        var proj: [String: GaLoreParameter<Float>] = [:]
        var pl: [String: AdamMoments<Float>] = [:]
        for key in d.keys where key.hasSuffix("/galore_shape") {
            let name = String(key.dropLast("/galore_shape".count))
            let shape = d[key]!.scalars.map(Int.init)
            guard shape.count == 2, shape[0] > 0, shape[1] > 0 else { throw OptimizerError.stateMismatch("\(key) = \(shape)") }
            var st = GaLoreParameter<Float>(rows: shape[0], cols: shape[1], settings: settings, natural: natural)
            try st.load(d, prefix: name + "/")
            proj[name] = st
        }
        for key in d.keys where key.hasSuffix("/numel") {
            let name = String(key.dropLast("/numel".count))
            // The stored form decides: checkpoints from before `StateBits.forPlain` hold 8-bit embedding moments,
            // so either rule's form loads; a form these settings could not produce is a mismatch.
            let count = try StateCodec.int(d, key), quantized = d[name + "/exp_avg.codes"] != nil
            func quantizes(_ bits: StateBits) -> Bool { bits == .int8 && count >= AdamMoments<Float>.minQuantizedCount }
            guard quantized == quantizes(settings.stateBits.forPlain(name)) || quantized == quantizes(settings.stateBits) else {
                throw OptimizerError.stateMismatch("\(name) has \(quantized ? 8 : 32)-bit moments, settings ask for \(settings.stateBits.rawValue)")
            }
            var mom = AdamMoments<Float>(count: count, bits: quantized ? .int8 : .full)
            try mom.load(d, prefix: name + "/")
            pl[name] = mom
        }
        projected = proj
        plain = pl
    }
}
