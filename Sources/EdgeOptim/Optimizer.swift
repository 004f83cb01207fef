import CKernels
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
    /// Σ of squares in Float64 over fixed chunks of each tensor (C kernel), the chunks spread across the threads
    /// and their sums added in order: the result does not depend on the thread count.
    public static func globalNorm(_ gradients: [Tensor]) -> Double {
        let chunk = 1 << 16
        var s = 0.0
        for g in gradients {
            g.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                let n = p.count, chunks = (n + chunk - 1) / chunk
                var partial = [Double](repeating: 0, count: chunks)
                partial.withUnsafeMutableBufferPointer { out in
                    let (x, o) = (UnsafeSendable(base), UnsafeSendable(out.baseAddress!))
                    parallelFor(chunks, minChunk: 4) { c0, c1 in
                        for c in c0..<c1 { o.value[c] = ek_sum_squares(x.value + c * chunk, min(chunk, n - c * chunk)) }
                    }
                }
                s += partial.reduce(0, +)
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
