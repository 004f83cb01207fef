import EdgeTensor
import Foundation

/// AdamW with decoupled weight decay, in either of its two common forms (see reference/optimizers.md §1).
///
/// `.huggingFace` (transformers' old AdamW, used by galore-torch and Natural GaLore), step t = 1, 2, …:
///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
///   W ← W − a·m/(√v + ε),  a = lr·√(1−β2ᵗ)/(1−β1ᵗ)   (a = lr without bias correction)
///   W ← W − lr·wd·W                                     (after the update, on the updated W)
/// `.torch` (`torch.optim.AdamW`):
///   W ← W·(1 − lr·wd);  W ← W − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
public final class AdamW: Optimizer {
    public enum Form: String, Sendable, Codable { case huggingFace = "hf", torch }

    public struct Settings: Sendable, Equatable {
        public static let defaultBetas: (Float, Float) = (0.9, 0.999)
        public static let defaultEpsHF: Float = 1e-6
        public static let defaultEpsTorch: Float = 1e-8
        public var beta1: Float
        public var beta2: Float
        public var eps: Float
        public var weightDecay: Float
        public var correctBias: Bool
        public var form: Form

        public init(form: Form = .huggingFace, beta1: Float = Self.defaultBetas.0, beta2: Float = Self.defaultBetas.1,
                    eps: Float? = nil, weightDecay: Float = 0, correctBias: Bool = true) {
            self.form = form
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps ?? (form == .huggingFace ? Self.defaultEpsHF : Self.defaultEpsTorch)
            self.weightDecay = weightDecay
            self.correctBias = correctBias
        }

        public func validate() throws {
            guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw OptimizerError.badHyperparameter("betas must be in [0, 1)") }
            guard eps > 0 else { throw OptimizerError.badHyperparameter("eps must be positive") }
            guard weightDecay >= 0 else { throw OptimizerError.badHyperparameter("weight decay must be ≥ 0") }
        }
    }

    /// Adam moments of one tensor (in whatever space the caller works: full or projected).
    public struct Moments {
        public var m: [Float]
        public var v: [Float]
        public var step: Int
        public init(count: Int) { m = [Float](repeating: 0, count: count); v = m; step = 0 }
    }

    public let settings: Settings
    /// Parameters that get no weight decay (by name predicate); default none, as the references.
    public var decayExcluded: (String) -> Bool = { _ in false }
    var moments: [String: Moments] = [:]

    public init(_ settings: Settings = Settings()) throws {
        try settings.validate()
        self.settings = settings
    }

    public func update(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float) throws {
        precondition(parameter.shape == gradient.shape, "\(name): gradient shape \(gradient.shape) ≠ parameter \(parameter.shape)")
        var mom = moments[name] ?? Moments(count: parameter.count)
        let wd = decayExcluded(name) ? 0 : settings.weightDecay
        let decay: Float = 1 - lr * wd
        let form = settings.form
        parameter.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                Self.step(&mom, gradient: g.baseAddress!, count: g.count, settings: settings, lr: lr) { i, u, a in
                    switch form {
                    case .huggingFace: w[i] = (w[i] - a * u) * decay   // decay after the update, on the new W
                    case .torch: w[i] = w[i] * decay - a * u           // decay before, on the old W
                    }
                }
            }
        }
        moments[name] = mom
    }

    /// Advances moments by one step with gradient `g` and calls `apply(i, direction, stepSize)` for each
    /// element, where the update is W[i] −= stepSize·direction. Shared by the low-rank optimizers, which
    /// run Adam in a projected space and map the direction back themselves.
    @inlinable
    public static func step(_ mom: inout Moments, gradient g: UnsafePointer<Float>, count n: Int, settings s: Settings,
                            lr: Float, apply: (Int, Float, Float) -> Void) {
        precondition(mom.m.count == n, "moment size \(mom.m.count) ≠ gradient size \(n)")
        mom.step += 1
        let t = Double(mom.step)
        let bc1 = 1 - pow(Double(s.beta1), t), bc2 = 1 - pow(Double(s.beta2), t)
        let (b1, b2, eps) = (s.beta1, s.beta2, s.eps)
        mom.m.withUnsafeMutableBufferPointer { m in
            mom.v.withUnsafeMutableBufferPointer { v in
                switch s.form {
                case .huggingFace:
                    let a = s.correctBias ? Float(Double(lr) * bc2.squareRoot() / bc1) : lr
                    for i in 0..<n {
                        m[i] = b1 * m[i] + (1 - b1) * g[i]
                        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                        apply(i, m[i] / (v[i].squareRoot() + eps), a)
                    }
                case .torch:
                    let stepSize = s.correctBias ? Float(Double(lr) / bc1) : lr
                    let sqrtBc2 = s.correctBias ? Float(bc2.squareRoot()) : 1
                    for i in 0..<n {
                        m[i] = b1 * m[i] + (1 - b1) * g[i]
                        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                        apply(i, m[i] / (v[i].squareRoot() / sqrtBc2 + eps), stepSize)
                    }
                }
            }
        }
    }

    public var stateBytes: Int { moments.values.reduce(0) { $0 + ($1.m.count + $1.v.count) * 4 } }

    public func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (name, mom) in moments {
            d[name + "/exp_avg"] = Tensor(shape: [mom.m.count], scalars: mom.m)
            d[name + "/exp_avg_sq"] = Tensor(shape: [mom.v.count], scalars: mom.v)
            d[name + "/step"] = Tensor(shape: [1], scalars: [Float(mom.step)])
        }
        return d
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        var loaded: [String: Moments] = [:]
        for key in state.keys where key.hasSuffix("/step") {
            let name = String(key.dropLast("/step".count))
            guard let m = state[name + "/exp_avg"], let v = state[name + "/exp_avg_sq"], m.count == v.count else {
                throw OptimizerError.stateMismatch("incomplete AdamW state for \(name)")
            }
            var mom = Moments(count: m.count)
            mom.m = m.scalars
            mom.v = v.scalars
            mom.step = Int(state[key]![flat: 0])
            loaded[name] = mom
        }
        moments = loaded
    }
}
