import Dispatch
import EdgeInference
import EdgeModel
import EdgePlan
import Foundation
import Testing

/// Schema-constrained plan decoding with a real (random-weight) model and with the SmolLM2 vocabulary.
@Suite struct PlanConstraintTests {
    static let smolLM2 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets/sample.jsonl").path

    /// 200 plans sampled at temperature 1 from `preset:tiny` (random weights, byte tokenizer), one seed each.
    static func samplePlans(constrained: Bool, seeds: Range<UInt64>, maxNewTokens: Int = 80) throws -> [(text: String, reason: GenerationResult.FinishReason)] {
        let m = try LoadedModel.load("preset:tiny")
        let tools = try ToolSet.tinyAgent
        let factory = PlanConstraintFactory(tools: tools, tokenizer: m.tokenizer, vocabularySize: m.config.vocabSize,
                                            stopTokenIds: m.stopTokenIds)
        let generator = Generator(model: m.model, tokenizer: m.tokenizer, contextLength: 512)
        let prompt = try m.template.encodePrompt([.system("Plan with the tools."), .user("Question: Text Sam that I am late")],
                                                 tokenizer: m.tokenizer)
        var out: [(String, GenerationResult.FinishReason)] = []
        for seed in seeds {
            let maxNew = maxNewTokens
            let request = GenerationRequest(promptIds: prompt, maxNewTokens: maxNew,
                                            sampling: SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: seed),
                                            stopTokenIds: m.stopTokenIds)
            var constraint: PlanConstraint?
            if constrained {
                var c = factory.make()
                c.setTokenBudget(maxNew)
                constraint = c
            }
            let r = try generator.generate(request, constraint: constraint)
            out.append((r.text, r.finishReason))
        }
        return out
    }

    @Test func everyConstrainedSampleOfARandomModelValidates() throws {
        let validator = PlanValidator(tools: try ToolSet.tinyAgent)
        let plans = try Self.samplePlans(constrained: true, seeds: 0..<200)
        var invalid: [String] = []
        for (text, reason) in plans {
            #expect(reason == .constraint, "generation ended by \(reason), not by the end marker")
            if !validator.validate(text).valid { invalid.append(text) }
        }
        #expect(invalid.isEmpty, "\(invalid.count) invalid plans, first: \(invalid.first ?? "")")
        // Not trivially `1. join()` every time: the random model explores tools and arguments.
        let withTools = plans.filter { !$0.text.hasPrefix("1. join()") }.count
        #expect(withTools > 100)
    }

    @Test func unconstrainedSamplesOfARandomModelMostlyDoNotValidate() throws {
        let validator = PlanValidator(tools: try ToolSet.tinyAgent)
        let plans = try Self.samplePlans(constrained: false, seeds: 0..<200, maxNewTokens: 48)
        let valid = plans.filter { validator.validate($0.text).valid }.count
        #expect(Double(valid) / Double(plans.count) < 0.1)
    }

    /// A tight budget still ends in a complete, valid plan (the constraint closes strings and lists in time).
    @Test func tightBudgetStillCompletesThePlan() throws {
        let m = try LoadedModel.load("preset:tiny")
        let factory = PlanConstraintFactory(tools: try ToolSet.tinyAgent, tokenizer: m.tokenizer,
                                            vocabularySize: m.config.vocabSize, stopTokenIds: m.stopTokenIds)
        let generator = Generator(model: m.model, tokenizer: m.tokenizer, contextLength: 256)
        for (seed, budget) in [(UInt64(1), 25), (2, 40), (3, 60)] {
            var c = factory.make()
            c.setTokenBudget(budget)
            let request = GenerationRequest(promptIds: [1, 2, 3], maxNewTokens: budget,
                                            sampling: SamplingParameters(temperature: 1, topK: 0, topP: 1, seed: seed))
            let r = try generator.generate(request, constraint: c)
            #expect(r.finishReason == .constraint)
            #expect(r.ids.count <= budget)
            #expect(PlanValidator(tools: try ToolSet.tinyAgent).validate(r.text).valid, "\(r.text)")
        }
    }

    /// The SmolLM2 vocabulary (49,152 byte-level BPE tokens): every token of every gold plan is allowed in
    /// turn, and nothing but the stop tokens after the end marker. Prints the cost per token (debug build).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: PlanConstraintTests.smolLM2)))
    func goldPlansTokenizedBySmolLM2AreAllowed() throws {
        let tokenizer = try GGUFTokenizerMetadata(file: try GGUFFile(path: Self.smolLM2)).load().tokenizer
        let stops: Set<Int32> = [tokenizer.eosTokenId ?? 0]
        let t0 = DispatchTime.now().uptimeNanoseconds
        let factory = PlanConstraintFactory(tools: try ToolSet.tinyAgent, tokenizer: tokenizer, vocabularySize: 49152,
                                            stopTokenIds: stops)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let examples = try JSONLines.examples(Self.sample)
        var tokens = 0, sweepAllowed = 0
        for (k, e) in examples.enumerated() {
            var c = factory.make()
            for id in try tokenizer.encode(e.plan, addBos: false) {
                #expect(c.allows(id), "\(e.id): token \(id) \(tokenizer.tokenString(id) ?? "") refused")
                // What the sampler does per token: ask about every id (first examples only: slow in debug builds).
                if k < 5 { for v in 0..<Int32(49152) where c.allows(v) { sweepAllowed += 1 } }
                c.accept(id)
                tokens += 1
            }
            #expect(c.isComplete, "\(e.id) incomplete")
            #expect(c.allows(stops.first ?? 0))
            let one = try tokenizer.encode("1", addBos: false)
            #expect(!c.allows(one[0]))
        }
        let t2 = DispatchTime.now().uptimeNanoseconds
        let stats = factory.cacheStatistics
        print(String(format: "PlanConstraint SmolLM2 (debug build): setup %.0f ms, %.3f ms/token over %d tokens (masks; 49152-id sweeps for 5 plans), cache %d hits / %d misses",
                     Double(t1 - t0) / 1e6, Double(t2 - t1) / 1e6 / Double(tokens), tokens, stats.hits, stats.misses))
        #expect(sweepAllowed > 0)
    }
}
