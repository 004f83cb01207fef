import EdgeOptim
import EdgeTensor
import Foundation
import Testing

/// Step time of Natural GaLore against GaLore at the same rank, on TinyLlama's largest projected shape.
/// Opt-in (release build): `EDGE_OPTIM_BENCH=1 swift test -c release --filter OptimizerSpeedTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EDGE_OPTIM_BENCH"] != nil))
struct OptimizerSpeedTests {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// Fastest of `steps` non-refresh steps (gap larger than the run) for GaLore and Natural GaLore, the two
    /// interleaved so that load from other processes hits both alike.
    static func stepTimes(m: Int, n: Int, rank: Int, history: Int, precision: HistoryPrecision, projection: GaLoreProjectionType,
                          steps: Int = 9) throws -> (galore: Double, natural: Double) {
        var rng = SplitMix64(seed: 3)
        let g = Tensor.uniform([m, n], scale: 0.01, rng: &rng)
        let galore = GaLore.Settings(rank: rank, updateGap: 10_000, projectionType: projection)
        let natural = NaturalGradientSettings(historySize: history, historyPrecision: precision)
        let opts: [any Optimizer] = [try GaLore(galore), try NaturalGaLore(.init(galore: galore, natural: natural))]
        var ws = opts.map { _ in Tensor.uniform([m, n], rng: &rng) }
        var best = [Double.infinity, .infinity]
        for i in 0...steps {
            for j in 0..<2 {
                let t = try seconds { try opts[j].update("model.layers.0.mlp.gate_proj.weight", parameter: &ws[j], gradient: g, lr: 1e-3) }
                if i > 0 { best[j] = min(best[j], t) }     // step 0 computes the SVD
            }
        }
        return (best[0], best[1])
    }

    @Test func naturalGaLoreCostsAtMostFivePercentMore() throws {
        var worst = 0.0
        for (m, n, r) in [(5632, 2048, 256), (2048, 2048, 256), (5632, 2048, 128)] {
            for p in HistoryPrecision.allCases {
                let (tg, tn) = try Self.stepTimes(m: m, n: n, rank: r, history: 10, precision: p, projection: .std)
                print(String(format: "speed %d×%d r%d s10 %@: GaLore %.2f ms, Natural %.2f ms, ratio %.3f",
                             m, n, r, p.rawValue, tg * 1e3, tn * 1e3, tn / tg))
                worst = max(worst, tn / tg)
            }
        }
        let (tg, tn) = try Self.stepTimes(m: 5632, n: 2048, rank: 256, history: 20, precision: .bf16, projection: .std)
        print(String(format: "speed 5632×2048 r256 s20 bf16: GaLore %.2f ms, Natural %.2f ms, ratio %.3f", tg * 1e3, tn * 1e3, tn / tg))
        let (fg, fn) = try Self.stepTimes(m: 5632, n: 2048, rank: 256, history: 20, precision: .bf16, projection: .full)
        print(String(format: "speed 5632×2048 r256 s20 full: GaLore %.2f ms, Natural %.2f ms, ratio %.3f", fg * 1e3, fn * 1e3, fn / fg))
        #expect(worst <= 1.05)
    }
}
