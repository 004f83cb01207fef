import EdgeModel
import EdgeTrain
import Testing

@Suite struct BatchLoaderTests {
    let encoder: ChatExampleEncoder

    init() throws { encoder = ChatExampleEncoder(tokenizer: try ByteTokenizer(), template: .chatML) }

    @Test func lossMaskCoversAssistantContentAndEndMarkerOnly() throws {
        let e = try encoder.encode([.system("S"), .user("hi"), .assistant("1. join()")])
        let text = "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n1. join()<|im_end|>\n"
        #expect(try ByteTokenizer().decode(e.tokens) == text)
        // Targets: exactly the tokens of "1. join()" and <|im_end|>, each predicted from the previous position.
        let trained = e.targets.filter { $0 >= 0 }
        #expect(try ByteTokenizer().decode(trained) == "1. join()<|im_end|>")
        for t in 0..<(e.count - 1) where e.targets[t] >= 0 { #expect(e.targets[t] == e.tokens[t + 1]) }
        // The prompt used at inference is the untrained prefix plus the assistant opener.
        let prompt = try encoder.encodePrompt([.system("S"), .user("hi")])
        let firstTrained = e.targets.firstIndex { $0 >= 0 }!
        #expect(Array(e.tokens[0...firstTrained]) == prompt)
    }

    @Test func batchesAreSeededPaddedAndResumable() throws {
        let examples = try (0..<10).map { i in
            try encoder.encode([.user(String(repeating: "x", count: i + 1)), .assistant("a\(i)")])
        }
        var a = try BatchLoader(examples: examples, batchSize: 3, maxSeq: 64, seed: 7, padToken: 256)
        var b = a
        var seen: [Batch] = []
        for _ in 0..<5 { seen.append(a.next()) }
        // Same seed ⇒ same stream; resuming from a saved position continues it exactly.
        for i in 0..<2 { #expect(b.next() == seen[i]) }
        var c = try BatchLoader(examples: examples, batchSize: 3, maxSeq: 64, seed: 7, padToken: 256)
        c.seek(to: b.position)
        for i in 2..<5 { #expect(c.next() == seen[i]) }
        for batch in seen {
            #expect(batch.T % 8 == 0 && batch.tokens.count == 3 * batch.T)
            #expect(batch.targetCount > 0)
        }
        // An epoch visits every example once: 10 examples, batches of 3 ⇒ epoch 1 starts inside batch 4.
        #expect(a.position.epoch == 1)
    }

    @Test func tooLongExamplesAreSkippedAndCounted() throws {
        let short = try encoder.encode([.user("a"), .assistant("b")])
        let long = try encoder.encode([.user(String(repeating: "y", count: 200)), .assistant("b")])
        let loader = try BatchLoader(examples: [short, long, long], batchSize: 1, maxSeq: 64, seed: 1, padToken: 256)
        #expect(loader.skippedTooLong == 2)
        #expect(throws: TrainError.noUsableExamples(total: 2, maxSeq: 16, shortest: long.count)) {
            try BatchLoader(examples: [long, long], batchSize: 1, maxSeq: 16, seed: 1, padToken: 256)
        }
    }
}
