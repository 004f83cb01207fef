import EdgeTensor
#if canImport(Glibc)
import Glibc
#endif

/// How the next token is chosen from logits. Defaults are the usual llama.cpp / Hugging Face ones.
public struct SamplingParameters: Sendable, Equatable, Codable {
    public static let defaultTemperature: Float = 0.8
    public static let defaultTopK = 40
    public static let defaultTopP: Float = 0.95
    public static let defaultRepetitionPenalty: Float = 1.0

    /// 0 means greedy (argmax).
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = no limit).
    public var topK: Int
    /// Keep the smallest set of tokens whose probability mass reaches p (1 = no limit).
    public var topP: Float
    /// Hugging Face's repetition penalty: logits of tokens already seen are divided by it when positive,
    /// multiplied when negative (1 = off).
    public var repetitionPenalty: Float
    public var seed: UInt64

    public init(temperature: Float = Self.defaultTemperature, topK: Int = Self.defaultTopK, topP: Float = Self.defaultTopP,
                repetitionPenalty: Float = Self.defaultRepetitionPenalty, seed: UInt64 = 0) {
        (self.temperature, self.topK, self.topP, self.repetitionPenalty, self.seed) = (temperature, topK, topP, repetitionPenalty, seed)
    }

    /// Argmax decoding.
    public static let greedy = SamplingParameters(temperature: 0, topK: 1, topP: 1)

    public var isGreedy: Bool { temperature <= 0 || topK == 1 }
}

/// Picks tokens from logits; owns the random stream so a seed reproduces a generation.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: SplitMix64

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        self.rng = SplitMix64(seed: parameters.seed)
    }

    /// Chooses the next token. `logits` is modified (penalties, temperature). `history` is the tokens so far
    /// (prompt and generated) for the repetition penalty. `allowed`, when given, masks every other token
    /// (constrained decoding); if nothing allowed is finite the result is nil.
    public mutating func sample(_ logits: inout [Float], history: [Int32] = [], allowed: ((Int) -> Bool)? = nil) -> Int32? {
        let n = logits.count
        if let allowed {
            for i in 0..<n where !allowed(i) { logits[i] = -.infinity }
        }
        if parameters.repetitionPenalty != 1 {
            for id in Set(history) where id >= 0 && Int(id) < n {
                let v = logits[Int(id)]
                logits[Int(id)] = v > 0 ? v / parameters.repetitionPenalty : v * parameters.repetitionPenalty
            }
        }
        let best = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, n) }
        guard best >= 0, logits[best] > -.infinity else { return nil }
        if parameters.isGreedy { return Int32(best) }

        // Candidates: top-k (or all finite), as (index, logit) sorted descending.
        var candidates: [(index: Int, value: Float)]
        if parameters.topK > 0 {
            candidates = logits.withUnsafeBufferPointer { Kernels.topK($0.baseAddress!, n, parameters.topK) }
        } else {
            candidates = logits.enumerated().map { ($0.offset, $0.element) }.filter { $0.value > -.infinity }
            candidates.sort { $0.value > $1.value || ($0.value == $1.value && $0.index < $1.index) }
        }
        candidates.removeAll { $0.value == -.infinity }
        // Softmax at temperature T over the candidates.
        let top = candidates[0].value
        var probs = candidates.map { Double(expf(($0.value - top) / parameters.temperature)) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        // Top-p: keep the shortest prefix whose mass reaches p.
        if parameters.topP < 1 {
            var mass = 0.0, keep = 0
            while keep < probs.count { mass += probs[keep]; keep += 1; if mass >= Double(parameters.topP) { break } }
            probs.removeLast(probs.count - keep)
            let kept = probs.reduce(0, +)
            for i in probs.indices { probs[i] /= kept }
        }
        let u = rng.nextDouble()
        var cumulative = 0.0
        for (i, p) in probs.enumerated() {
            cumulative += p
            if u < cumulative { return Int32(candidates[i].index) }
        }
        return Int32(candidates[probs.count - 1].index)
    }
}
