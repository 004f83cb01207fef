import EdgeTensor

/// An optimizer updates each parameter from its gradient. The trainer calls `update` once per parameter per
/// step, in the parameters' canonical order — or, with layer-wise updates, as soon as a layer's gradients
/// are final during the backward pass. Implementations keep per-parameter state keyed by `name`.
public protocol Optimizer: AnyObject {
    /// Applies one step to `parameter` (in place) using `gradient`; `lr` is this step's learning rate.
    func update(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float) throws
    /// Bytes of optimizer state currently held (moments, projectors, histories).
    var stateBytes: Int { get }
    /// State as named tensors, for checkpoints. Keys are `<parameter name>/<state name>`.
    func stateDict() -> [String: Tensor]
    /// Restores `stateDict()` output exactly (resume). Throws on missing or mis-shaped entries.
    func loadStateDict(_ state: [String: Tensor]) throws
    /// Steps after which every step costs the same (e.g. Natural GaLore's history is full): benchmarks warm up
    /// at least this long so they time the steady state.
    var stepsToSteadyState: Int { get }
}

extension Optimizer {
    public var stepsToSteadyState: Int { 1 }
}

/// Errors of optimizer configuration and state.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case badHyperparameter(String)
    case stateMismatch(String)

    public var description: String {
        switch self {
        case .badHyperparameter(let m): return "invalid optimizer setting: \(m)"
        case .stateMismatch(let m): return "optimizer state does not match the model: \(m); resume with the same model and optimizer settings"
        }
    }
}

/// Global L2 norm of all gradients and the factor that clips it to `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: coefficient = maxNorm / (norm + 1e-6), applied only when < 1.
public enum GradientClipping {
    public static func globalNorm(_ gradients: [Tensor]) -> Double {
        var s = 0.0
        for g in gradients {
            g.withUnsafeBufferPointer { p in
                var acc = 0.0
                for x in p { acc += Double(x) * Double(x) }
                s += acc
            }
        }
        return s.squareRoot()
    }

    /// The multiplier for every gradient (1 when no clipping is needed or maxNorm ≤ 0).
    public static func coefficient(norm: Double, maxNorm: Double) -> Float {
        guard maxNorm > 0 else { return 1 }
        let c = maxNorm / (norm + 1e-6)
        return c < 1 ? Float(c) : 1
    }
}
