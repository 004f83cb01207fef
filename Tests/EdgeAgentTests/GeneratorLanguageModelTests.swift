import EdgeAgent
import EdgeInference
import EdgeModel
import EdgePlan
import Foundation
import Testing

/// The real model adapter on `preset:tiny` (random weights, byte tokenizer, ChatML).
@Suite struct GeneratorLanguageModelTests {
    static let messages: [ChatMessage] = [.system("You plan."), .user("Question: Text Sam that I am late")]

    @Test func greedyCompletionIsDeterministicAndCountsRealTokens() async throws {
        let loaded = try LoadedModel.load("preset:tiny")
        let model = GeneratorLanguageModel(loaded, contextLength: 512)
        let options = CompletionOptions(maxTokens: 12)
        let a = try await model.complete(Self.messages, options: options)
        let b = try await model.complete(Self.messages, options: options)
        #expect(a.text == b.text)
        #expect(a.promptTokens == (try loaded.template.encodePrompt(Self.messages, tokenizer: loaded.tokenizer)).count)
        #expect(a.completionTokens <= 12)
        #expect(a.completionTokens > 0)
        #expect(model.contextLength == 512)
    }

    @Test func concurrentCallsAreSerializedAndMatchSequentialOnes() async throws {
        let model = GeneratorLanguageModel(try LoadedModel.load("preset:tiny"), contextLength: 256)
        let options = CompletionOptions(maxTokens: 8)
        let prompts = ["one", "two", "three"].map { [ChatMessage.user($0)] }
        var sequential: [String] = []
        for p in prompts { sequential.append(try await model.complete(p, options: options).text) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (i, p) in prompts.enumerated() {
                group.addTask { (i, try await model.complete(p, options: options).text) }
            }
            var out = Array(repeating: "", count: prompts.count)
            for try await (i, text) in group { out[i] = text }
            return out
        }
        #expect(concurrent == sequential)
    }

    @Test func constrainedCompletionIsAValidPlan() async throws {
        let loaded = try LoadedModel.load("preset:tiny")
        let tools = try ToolSet.tinyAgent
        let factory = PlanConstraintFactory(tools: tools, tokenizer: loaded.tokenizer, vocabularySize: loaded.config.vocabSize,
                                            stopTokenIds: loaded.stopTokenIds)
        let model = GeneratorLanguageModel(loaded, contextLength: 512)
        for temperature: Float in [0, 1] {
            let options = CompletionOptions(maxTokens: 60, temperature: temperature, stopSequences: [Plan.endMarker],
                                            constraint: { factory.make() })
            let c = try await model.complete(Self.messages, options: options)
            #expect(c.completionTokens <= 60)
            #expect(c.finishReason == .stop || c.finishReason == .constraint)
            #expect(!c.text.contains(Plan.endMarker))
            #expect(PlanValidator(tools: tools).validate(c.text).valid, "\(c.text)")
        }
    }

    @Test func streamedPiecesMakeUpTheCompletion() async throws {
        let model = GeneratorLanguageModel(try LoadedModel.load("preset:tiny"), contextLength: 256)
        var pieces = "", done: Completion?
        for try await event in model.stream(Self.messages, options: CompletionOptions(maxTokens: 20)) {
            switch event {
            case .text(let t): pieces += t
            case .done(let c): done = c
            }
        }
        let c = try #require(done)
        #expect(pieces == c.text)
        #expect(c.completionTokens == 20 || c.finishReason == .stop)
    }

    @Test func promptBeyondTheContextThrowsWithTheRealTokenCount() async throws {
        let loaded = try LoadedModel.load("preset:tiny")
        let model = GeneratorLanguageModel(loaded, contextLength: 64)
        let long: [ChatMessage] = [.user(String(repeating: "abc ", count: 40))]
        let n = try loaded.template.encodePrompt(long, tokenizer: loaded.tokenizer).count
        await #expect(throws: AgentError.contextOverflow(promptTokens: n, limit: 64)) {
            try await model.complete(long, options: CompletionOptions())
        }
    }

    @Test func completionNeverRunsPastTheContext() async throws {
        let loaded = try LoadedModel.load("preset:tiny")
        let model = GeneratorLanguageModel(loaded, contextLength: 48)
        let short: [ChatMessage] = [.user("hi")]
        let n = try loaded.template.encodePrompt(short, tokenizer: loaded.tokenizer).count
        let c = try await model.complete(short, options: CompletionOptions(maxTokens: 500))
        #expect(c.promptTokens + c.completionTokens <= 48)
        #expect(c.completionTokens <= 48 - n)
    }
}
