import EdgeModel
import EdgeOptim

/// Bytes one rank passes to collectives per data-parallel training step, from shapes alone (`bench comm`).
///
/// Payload convention (as `GradientCommunicator.payloadBytes`, which `summary.json`'s `comm_bytes_per_step`
/// measures): every all-reduced or broadcast buffer counts once, 4 bytes a Float, 8 a Double. A ring
/// all-reduce puts ≈ 2(N−1)/N × payload on each rank's link; Open MPI picks its algorithm by size.
/// - full (AdamW, LoRA, AdaRankGrad, or `--grad-comm full`): every gradient, every step.
/// - low-rank (GaLore family): between refreshes R (r'·max(m, n) per projected matrix) plus the full
///   non-projected gradients; at a refresh step (every T steps) the full gradients plus the bases broadcast.
/// - control: per step, the global target count, (loss, tokens) and the stop flag, 4 Doubles.
public struct CommunicationEstimate: Codable, Sendable, Equatable {
    public static let controlBytesPerStep = 4 * 8

    public var optimizer: String
    public var gradientCommunication: String
    public var rank: Int
    public var updateGap: Int
    public var worldSize: Int
    public var parameters: Int
    /// Every gradient in full (what AdamW sends every step).
    public var fullBytesPerStep: Int
    /// A step between refreshes.
    public var lowRankBytesPerStep: Int
    /// A refresh step: full gradients plus the broadcast bases.
    public var refreshStepBytes: Int
    /// Mean over one refresh period: (refresh + (T−1)·low-rank)/T, plus control bytes.
    public var meanBytesPerStep: Double
    /// ≈ bytes on each rank's link per step for a ring all-reduce: 2(N−1)/N × mean (control bytes excluded).
    public var ringWireBytesPerStep: Double

    enum CodingKeys: String, CodingKey {
        case optimizer, gradientCommunication = "grad_comm", rank, updateGap = "update_gap", worldSize = "world_size", parameters
        case fullBytesPerStep = "full_bytes_per_step", lowRankBytesPerStep = "low_rank_bytes_per_step"
        case refreshStepBytes = "refresh_step_bytes", meanBytesPerStep = "mean_bytes_per_step"
        case ringWireBytesPerStep = "ring_wire_bytes_per_step"
    }

    /// The estimate for full fine-tuning of a model of `dims` with optimizer `name` (`optimizer` decides the
    /// projected matrices and ranks); `lowRank` false means `--grad-comm full`.
    public static func compute(dims: LlamaDims, tied: Bool, optimizerName name: String, optimizer: any Optimizer, lowRank: Bool,
                               rank: Int, updateGap: Int, worldSize: Int) -> CommunicationEstimate {
        let shapes = TrainableModel.baseShapes(dims, tied: tied).map { (name: $0.0, shape: $0.1) }
        let params = shapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let full = params * 4
        var low = full, refresh = full, mean = Double(full)
        var comm = GradientCommunication.full
        if lowRank, let split = optimizer as? any LowRankCommunicating {
            let c = split.communicationCounts(shapes: shapes)
            comm = .lowRank
            low = c.lowRank * 4
            refresh = (params + c.basis) * 4
            mean = (Double(refresh) + Double(updateGap - 1) * Double(low)) / Double(updateGap)
        }
        let n = Double(max(worldSize, 1))
        return CommunicationEstimate(optimizer: name, gradientCommunication: comm.rawValue, rank: rank, updateGap: updateGap,
                                     worldSize: worldSize, parameters: params, fullBytesPerStep: full, lowRankBytesPerStep: low,
                                     refreshStepBytes: refresh, meanBytesPerStep: mean + Double(controlBytesPerStep),
                                     ringWireBytesPerStep: 2 * (n - 1) / n * mean)
    }
}
