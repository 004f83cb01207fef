import EdgeOptim
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

@Suite struct GaLoreTests {
    static let cases = (try? GaLoreCase.ids("galore").filter { $0.hasPrefix("spec_") || $0.contains("_r") }) ?? []

    /// Runs the Float64 engine (Float64 SVD + canonical signs, as the fixture) and returns W after each step.
    static func runFloat64(_ c: GaLoreCase, settings: GaLore.Settings) throws -> [Tensor64] {
        var inp = c.inputs()
        var w = inp.w0
        var st = GaLoreParameter<Double>(rows: c.m, cols: c.n, settings: settings)
        var out = [w]
        for _ in 0..<c.steps {
            let g = inp.gradient(at: w)
            try st.step(&w, gradient: g, lr: c.double("lr"), settings: settings)
            out.append(w)
        }
        return out
    }

    /// Runs the Float32 optimizer (as the trainer does: one named weight) and returns W after each step.
    static func runFloat32(_ c: GaLoreCase, svd: SVDPrecision) throws -> [Tensor64] {
        var s = c.galoreSettings
        s.svdPrecision = svd
        let opt = try GaLore(s)
        var inp = c.inputs()
        var w = Tensor(inp.w0)
        var out = [Tensor64(w)]
        for _ in 0..<c.steps {
            let g = inp.gradient(at: Tensor64(w))
            try opt.update("model.layers.0.mlp.up_proj.weight", parameter: &w, gradient: Tensor(g), lr: Float(c.double("lr")))
            out.append(Tensor64(w))
        }
        return out
    }

    /// galore-torch 1.0 GaLoreAdamW (Float64, canonical-sign SVD patch) on tall/wide/square, every proj_type,
    /// rank below and above the small dimension, across refreshes, weight decay, no bias correction, closed loop.
    /// Tolerance: the fixture's float64_rel (1e-10; 1e-9 for `full`), far inside the 1e-5 acceptance.
    @Test(arguments: cases)
    func float64EngineMatchesGaloreTorch(id: String) throws {
        let c = try GaLoreCase("galore", id)
        let err = c.trajectoryError(try Self.runFloat64(c, settings: c.galoreSettings))
        let tol = c.tol("float64_rel") ?? 1e-10
        #expect(err <= tol, "\(id): max rel error \(err) > \(tol)")
        #expect(err <= 1e-5)
        print("galore \(id) Float64 engine: max rel \(err)")
    }

    /// The Float32 optimizer against the same Float64 fixtures. Storing W in Float32 alone costs
    /// ‖W‖·2⁻²⁴/‖ΔW‖ ≈ 5e-6 here, so the fixture's float32_rel is 1e-4 (its NumPy Float32 emulation: ≤ 1.2e-5,
    /// 1e-4 on T8). `full` is excluded by the fixture: R = PᵀGQᵀ is diag(σ) plus rounding noise and Adam
    /// normalises that noise to O(1), so Float32 `full` runs diverge from Float64 by design (2e-3 in NumPy).
    @Test(arguments: cases)
    func float32OptimizerTracksFixtures(id: String) throws {
        let c = try GaLoreCase("galore", id)
        guard let tol = c.tol("float32_rel") else { return }
        for svd in SVDPrecision.allCases {
            let err = c.trajectoryError(try Self.runFloat32(c, svd: svd))
            #expect(err <= tol, "\(id) svd \(svd): max rel error \(err) > \(tol)")
            print("galore \(id) Float32 optimizer, \(svd) SVD: max rel \(err)")
        }
    }

    /// reference §8.3 (iii): a non-projected parameter gets transformers-form AdamW, not torch's.
    @Test func plainParameterUsesTransformersAdamW() throws {
        let url = URL(fileURLWithPath: TestSupport.fixture("galore/galore/plain_adamw.json"))
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let expected = (j["expected_final"] as! [NSNumber]).map(\.doubleValue)
        let torch = (j["torch_optim_AdamW_final_must_not_match"] as! [NSNumber]).map(\.doubleValue)
        var rng = SplitMix64(seed: 12)
        var w = Tensor64.uniform([5], rng: &rng).scaled(0.5)
        let grads = (0..<4).map { _ in Tensor64.uniform([5], rng: &rng) }
        var w32 = Tensor(w)
        let s = GaLore.Settings(adam: AdamHyperparameters(weightDecay: 0.1))
        let opt = try GaLore(s)
        for g in grads { try opt.update("model.norm.weight", parameter: &w32, gradient: Tensor(g), lr: 0.01) }
        var mom = AdamMoments<Double>(count: 5, bits: .full)
        var n = [Double](repeating: 0, count: 5)
        for g in grads {   // the same kernel in Float64
            let a = mom.advance(gradient: g.scalars, into: &n, hyper: s.adam, lr: 0.01)
            for i in 0..<5 { w.scalars[i] = w.scalars[i] + -a * n[i]; w.scalars[i] = w.scalars[i] + -0.01 * 0.1 * w.scalars[i] }
        }
        for i in 0..<5 {
            #expect(abs(w.scalars[i] - expected[i]) <= 1e-14)
            #expect(abs(Double(w32.scalars[i]) - expected[i]) <= 1e-6 * abs(expected[i]))
            #expect(abs(Double(w32.scalars[i]) - torch[i]) > 1e-6)      // the torch form is 1e-3 relative away
        }
    }

