import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

@Suite struct SentencePieceTests {
    /// A generated corpus: words, numbers, and a little non-ASCII (most characters stay out of the vocabulary,
    /// so byte fallback is exercised).
    static func corpus() -> String {
        let words = ["the", "model", "token", "planner", "calendar", "email", "search", "hello", "world", "agent",
                     "tool", "call", "result", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "café"]
        var rng = SplitMix64(seed: 7)
        var lines: [String] = []
        for i in 0..<3000 {
            let n = 4 + rng.nextInt(below: 10)
            var line = (0..<n).map { _ in words[rng.nextInt(below: words.count)] }.joined(separator: " ")
            if i % 5 == 0 { line += " \(rng.nextInt(below: 100_000))" }
            lines.append(line + ".")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Issue 3 acceptance: train inside the test through the shim's trainer, then round-trip unicode and emoji.
    @Test func trainEncodeDecodeRoundTrip() throws {
        let dir = try TestSupport.temporaryDirectory("spm-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpusPath = dir.appendingPathComponent("corpus with space.txt").path
        try Self.corpus().write(toFile: corpusPath, atomically: true, encoding: .utf8)
        let prefix = dir.appendingPathComponent("tiny").path
        try SentencePieceTokenizer.train(options: [
            "input": corpusPath, "model_prefix": prefix, "vocab_size": "400", "model_type": "bpe",
            "byte_fallback": "true", "character_coverage": "1.0", "num_threads": "1", "minloglevel": "2",
        ])
        let tok = try SentencePieceTokenizer(modelPath: prefix + ".model")
        #expect(tok.vocabSize == 400)
        #expect(tok.bosTokenId == 1 && tok.eosTokenId == 2 && tok.unkTokenId == 0 && tok.padTokenId == nil)

        let text = "Hello wörld, the planner 42 says 日本語 and 😀!"
        let ids = try tok.encode(text)
        #expect(ids.first == 1)
        #expect(try tok.decode(ids, skipSpecialTokens: true) == text)
        #expect(try tok.libraryDecode(try tok.libraryEncode(text)) == text)
        #expect(try tok.libraryEncode(text) == Array(ids.dropFirst()))
        // The emoji is not in the vocabulary: it must come out as its four UTF-8 bytes.
        let emojiBytes = Array("😀".utf8)
        let byteIds = emojiBytes.map { tok.tokenId(String(format: "<0x%02X>", $0)) }
        #expect(byteIds.allSatisfy { $0 != nil })
        let found = ids.indices.contains { i in
            i + 4 <= ids.count && Array(ids[i..<(i + 4)]) == byteIds.compactMap { $0 }
        }
        #expect(found)
        #expect(tok.kind(byteIds[0]!) == .byte(0xF0))
        #expect(tok.tokenBytes(byteIds[0]!) == [0xF0])
        #expect(tok.tokenString(1) == "<s>" && tok.isSpecial(1) && tok.kind(1) == .control)
    }

    /// The flag-string entry point (`spm_train`), unigram model this time.
    @Test func trainWithCommandLine() throws {
        let dir = try TestSupport.temporaryDirectory("spm-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.txt").path
        try Self.corpus().write(toFile: corpus, atomically: true, encoding: .utf8)
        let prefix = dir.appendingPathComponent("uni").path
        try SentencePieceTokenizer.train(commandLine:
            "--input=\(corpus) --model_prefix=\(prefix) --vocab_size=300 --model_type=unigram --byte_fallback=true --minloglevel=2")
        let tok = try SentencePieceTokenizer(modelPath: prefix + ".model")
        #expect(tok.vocabSize == 300 && tok.normalizerName == "nmt_nfkc")
        let text = "the planner says hello to the agent"
        #expect(try tok.decode(try tok.encode(text)) == "<s> " + text)
        #expect(try tok.decode(try tok.encode(text), skipSpecialTokens: true) == text)
    }

    @Test func trainingErrorIsTyped() throws {
        #expect(throws: TokenizerError.self) {
            try SentencePieceTokenizer.train(options: ["input": "/nonexistent/corpus.txt", "model_prefix": "/tmp/x", "vocab_size": "100"])
        }
    }

    @Test func badModelFileIsTyped() throws {
        #expect(throws: TokenizerError.fileNotFound("/nonexistent/tokenizer.model")) {
            _ = try SentencePieceTokenizer(modelPath: "/nonexistent/tokenizer.model")
        }
        #expect(throws: TokenizerError.self) { _ = try SentencePieceTokenizer(modelData: Array("not a model".utf8)) }
        #expect(throws: TokenizerError.self) { _ = try SentencePieceTokenizer(modelData: [0x0A, 0xFF]) }   // truncated
    }

    /// HF parity on ~50 strings: ids (transformers 4 slow LlamaTokenizer algorithm, legacy=False, on the library),
    /// transformers 5 decode with and without special tokens, and the library's own encode/decode.
    @Test func fixtureParity() throws {
        let fixtures = try TokenizerFixtures.load()
        let tok = try TokenizerFixtures.spm().tokenizer
        let spm = try #require(tok as? SentencePieceTokenizer)
        #expect(spm.vocabSize == fixtures.spm.vocab_size)
        #expect(spm.normalizerName == "identity" && spm.decodeStripsLeadingSpace)
        var hfAgree = 0
        for c in fixtures.spm.cases {
            #expect(try spm.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(try spm.encode(c.text, addBos: false) == c.ids_no_bos, "\(c.text.debugDescription)")
            #expect(try spm.decode(c.ids) == c.decoded, "\(c.text.debugDescription)")
            #expect(try spm.decode(c.ids, skipSpecialTokens: true) == c.decoded_skip_special, "\(c.text.debugDescription)")
            #expect(try spm.libraryEncode(c.text) == c.spm_library_ids, "\(c.text.debugDescription)")
            #expect(try spm.libraryDecode(c.spm_library_ids ?? []) == c.spm_library_decoded, "\(c.text.debugDescription)")
            if let hf = c.hf_fast_ids, hf == c.ids { hfAgree += 1 }
        }
        // transformers 5's converted LlamaTokenizer differs only on the 5 strings that start with spaces.
        #expect(hfAgree == fixtures.spm.cases.count - 5)
    }

    /// The processor is shared read-only: concurrent encodes/decodes from many threads agree with a serial run.
    @Test func concurrentUseIsSafe() throws {
        let tok = try TokenizerFixtures.spm().tokenizer
        let texts = try TokenizerFixtures.load().spm.cases.map(\.text)
        let expected = try texts.map { try tok.encode($0) }
        let results = Results(count: 16)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let ok = (try? texts.map { try tok.encode($0) } == expected) ?? false
            let decodes = (try? expected.map { try tok.decode($0) }) ?? []
            results.set(i, ok && decodes.count == texts.count)
        }
        #expect(results.all)
    }

    /// Thread-safe result slots for `concurrentUseIsSafe`.
    final class Results: @unchecked Sendable {
        private var values: [Bool]
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: false, count: count) }
        func set(_ i: Int, _ v: Bool) { lock.lock(); values[i] = v; lock.unlock() }
        var all: Bool { lock.lock(); defer { lock.unlock() }; return values.allSatisfy { $0 } }
    }

    @Test func specialTokensCanBeLeftAsText() throws {
        let tok = try TokenizerFixtures.spm().tokenizer
        let parsed = try tok.encode("<s>Hi</s>", addBos: false)
        #expect(parsed.first == 1 && parsed.last == 2)
        let plain = try tok.encode("<s>Hi</s>", addBos: false, parseSpecialTokens: false)
        #expect(!plain.contains(1) && !plain.contains(2))
        #expect(try tok.decode(plain, skipSpecialTokens: true) == "<s>Hi</s>")
    }
}
