import EdgeTensor

/// GaLore-family optimizers split for data-parallel training with low-rank gradient communication.
///
/// For a projected matrix with local gradients Gᵢ on N ranks, `GaLoreParameter.step` on ΣGᵢ equals:
/// - at a refresh step (`needsRefresh`): all-reduce G = ΣGᵢ; `refreshBasis(G)` on one rank, broadcast,
///   `installBasis` on the others; R = `project(G)`;
/// - otherwise: R = Σ `project(Gᵢ)` (all-reduce of the r'×n or m×r' matrices only; exact because projection
///   is linear);
/// then `updateProjected(R)` on every rank. Non-projected parameters use `update` with the all-reduced G.
public protocol LowRankCommunicating: Optimizer {
    /// True when `name` (of `shape`) is projected.
    func isProjected(_ name: String, shape: [Int]) -> Bool
    /// True when the next update of projected `name` recomputes its basis (its first step, or t mod T = 0).
    func needsRefresh(_ name: String, shape: [Int]) -> Bool
    /// Recomputes the basis of `name` from the full (all-reduced) gradient; returns it flat for broadcasting.
    func refreshBasis(_ name: String, gradient: Tensor) throws -> [Float]
    /// Installs a basis computed by `refreshBasis` elsewhere.
    func installBasis(_ name: String, shape: [Int], _ basis: [Float])
    /// Elements of the basis `refreshBasis` returns for `name` (receivers size their buffer with it).
    func basisCount(_ name: String, shape: [Int]) -> Int
    /// Elements of R for projected `name` of `shape`.
    func lowRankCount(_ name: String, shape: [Int]) -> Int
    /// R = project(G) with the current basis of `name` (shape: the low-rank shape).
    func project(_ name: String, gradient: Tensor) -> Tensor
    /// The step of `name` from its (all-reduced) projected gradient R.
    func updateProjected(_ name: String, parameter: inout Tensor, projected: Tensor, lr: Float) throws
}

extension LowRankCommunicating {
    /// Elements all-reduced per step between refreshes (the low-rank count for projected matrices, the full
    /// count for the rest), the extra elements a refresh step all-reduces (projected matrices in full instead),
    /// and the basis elements it broadcasts. Shapes only (for `bench comm`).
    public func communicationCounts(shapes: [(name: String, shape: [Int])]) -> (lowRank: Int, refreshExtra: Int, basis: Int) {
        var low = 0, extra = 0, basis = 0
        for (name, shape) in shapes {
            let n = shape.reduce(1, *)
            guard isProjected(name, shape: shape) else { low += n; continue }
            let k = lowRankCount(name, shape: shape)
            low += k
            extra += n - k
            basis += basisCount(name, shape: shape)
        }
        return (low, extra, basis)
    }
}

extension LowRankTable {
    func needsRefresh(_ name: String, settings: GaLore.Settings) -> Bool {
        projected[name]?.needsRefresh(updateGap: settings.updateGap) ?? true
    }

    func refreshBasis(_ name: String, gradient: Tensor, settings: GaLore.Settings, natural: NaturalGradientSettings?) throws -> [Float] {
        precondition(gradient.rank == 2, "\(name): a projected gradient is a matrix, got \(gradient.shape)")
        var st = projectedState(name, rows: gradient.rows, cols: gradient.cols, settings: settings, natural: natural)
        defer { projected[name] = st }
        try gradient.withUnsafeBufferPointer { g in
            try st.refresh(gradient: g.baseAddress!, settings: settings, resetHistory: natural?.resetHistoryOnRefresh ?? false)
        }
        return st.projector.basis
    }

    func installBasis(_ name: String, shape: [Int], _ basis: [Float], settings: GaLore.Settings, natural: NaturalGradientSettings?) {
        var st = projectedState(name, rows: shape[0], cols: shape[1], settings: settings, natural: natural)
        st.installBasis(basis, resetHistory: natural?.resetHistoryOnRefresh ?? false)
        projected[name] = st
    }

    func basisCount(_ name: String, shape: [Int], settings: GaLore.Settings) -> Int {
        projectedState(name, rows: shape[0], cols: shape[1], settings: settings, natural: nil).projector.basisCount
    }

