import EdgeInference
import Foundation
import Testing

@Suite struct SamplerTests {
    @Test func greedyPicksArgmax() {
        var s = Sampler(.greedy)
        var logits: [Float] = [0.1, 2, 1.9, -1]
        #expect(s.sample(&logits) == 1)
    }

    @Test func allowedMaskConstrainsChoice() {
        var s = Sampler(.greedy)
        var logits: [Float] = [0.1, 2, 1.9, -1]
        #expect(s.sample(&logits, allowed: { $0 != 1 }) == 2)
        var none: [Float] = [1, 2]
        #expect(s.sample(&none, allowed: { _ in false }) == nil)
    }

    @Test func repetitionPenaltyFollowsHuggingFace() {
        var s = Sampler(SamplingParameters(temperature: 0, topK: 1, topP: 1, repetitionPenalty: 2))
        var logits: [Float] = [3, 2, -1]
        #expect(s.sample(&logits, history: [0, 2]) == 1)   // 3/2 = 1.5 < 2
        #expect(logits == [1.5, 2, -2])
    }

    @Test func seededSamplingIsReproducibleAndFollowsProbabilities() {
        let params = SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: 42)
        let base: [Float] = [0, log(3), -.infinity]   // p = [0.25, 0.75, 0]
        var a = Sampler(params), b = Sampler(params)
        var counts = [0, 0, 0]
        for _ in 0..<4000 {
            var l1 = base, l2 = base
            let x = a.sample(&l1)!, y = b.sample(&l2)!
            #expect(x == y)
            counts[Int(x)] += 1
        }
        #expect(counts[2] == 0)
        #expect(abs(Double(counts[1]) / 4000 - 0.75) < 0.03)
    }

    @Test func topPKeepsSmallestNucleus() {
        // p ≈ [0.6, 0.3, 0.1]: top-p 0.5 keeps only the first token.
        let params = SamplingParameters(temperature: 1, topK: 0, topP: 0.5, seed: 1)
        var s = Sampler(params)
        for _ in 0..<200 {
            var l: [Float] = [log(0.6), log(0.3), log(0.1)]
            #expect(s.sample(&l) == 0)
        }
    }

    @Test func topKLimitsCandidates() {
        var s = Sampler(SamplingParameters(temperature: 5, topK: 2, topP: 1, seed: 3))
        for _ in 0..<300 {
            var l: [Float] = [1, 0.9, 0.8, 0.7]
            #expect(s.sample(&l)! < 2)
        }
    }
}
