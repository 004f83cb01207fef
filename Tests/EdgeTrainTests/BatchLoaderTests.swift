import EdgeModel
import EdgeTensor
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

    /// group_by_length: an epoch still visits every example exactly once, in a seeded order that resumes,
    /// and the batches carry far less padding than random batches of the same examples.
    @Test func lengthGroupingCutsPaddingAndKeepsTheEpoch() throws {
        var rng = SplitMix64(seed: 5)
        let examples = try (0..<200).map { i in
            try encoder.encode([.user(String(repeating: "x", count: 1 + rng.nextInt(below: 150))), .assistant("a\(i)")])
        }
        let random = try BatchLoader(examples: examples, batchSize: 4, maxSeq: 256, seed: 3, padToken: 256)
        var grouped = try BatchLoader(examples: examples, batchSize: 4, maxSeq: 256, seed: 3, padToken: 256, groupByLength: true)
        #expect(grouped.paddingSummary.meanTokens == random.paddingSummary.meanTokens)
        #expect(grouped.paddingSummary.paddingFraction < random.paddingSummary.paddingFraction / 4,
                "padding \(grouped.paddingSummary.paddingFraction) vs \(random.paddingSummary.paddingFraction)")
        var seen: [[Int32]] = []
        for _ in 0..<50 {
            let batch = grouped.next()
            for b in 0..<4 { seen.append(Array(batch.tokens[(b * batch.T)..<((b + 1) * batch.T)].prefix { $0 != 256 })) }
        }
        #expect(Set(seen).count == 200, "each of the 200 distinct examples once per epoch")
        #expect(Set(seen) == Set(examples.map(\.tokens)))
        // Resume: a fresh loader moved to a saved position continues the same stream.
        var a = try BatchLoader(examples: examples, batchSize: 4, maxSeq: 256, seed: 3, padToken: 256, groupByLength: true)
        for _ in 0..<7 { _ = a.next() }
        var resumed = try BatchLoader(examples: examples, batchSize: 4, maxSeq: 256, seed: 3, padToken: 256, groupByLength: true)
        resumed.seek(to: a.position)
        for _ in 0..<5 { #expect(resumed.next() == a.next()) }
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
