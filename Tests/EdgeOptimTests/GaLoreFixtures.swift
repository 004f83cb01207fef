import EdgeOptim
import EdgeTensor
import EdgeTestSupport
import Foundation

/// Reads the galore-torch / NumPy fixtures of Tests/Fixtures/galore (written by gen_galore.py and
/// gen_natural_galore.py) and regenerates their SplitMix64 inputs (reference/optimizers.md §8.1).
struct GaLoreCase {
    let id: String
    let json: [String: Any]
    let params: [String: Any]
    /// W after each stored step, index 0 = W0.
    let trajectory: [Tensor64]
    let storedSteps: [Int]

    init(_ dir: String, _ id: String) throws {
        self.id = id
        let url = URL(fileURLWithPath: TestSupport.fixture("galore/\(dir)/\(id).json"))
        json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        params = json["params"] as! [String: Any]
        let files = json["files"] as! [String: String]
        let w = try Npy.readTensor64(TestSupport.fixture("galore/\(dir)/\(files["W"]!)"))
        let (k, m, n) = (w.shape[0], w.shape[1], w.shape[2])
        trajectory = (0..<k).map { Tensor64(shape: [m, n], scalars: Array(w.scalars[$0 * m * n ..< ($0 + 1) * m * n])) }
        storedSteps = (json["stored_steps"] as! [Any]).map { ($0 as! NSNumber).intValue }
    }

    static func ids(_ dir: String) throws -> [String] {
        let url = URL(fileURLWithPath: TestSupport.fixture("galore/\(dir)/index.json"))
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (j["cases"] as! [String])
    }

    func int(_ k: String) -> Int { (params[k] as! NSNumber).intValue }
    func double(_ k: String) -> Double { (params[k] as! NSNumber).doubleValue }
    func has(_ k: String) -> Bool { params[k] != nil }
    var m: Int { int("m") }
    var n: Int { int("n") }
    var steps: Int { int("steps") }
    var closedLoop: Bool { (params["loop"] as? String) == "closed" }
    var tolerance: [String: Any] { json["tolerance"] as? [String: Any] ?? [:] }
    func tol(_ key: String) -> Double? { (tolerance[key] as? NSNumber)?.doubleValue }

    var galoreSettings: GaLore.Settings {
        let betas = (params["betas"] as! [NSNumber]).map(\.doubleValue)
        let adam = AdamHyperparameters(beta1: betas[0], beta2: betas[1], eps: double("eps"),
                                       weightDecay: double("weight_decay"), correctBias: params["correct_bias"] as! Bool)
        return GaLore.Settings(rank: int("rank"), updateGap: int("gap"), scale: double("scale"),
                               projectionType: GaLoreProjectionType(rawValue: params["proj_type"] as! String)!,
                               svdPrecision: .float64, adam: adam)
    }

    /// Open-loop draws G_t = U(m×n) or the closed-loop gradient Aᵀ(A·W − C) of ½‖AW − C‖².
    struct Inputs {
        var rng: SplitMix64
        let w0: Tensor64
        let a: Tensor64?
        let c: Tensor64?

        mutating func gradient(at w: Tensor64) -> Tensor64 {
            if let a, let c {
                var r = matmul(a, w)
                for i in 0..<r.count { r.scalars[i] -= c.scalars[i] }
                return matmul(a, r, transposeA: true)
            }
            return Tensor64.uniform(w.shape, rng: &rng)
        }
    }

    func inputs() -> Inputs {
        var rng = SplitMix64(seed: UInt64(int("seed")))
        let w0 = Tensor64.uniform([m, n], scale: 1, rng: &rng).scaled(0.5)
        if closedLoop {
            let a = Tensor64.uniform([m, m], rng: &rng), c = Tensor64.uniform([m, n], rng: &rng)
            return Inputs(rng: rng, w0: w0, a: a, c: c)
        }
        return Inputs(rng: rng, w0: w0, a: nil, c: nil)
    }

    /// max over stored t ≥ 1 of ‖W[t] − W_ref[t]‖ / ‖W_ref[t] − W_ref[0]‖ for a run given as W after each step.
    func trajectoryError(_ run: [Tensor64]) -> Double {
        var worst = 0.0
        let w0 = inputs().w0       // some cases store only the final W
        for (i, t) in storedSteps.enumerated() where t >= 1 {
            worst = max(worst, Self.diffNorm(run[t], trajectory[i]) / Self.diffNorm(trajectory[i], w0))
        }
        return worst
    }

    static func diffNorm(_ a: Tensor64, _ b: Tensor64) -> Double {
        var s = 0.0
        for i in 0..<a.count { let d = a.scalars[i] - b.scalars[i]; s += d * d }
        return s.squareRoot()
    }
}

extension DenseTensor {
    func scaled(_ f: Scalar) -> Self { Self(shape: shape, scalars: scalars.map { $0 * f }) }
}

/// Minimal reader for the uint8 `.npy` arrays of the quantization fixtures (Npy handles f4/f8/i4/i8).
enum NpyU8 {
    static func read(_ path: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        let headerLen = Int(bytes[8]) | Int(bytes[9]) << 8          // version 1.0
        let header = String(decoding: bytes[10 ..< 10 + headerLen], as: UTF8.self)
        precondition(header.contains("'|u1'"), "not a uint8 array: \(header)")
        return Array(bytes[(10 + headerLen)...])
    }
}