    func lowRankCount(_ name: String, shape: [Int], settings: GaLore.Settings) -> Int {
        projectedState(name, rows: shape[0], cols: shape[1], settings: settings, natural: nil).projector.lowRankCount
    }

    func project(_ name: String, gradient: Tensor) -> Tensor {
        guard let st = projected[name], st.projector.hasBasis else { preconditionFailure("\(name): project before any basis") }
        let pr = st.projector
        var r = Tensor(zeros: [pr.lowRankShape.rows, pr.lowRankShape.cols])
        var scratch = [Float](repeating: 0, count: max(1, pr.scratchCount))
        gradient.withUnsafeBufferPointer { g in
            r.withUnsafeMutableBufferPointer { rr in
                scratch.withUnsafeMutableBufferPointer { pr.project(g.baseAddress!, into: rr.baseAddress!, scratch: $0.baseAddress!) }
            }
        }
        return r
    }

    func updateProjected(_ name: String, parameter: inout Tensor, projected r: Tensor, lr: Float, settings: GaLore.Settings) throws {
        guard var st = projected.removeValue(forKey: name) else { preconditionFailure("\(name): updateProjected before any basis") }
        defer { projected[name] = st }
        var rr = r   // the natural stage transforms R in place
        try parameter.withUnsafeMutableBufferPointer { pw in
            try rr.withUnsafeMutableBufferPointer { pr in
                try st.stepProjected(weight: pw.baseAddress!, projected: pr.baseAddress!, lr: Double(lr), settings: settings,
                                     workspace: &workspace)
            }
        }
    }
}

extension GaLore: LowRankCommunicating {
    public func lowRankCount(_ name: String, shape: [Int]) -> Int { table.lowRankCount(name, shape: shape, settings: settings) }
    public func isProjected(_ name: String, shape: [Int]) -> Bool { projects(name, shape) }
    public func needsRefresh(_ name: String, shape: [Int]) -> Bool { table.needsRefresh(name, settings: settings) }
    public func refreshBasis(_ name: String, gradient: Tensor) throws -> [Float] {
        try table.refreshBasis(name, gradient: gradient, settings: settings, natural: nil)
    }
    public func installBasis(_ name: String, shape: [Int], _ basis: [Float]) {
        table.installBasis(name, shape: shape, basis, settings: settings, natural: nil)
    }
    public func basisCount(_ name: String, shape: [Int]) -> Int { table.basisCount(name, shape: shape, settings: settings) }
    public func project(_ name: String, gradient: Tensor) -> Tensor { table.project(name, gradient: gradient) }
    public func updateProjected(_ name: String, parameter: inout Tensor, projected: Tensor, lr: Float) throws {
        try table.updateProjected(name, parameter: &parameter, projected: projected, lr: lr, settings: settings)
    }
}

extension NaturalGaLore: LowRankCommunicating {
    public func lowRankCount(_ name: String, shape: [Int]) -> Int { table.lowRankCount(name, shape: shape, settings: settings.galore) }
    public func isProjected(_ name: String, shape: [Int]) -> Bool { projects(name, shape) }
    public func needsRefresh(_ name: String, shape: [Int]) -> Bool { table.needsRefresh(name, settings: settings.galore) }
    public func refreshBasis(_ name: String, gradient: Tensor) throws -> [Float] {
        try table.refreshBasis(name, gradient: gradient, settings: settings.galore, natural: settings.natural)
    }
    public func installBasis(_ name: String, shape: [Int], _ basis: [Float]) {
        table.installBasis(name, shape: shape, basis, settings: settings.galore, natural: settings.natural)
    }
    public func basisCount(_ name: String, shape: [Int]) -> Int { table.basisCount(name, shape: shape, settings: settings.galore) }
    public func project(_ name: String, gradient: Tensor) -> Tensor { table.project(name, gradient: gradient) }
    public func updateProjected(_ name: String, parameter: inout Tensor, projected: Tensor, lr: Float) throws {
        try table.updateProjected(name, parameter: &parameter, projected: projected, lr: lr, settings: settings.galore)
    }
}
