import EdgeOptim
import EdgeTensor
import Foundation
import Testing

@Suite struct AdaRankGradTests {
    /// U·diag(σ)·Vᵀ with fixed random orthonormal U (m×k), V (n×k).
    static func spectral(_ sigma: [Double], m: Int, n: Int, seed: UInt64) throws -> Tensor {
        var rng = SplitMix64(seed: seed)
        let k = sigma.count
        let u = try qr(Tensor64.normal([m, k], rng: &rng)).q, v = try qr(Tensor64.normal([n, k], rng: &rng)).q
        var us = u
        for i in 0..<m { for j in 0..<k { us[i, j] *= sigma[j] } }
        return Tensor(matmul(us, v, transposeB: true))
    }

    static func energyCaptured(_ g: Tensor, basis: [Float], rank r: Int, left: Bool) -> Double {
        let b = left ? Tensor(shape: [g.rows, r], scalars: basis) : Tensor(shape: [g.cols, r], scalars: basis)
        let proj = left ? matmul(b, g, transposeA: true) : matmul(g, b)
        return proj.norm * proj.norm / (g.norm * g.norm)
    }

    /// The randomized subspace keeps at least the energy target, with the smallest such rank (checked
    /// against the exact SVD), on both sides.
    @Test(arguments: [(120, 80), (80, 120)])
    func randomizedSubspaceCapturesTheEnergyTarget(m: Int, n: Int) throws {
        let sigma = (0..<40).map { pow(0.8, Double($0)) }
        let g = try Self.spectral(sigma, m: m, n: n, seed: 11)
        var rng = SplitMix64(seed: 1)
        for energy in [0.5, 0.9, 0.96, 0.99] {
            for left in [true, false] {
                let (basis, r) = try g.withUnsafeBufferPointer { p in
                    try RandomizedSubspace.basis(of: p.baseAddress!, rows: m, cols: n, left: left, maxRank: 32, minRank: 1,
                                                 energy: energy, oversampling: 8, powerIterations: 2, rng: &rng)
                }
                let captured = Self.energyCaptured(g, basis: basis, rank: r, left: left)
                let total = sigma.reduce(0) { $0 + $1 * $1 }
                var acc = 0.0, exact = 0
                for (i, s) in sigma.enumerated() where acc < energy * total { acc += s * s; exact = i + 1 }
                #expect(captured >= energy * (1 - 1e-5), "energy \(energy) left \(left): captured \(captured) at rank \(r)")
                #expect(r == exact, "energy \(energy): rank \(r), exact SVD needs \(exact)")
            }
        }
    }

    /// A gradient whose spectrum decays over time (σ_i(t) = exp(−i·t/8)): the rank chosen at each refresh falls.
    @Test func rankDecreasesAsTheSpectrumDecays() throws {
        let opt = try AdaRankGrad(.init(maxRank: 24, minRank: 1, energy: 0.9, convergenceThreshold: 0, maxPeriod: 4))
        let (m, n) = (64, 48)
        var w = Tensor(zeros: [m, n])
        let name = "model.layers.0.mlp.down_proj.weight"
        for t in 0..<24 {
            let sigma = (0..<32).map { exp(-Double($0) * Double(t + 1) / 8) }
            try opt.update(name, parameter: &w, gradient: try Self.spectral(sigma, m: m, n: n, seed: 5), lr: 1e-3)
        }
        let ranks = opt.parameterState(name)!.rankHistory
        #expect(ranks.count == 6)
        #expect(zip(ranks, ranks.dropFirst()).allSatisfy { $0 >= $1 }, "\(ranks)")
        #expect(ranks.first! > ranks.last!, "\(ranks)")
        #expect(opt.parameterState(name)!.moments.count == ranks.last! * m)   // moments follow the rank (right side, 64×r)
        print("AdaRankGrad ranks per refresh: \(ranks)")
    }

    /// Refresh when the projected gradient stops changing: a constant gradient triggers it on the next step.
    @Test func convergedSubspaceIsRefreshed() throws {
        let opt = try AdaRankGrad(.init(maxRank: 4, minRank: 1, convergenceThreshold: 0.05, maxPeriod: 1000))
        var w = Tensor(zeros: [20, 16])
        let g = try Self.spectral([3, 2, 1, 0.5], m: 20, n: 16, seed: 2)
        for _ in 0..<3 { try opt.update("model.layers.0.self_attn.q_proj.weight", parameter: &w, gradient: g, lr: 1e-3) }
        #expect(opt.parameterState("model.layers.0.self_attn.q_proj.weight")!.rankHistory.count == 3)
        let moving = try AdaRankGrad(.init(maxRank: 4, minRank: 1, convergenceThreshold: 0.05, maxPeriod: 1000))
        var rng = SplitMix64(seed: 8)
        for _ in 0..<3 {
            try moving.update("model.layers.0.self_attn.q_proj.weight", parameter: &w, gradient: Tensor.uniform([20, 16], rng: &rng), lr: 1e-3)
        }
        #expect(moving.parameterState("model.layers.0.self_attn.q_proj.weight")!.rankHistory.count == 1)
    }

    @Test func rejectsBadSettings() {
        #expect(throws: OptimizerError.self) { try AdaRankGrad(.init(maxRank: 4, minRank: 5)) }
        #expect(throws: OptimizerError.self) { try AdaRankGrad(.init(energy: 0)) }
    }
}
