import Dispatch
import EdgeDistributed
import Foundation
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
    /// All-reduces the gradients of `part` now, on this thread (one collective per tensor, canonical order;
    /// every rank makes the same calls because the optimizer state that decides refreshes is the same).
    func reduce(_ part: TrainableModel.Part, _ g: inout LlamaParameters, _ lg: inout LoRAAdapters?) throws -> [String: ReducedGradient] {
        try waiting { try reduceNow(part, &g, &lg) }
    }

    /// Runs `body` (collectives or a wait for them) and adds its duration to `communicationWaitSeconds`.
    func waiting<T>(_ body: () throws -> T) rethrows -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { communicationWaitSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        return try body()
    }

    private func reduceNow(_ part: TrainableModel.Part, _ g: inout LlamaParameters, _ lg: inout LoRAAdapters?) throws -> [String: ReducedGradient] {
        var out: [String: ReducedGradient] = [:]
        try forEachGradient(part, &g, &lg) { name, t in
            switch plan(name, t) {
            case .projected(var r):
                try communicator.allreduceSum(&r.scalars)
                out[name] = .projected(r)
            case let kind:
                try communicator.allreduceSum(&t.scalars)
                out[name] = kind
            }
        }
        return out
    }

    /// What travels for one gradient: R = project(G) between refreshes of a projected matrix (computed here,
    /// on the calling thread), else the full buffer.
    func plan(_ name: String, _ t: Tensor) -> ReducedGradient {
        guard let lowRank, lowRank.isProjected(name, shape: t.shape) else { return .full }
        return lowRank.needsRefresh(name, shape: t.shape) ? .refresh : .projected(lowRank.project(name, gradient: t))
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
                try waiting { try communicator.broadcast(&basis, root: 0) }
            } else {
                var basis = [Float](repeating: 0, count: split.basisCount(name, shape: p.shape))
                try waiting { try communicator.broadcast(&basis, root: 0) }
                split.installBasis(name, shape: p.shape, basis)
            }
            try split.updateProjected(name, parameter: &p, projected: split.project(name, gradient: gradient), lr: lr)
        }
    }
}

/// Overlap of the per-layer all-reduce with the backward pass.
///
/// As soon as layer l's gradients are final (the `afterLayer` hook), the main thread moves the layer's gradient
/// buffers out of the gradient set (projecting them first under low-rank communication) and queues their
/// all-reduce on one communication thread, then carries on with layer l−1. Normal form: the main thread waits
/// for all layers after the backward pass, then all-reduces embedding/norm/head itself. Layer-wise form: at the
/// next hook it waits for layer l's all-reduce and updates layer l (two layer-gradient buffers alternate: the
/// one being reduced and the one being filled). Only one thread calls into the communicator at a time: the
/// main thread waits for the queue to drain before its own collectives, so every rank issues them in the same
/// order. With MPI, the communicator's calls are serialised by the shim (MPI_THREAD_SERIALIZED).
final class LayerOverlap: @unchecked Sendable {
    /// One layer in flight: its gradient buffers and, for projected matrices, their R.
    final class Job: @unchecked Sendable {
        let layer: Int
        var grads: LlamaParameters.Layer
        var entries: [String: ReducedGradient] = [:]
        init(layer: Int, grads: LlamaParameters.Layer) { (self.layer, self.grads) = (layer, grads) }
    }

    let communicator: any GradientCommunicator
    private let worker = CommunicationThread()
    /// Layer-wise: the zeroed buffer swapped in for the next layer.
    private var spare: LlamaParameters.Layer?
    private var jobs: [Job] = []

    /// Bytes of the second layer-gradient buffer (layer-wise).
    let spareBytes: Int

    init(communicator: any GradientCommunicator, spare: LlamaParameters.Layer?) {
        (self.communicator, self.spare) = (communicator, spare)
        spareBytes = (spare?.parameterCount ?? 0) * 4
    }

    /// Takes layer l's gradients out of `g` (putting the spare in, layer-wise) and queues their all-reduce.
    func start(layer l: Int, from g: inout LlamaParameters, engine: TrainingEngine, keepSpare: Bool) {
        var grads = LlamaParameters.Layer.empty
        if keepSpare, let s = spare { grads = s; spare = nil }
        swap(&grads, &g.layers[l])
        let job = Job(layer: l, grads: grads)
        job.grads.forEachMutable(layer: l) { name, t in job.entries[name] = engine.plan(name, t) }
        jobs.append(job)
        let comm = communicator
        worker.submit {
            try job.grads.forEachMutable(layer: l) { name, t in
                if case .projected(var r)? = job.entries[name] {
                    try comm.allreduceSum(&r.scalars)
                    job.entries[name] = .projected(r)
                } else {
                    try comm.allreduceSum(&t.scalars)
                }
            }
        }
    }

    /// Layer-wise: waits for the layer in flight and puts its reduced gradients back into `g` (nil if none).
    func finishPrevious(into g: inout LlamaParameters) throws -> (layer: Int, reduced: [String: ReducedGradient])? {
        guard let job = jobs.popLast() else { return nil }
        try worker.wait()
        swap(&job.grads, &g.layers[job.layer])
        return (job.layer, job.entries)
    }

    /// Layer-wise: takes layer l's (applied) gradient buffer back out of `g`, zeroed, as the next spare.
    func recycle(from g: inout LlamaParameters, layer l: Int) {
        var buffer = LlamaParameters.Layer.empty
        swap(&buffer, &g.layers[l])
        buffer.zero()
        spare = buffer
    }

    /// Normal form: waits for every queued layer and puts the reduced gradients back into `g`.
    func finishAll(into g: inout LlamaParameters) throws -> [String: ReducedGradient] {
        defer { jobs = [] }
        try worker.wait()
        var out: [String: ReducedGradient] = [:]
        for job in jobs {
            swap(&job.grads, &g.layers[job.layer])
            out.merge(job.entries) { a, _ in a }
        }
        return out
    }

    /// After a step (also a failed one): nothing may stay queued.
    func reset() {
        try? worker.wait()
        jobs = []
    }
}

/// One thread that runs queued jobs in order; `wait` blocks until the queue is empty and rethrows the first
/// error since the last `wait`.
final class CommunicationThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [@Sendable () throws -> Void] = []
    private var busy = false
    private var error: (any Error)?

    /// The thread keeps this object alive and lives as long as the process (one per distributed engine).
    init() {
        let t = Thread { self.run() }
        t.name = "gradient-allreduce"
        t.start()
    }

    func submit(_ job: @escaping @Sendable () throws -> Void) {
        condition.lock()
        queue.append(job)
        condition.broadcast()
        condition.unlock()
    }

    func wait() throws {
        condition.lock()
        while busy || !queue.isEmpty { condition.wait() }
        let e = error
        error = nil
        condition.unlock()
        if let e { throw e }
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let job = queue.removeFirst()
            busy = true
            condition.unlock()
            var failure: (any Error)?
            do { try job() } catch { failure = error }
            condition.lock()
            busy = false
            if error == nil { error = failure }
            condition.broadcast()
            condition.unlock()
        }
    }
}