    /// reference §8.3 (iv): with gap T the SVD runs at optimizer steps 0, T, 2T, … (t before increment).
    @Test func refreshesAtMultiplesOfTheGap() throws {
        let s = GaLore.Settings(rank: 2, updateGap: 3)
        var st = GaLoreParameter<Double>(rows: 6, cols: 4, settings: s)
        var rng = SplitMix64(seed: 5)
        var w = Tensor64.uniform([6, 4], rng: &rng)
        var counts: [Int] = []
        for _ in 0..<8 {
            try st.step(&w, gradient: Tensor64.uniform([6, 4], rng: &rng), lr: 0.01, settings: s)
            counts.append(st.refreshes)
        }
        #expect(counts == [1, 1, 1, 2, 2, 2, 3, 3])
    }

    /// reference §8.3 (v): projected and plain parameters in one optimizer do not interact.
    @Test func mixedGroupsAreIndependent() throws {
        let s = GaLore.Settings(rank: 2, updateGap: 2, adam: AdamHyperparameters(weightDecay: 0.01))
        let both = try GaLore(s), onlyA = try GaLore(s), onlyB = try GaLore(s)
        var rng = SplitMix64(seed: 9)
        var a1 = Tensor.uniform([8, 6], rng: &rng), b1 = Tensor.uniform([6], rng: &rng)
        var a2 = a1, b2 = b1
        for _ in 0..<5 {
            let ga = Tensor.uniform([8, 6], rng: &rng), gb = Tensor.uniform([6], rng: &rng)
            try both.update("model.layers.1.self_attn.q_proj.weight", parameter: &a1, gradient: ga, lr: 0.01)
            try both.update("model.layers.1.input_layernorm.weight", parameter: &b1, gradient: gb, lr: 0.01)
            try onlyA.update("model.layers.1.self_attn.q_proj.weight", parameter: &a2, gradient: ga, lr: 0.01)
            try onlyB.update("model.layers.1.input_layernorm.weight", parameter: &b2, gradient: gb, lr: 0.01)
        }
        #expect(a1 == a2 && b1 == b2)
        #expect(both.stateBytes == onlyA.stateBytes + onlyB.stateBytes)
        #expect(both.parameterState("model.layers.1.self_attn.q_proj.weight") != nil)
        #expect(both.parameterState("model.layers.1.input_layernorm.weight") == nil)
    }

    @Test func projectsOnlyAttentionAndMLPLinearWeights() {
        for m in ["q_proj", "k_proj", "v_proj", "o_proj"] { #expect(GaLore.isProjectable(name: "model.layers.3.self_attn.\(m).weight", shape: [8, 8])) }
        for m in ["gate_proj", "up_proj", "down_proj"] { #expect(GaLore.isProjectable(name: "model.layers.0.mlp.\(m).weight", shape: [8, 8])) }
        #expect(!GaLore.isProjectable(name: "model.embed_tokens.weight", shape: [32, 8]))
        #expect(!GaLore.isProjectable(name: "lm_head.weight", shape: [32, 8]))
        #expect(!GaLore.isProjectable(name: "model.norm.weight", shape: [8]))
        #expect(!GaLore.isProjectable(name: "model.layers.0.input_layernorm.weight", shape: [8]))
        #expect(!GaLore.isProjectable(name: "model.layers.0.self_attn.q_proj.bias", shape: [8]))
    }

    /// Every kept basis vector has its largest-magnitude entry positive; r > min(m, n) keeps min(m, n).
    @Test(arguments: GaLoreProjectionType.allCases)
    func basisFollowsTheSignRuleAndClipsTheRank(type: GaLoreProjectionType) throws {
        for (m, n) in [(4, 6), (6, 4), (5, 5)] {
            let s = GaLore.Settings(rank: 8, projectionType: type)
            var st = GaLoreParameter<Float>(rows: m, cols: n, settings: s)
            var rng = SplitMix64(seed: 77)
            var w = Tensor.uniform([m, n], rng: &rng)
            let g = Tensor.uniform([m, n], rng: &rng)
            try st.step(&w, gradient: g, lr: 0.01, settings: s)   // reverse_std on a wide matrix with r ≥ m: no crash
            let p = st.projector, r = min(m, n)
            #expect(p.rank == r)
            #expect(p.side == type.side(rows: m, cols: n))
            if !p.p.isEmpty {
                for j in 0..<r {
                    let col = (0..<m).map { p.p[$0 * r + j] }
                    #expect(col[col.indices.max { abs(col[$0]) < abs(col[$1]) }!] > 0)
                }
            }
            if !p.q.isEmpty {
                for j in 0..<r {
                    let row = Array(p.q[j * n ..< (j + 1) * n])
                    #expect(row[row.indices.max { abs(row[$0]) < abs(row[$1]) }!] > 0)
                }
            }
        }
    }

    @Test func rejectsBadSettings() {
        #expect(throws: OptimizerError.self) { try GaLore(.init(rank: 0)) }
        #expect(throws: OptimizerError.self) { try GaLore(.init(updateGap: 0)) }
        #expect(throws: OptimizerError.self) { try GaLore(.init(scale: -1)) }
        #expect(throws: OptimizerError.self) { try GaLore(.init(adam: AdamHyperparameters(beta2: 1))) }
    }
}
