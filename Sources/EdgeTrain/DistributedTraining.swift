import EdgeDistributed
import EdgeModel
import EdgeOptim
import EdgeTensor

/// How gradients travel between ranks in data-parallel training.
public enum GradientCommunication: String, Sendable, Codable, CaseIterable {
    /// Every gradient is all-reduced in full (m×n).
    case full
    /// GaLore family: projected matrices all-reduce R = PᵀG (r'×n or m×r') between projector refreshes; at a
    /// refresh the full gradient is all-reduced, rank 0 computes the basis and broadcasts it. Exact (projection
    /// is linear), but the global norm of the full gradient is never formed, so clipping must be off.
    case lowRank = "low-rank"
}

/// One trainable tensor's gradient after the all-reduce.
enum ReducedGradient {
    /// The gradient buffer holds the sum over ranks.
    case full
    /// Projected matrix between refreshes: the sum over ranks of project(Gᵢ); the gradient buffer is local.
    case projected(Tensor)
    /// Projected matrix at a refresh step: the gradient buffer holds the sum; the basis is made at update time.
    case refresh

    var projected: Tensor? { if case .projected(let r) = self { return r } else { return nil } }
}

extension TrainingEngine {
    /// All-reduces the gradients of `part` (canonical order, one collective per tensor; every rank makes the
    /// same calls because the optimizer state that decides refreshes is identical on every rank).
    func reduce(_ part: TrainableModel.Part, _ g: inout LlamaParameters, _ lg: inout LoRAAdapters?) throws -> [ReducedGradient] {
        var out: [ReducedGradient] = []
        try forEachGradient(part, &g, &lg) { name, t in
            if let lowRank, lowRank.isProjected(name, shape: t.shape) {
                if lowRank.needsRefresh(name, shape: t.shape) {
                    try communicator.allreduceSum(&t.scalars)
                    out.append(.refresh)
                } else {
                    var r = lowRank.project(name, gradient: t)
                    try communicator.allreduceSum(&r.scalars)
                    out.append(.projected(r))
                }
            } else {
                try communicator.allreduceSum(&t.scalars)
                out.append(.full)
            }
        }
        return out
    }

    /// The optimizer step of one tensor from its reduced gradient (`nil` = single process, plain update).
    func apply(_ name: String, parameter p: inout Tensor, gradient: Tensor, reduced: ReducedGradient?, lr: Float) throws {
        switch reduced {
        case nil, .full?:
            try optimizer.update(name, parameter: &p, gradient: gradient, lr: lr)
        case .projected(let r)?:
            try lowRank!.updateProjected(name, parameter: &p, projected: r, lr: lr)
        case .refresh?:
            // Rank 0 computes the basis from the summed gradient; the others receive it, so every replica
            // projects with the same basis even if their LAPACK builds would round differently.
            let split = lowRank!
            if communicator.rank == 0 {
                var basis = try split.refreshBasis(name, gradient: gradient)
                try communicator.broadcast(&basis, root: 0)
            } else {
                var basis = [Float](repeating: 0, count: split.basisCount(name, shape: p.shape))
                try communicator.broadcast(&basis, root: 0)
                split.installBasis(name, shape: p.shape, basis)
            }
            try split.updateProjected(name, parameter: &p, projected: split.project(name, gradient: gradient), lr: lr)
        }
    }
}
