import EdgeOptim
import EdgeTensor
import Testing

/// The split data-parallel training uses (refresh / project / stepProjected) is the one-process step.
@Suite struct LowRankCommunicationTests {
    static func matrix(_ m: Int, _ n: Int, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor.normal([m, n], std: 1, rng: &rng)
    }

    /// Two "ranks" with gradients G1, G2: refreshing on G1+G2, then all-reducing R = project(Gi) and stepping on
    /// ΣR equals `update` with G1+G2 (to rounding: ΣPᵀGi vs Pᵀ(ΣGi)); with one rank the split is bitwise the step.
    @Test(arguments: ["galore", "natural-galore"], [[12, 20], [20, 12]])
    func splitStepEqualsFullStep(_ name: String, _ shape: [Int]) throws {
        let opts = try OptimizerOptions.parse(["--rank": "3", "--update-gap": "2", "--history-precision": "exact"])
        let whole = try OptimizerFactory.make(name: name, options: opts)
        let split = try #require(try OptimizerFactory.make(name: name, options: opts) as? any LowRankCommunicating)
        let pname = "model.layers.0.mlp.up_proj.weight"
        #expect(split.isProjected(pname, shape: shape))
        #expect(!split.isProjected("model.norm.weight", shape: [shape[1]]))
        let one = try #require(try OptimizerFactory.make(name: name, options: opts) as? any LowRankCommunicating)
        var w1 = Self.matrix(shape[0], shape[1], seed: 1), w2 = w1, w3 = w1
        var refreshes = 0
        for step in 0..<5 {
            let g1 = Self.matrix(shape[0], shape[1], seed: 10 + UInt64(step)), g2 = Self.matrix(shape[0], shape[1], seed: 20 + UInt64(step))
            var sum = g1
            for i in 0..<sum.count { sum[flat: i] += g2[flat: i] }
            try whole.update(pname, parameter: &w1, gradient: sum, lr: 0.01)
            if one.needsRefresh(pname, shape: shape) { _ = try one.refreshBasis(pname, gradient: sum) }
            try one.updateProjected(pname, parameter: &w3, projected: one.project(pname, gradient: sum), lr: 0.01)
            let r: Tensor
            if split.needsRefresh(pname, shape: shape) {
                refreshes += 1
                let basis = try split.refreshBasis(pname, gradient: sum)
                #expect(basis.count == split.basisCount(pname, shape: shape))
                split.installBasis(pname, shape: shape, basis)   // what a receiving rank does: same basis, no change
                r = split.project(pname, gradient: sum)
            } else {
                var r1 = split.project(pname, gradient: g1)
                let r2 = split.project(pname, gradient: g2)
                #expect(r1.count == split.lowRankCount(pname, shape: shape) && r1.count == 3 * shape.max()!)
                for i in 0..<r1.count { r1[flat: i] += r2[flat: i] }
                r = r1
            }
            try split.updateProjected(pname, parameter: &w2, projected: r, lr: 0.01)
        }
        #expect(refreshes == 3)   // steps 0, 2, 4
        var diff = 0.0
        for i in 0..<w1.count { diff = max(diff, Double(abs(w1[flat: i] - w2[flat: i]))) }
        #expect(diff <= 1e-6, "max |Δw| \(diff)")
        #expect(w3 == w1, "one rank: the split must be bitwise the step")
    }
}
