import EdgeOptim
import EdgeTensor
import Foundation
import Testing

@Suite struct AdamWTests {
    /// Two steps of each form against the formulas of reference/optimizers.md §1, evaluated in Float64.
    @Test(arguments: [AdamW.Form.huggingFace, .torch])
    func twoStepsMatchTheFormulas(form: AdamW.Form) throws {
        let (lr, wd, b1, b2) = (0.01, 0.1, 0.9, 0.999)
        let eps = form == .huggingFace ? 1e-6 : 1e-8
        let opt = try AdamW(.init(form: form, weightDecay: Float(wd)))
        var w = Tensor(shape: [3], scalars: [0.5, -1, 2])
        let grads: [[Double]] = [[0.1, -0.2, 0.3], [-0.05, 0.4, 0.0]]
        var ref = w.scalars.map(Double.init), m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (t, g) in grads.enumerated() {
            try opt.update("w", parameter: &w, gradient: Tensor(shape: [3], scalars: g.map(Float.init)), lr: Float(lr))
            let step = Double(t + 1), bc1 = 1 - pow(b1, step), bc2 = 1 - pow(b2, step)
            for i in 0..<3 {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                switch form {
                case .huggingFace:
                    ref[i] -= lr * bc2.squareRoot() / bc1 * m[i] / (v[i].squareRoot() + eps)
                    ref[i] -= lr * wd * ref[i]
                case .torch:
                    ref[i] *= 1 - lr * wd
                    ref[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
                }
            }
        }
        for i in 0..<3 { #expect(abs(Double(w[flat: i]) - ref[i]) <= 1e-6 * abs(ref[i])) }
        #expect(opt.stateBytes == 24)
    }

    @Test func stateRoundTripsAndResumesExactly() throws {
        let a = try AdamW(.init(weightDecay: 0.01)), b = try AdamW(.init(weightDecay: 0.01))
        var w1 = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), w2 = w1
        let g = Tensor(shape: [2, 2], scalars: [0.1, -0.1, 0.2, 0.3])
        try a.update("p", parameter: &w1, gradient: g, lr: 1e-2)
        try b.update("p", parameter: &w2, gradient: g, lr: 1e-2)
        let c = try AdamW(.init(weightDecay: 0.01))
        try c.loadStateDict(b.stateDict())
        var w3 = w2
        try a.update("p", parameter: &w1, gradient: g, lr: 1e-2)
        try c.update("p", parameter: &w3, gradient: g, lr: 1e-2)
        #expect(w1 == w3)
        #expect(throws: OptimizerError.self) { try c.loadStateDict(["p/step": Tensor(shape: [1], scalars: [1])]) }
    }

    @Test func rejectsBadSettings() {
        #expect(throws: OptimizerError.self) { try AdamW(.init(beta1: 1)) }
        #expect(throws: OptimizerError.self) { try AdamW(.init(eps: 0)) }
    }

    @Test func clippingFollowsTorch() {
        let grads = [Tensor(shape: [2], scalars: [3, 4]), Tensor(shape: [1], scalars: [12])]
        let norm = GradientClipping.globalNorm(grads)
        #expect(norm == 13)
        #expect(abs(Double(GradientClipping.coefficient(norm: norm, maxNorm: 1)) - 1 / (13 + 1e-6)) < 1e-8)   // Float32 coefficient
        #expect(GradientClipping.coefficient(norm: 0.5, maxNorm: 1) == 1)
        #expect(GradientClipping.coefficient(norm: 5, maxNorm: 0) == 1)
    }

    @Test func schedulesMatchTransformersFormulas() {
        let cos = LRSchedule(kind: .cosine, baseLR: 1e-3, warmupSteps: 10, totalSteps: 100)
        #expect(cos.lr(0) == 0)
        #expect(abs(cos.lr(5) - 5e-4) < 1e-15)
        #expect(cos.lr(10) == 1e-3)
        #expect(abs(cos.lr(55) - 5e-4) < 1e-12)
        #expect(cos.lr(100) < 1e-15)
        let lin = LRSchedule(kind: .linear, baseLR: 2, warmupSteps: 0, totalSteps: 4)
        #expect([0, 1, 2, 3, 4, 5].map(lin.lr) == [2, 1.5, 1, 0.5, 0, 0])
    }
}
