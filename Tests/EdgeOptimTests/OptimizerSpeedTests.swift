import EdgeOptim
import EdgeTensor
import Foundation
import Testing

/// Step time of Natural GaLore against GaLore at the same rank, on TinyLlama's largest projected shape.
/// Opt-in (release build): `EDGE_OPTIM_BENCH=1 OPENBLAS_NUM_THREADS=1 swift test -c release --filter OptimizerSpeedTests`.
/// Times are process CPU time, so a loaded machine does not skew the ratio much.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EDGE_OPTIM_BENCH"] != nil))
struct OptimizerSpeedTests {
    /// Process CPU seconds of `body` (all threads): robust to other processes sharing the two cores.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        let t0 = now()
        try body()
        return now() - t0
    }

    /// Fastest of `steps` non-refresh steps (gap larger than the run) for GaLore and Natural GaLore, the two
    /// interleaved so that load from other processes hits both alike.
    static func stepTimes(m: Int, n: Int, rank: Int, history: Int, precision: HistoryPrecision, projection: GaLoreProjectionType,
                          steps: Int = 5) throws -> (galore: Double, natural: Double) {
        var rng = SplitMix64(seed: 3)
        let g = Tensor.uniform([m, n], scale: 0.01, rng: &rng)
        let galore = GaLore.Settings(rank: rank, updateGap: 10_000, projectionType: projection)
        let natural = NaturalGradientSettings(historySize: history, historyPrecision: precision)
        let opts: [any Optimizer] = [try GaLore(galore), try NaturalGaLore(.init(galore: galore, natural: natural))]
        var ws = opts.map { _ in Tensor.uniform([m, n], rng: &rng) }
        var best = [Double.infinity, .infinity]
        let warmup = history + 1                            // step 0 computes the SVD; then fill the history
        for i in 0..<(warmup + steps) {
            for j in 0..<2 {
                let t = try seconds { try opts[j].update("model.layers.0.mlp.gate_proj.weight", parameter: &ws[j], gradient: g, lr: 1e-3) }
                if i >= warmup { best[j] = min(best[j], t) }
            }
        }
        return (best[0], best[1])
    }

    /// Acceptance bound of issue 6: Natural GaLore ≤ 1.05× GaLore per optimizer step. Measured (process CPU time,
    /// one BLAS thread, history filled): two-sided `full` 1.01× (met); one-sided `std` at 5632×2048 r256 s10
    /// 1.17× (BF16), 1.15× (exact), 1.34× (int8), and 1.33× at s20 — NOT met: the two Float64 passes over
    /// s·k history entries run at a few GFLOP/s against GaLore's GEMMs. Printed numbers are the record.
    @Test func naturalGaLoreCostsAtMostFivePercentMore() throws {
        var worst: [HistoryPrecision: Double] = [:]
        for (m, n, r, s) in [(5632, 2048, 256, 10), (2048, 2048, 256, 10), (5632, 2048, 128, 10), (5632, 2048, 256, 20)] {
            for p in HistoryPrecision.allCases {
                let (tg, tn) = try Self.stepTimes(m: m, n: n, rank: r, history: s, precision: p, projection: .std)
                print(String(format: "speed %d×%d r%d s%d %@: GaLore %.2f ms, Natural %.2f ms, ratio %.3f",
                             m, n, r, s, p.rawValue, tg * 1e3, tn * 1e3, tn / tg))
                worst[p] = max(worst[p] ?? 0, tn / tg)
            }
        }
        let (fg, fn) = try Self.stepTimes(m: 5632, n: 2048, rank: 256, history: 20, precision: .bf16, projection: .full)
        print(String(format: "speed 5632×2048 r256 s20 full: GaLore %.2f ms, Natural %.2f ms, ratio %.3f", fg * 1e3, fn * 1e3, fn / fg))
        #expect(fn / fg <= 1.05)
        #expect(worst[.bf16]! <= 1.05, "one-sided Natural GaLore costs \(worst[.bf16]!)× GaLore (target 1.05)")
    }
}
