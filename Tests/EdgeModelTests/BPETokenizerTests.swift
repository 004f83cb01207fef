import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

@Suite struct BPETokenizerTests {
    /// HF parity on ~50 strings: ids with and without special-token handling, decode with and without specials.
    @Test func fixtureParity() throws {
        let fixtures = try TokenizerFixtures.load()
        let tok = try #require(try TokenizerFixtures.bpe().tokenizer as? BPETokenizer)
        #expect(tok.vocabSize == fixtures.bpe.vocab_size)
        #expect(tok.eosTokenId == 2 && tok.bosTokenId == 1 && tok.unkTokenId == 0)
        for c in fixtures.bpe.cases {
            #expect(try tok.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(try tok.decode(c.ids) == c.decoded, "\(c.text.debugDescription)")
            #expect(try tok.decode(c.ids, skipSpecialTokens: true) == c.decoded_skip_special, "\(c.text.debugDescription)")
        }
    }

    @Test func specialTokensInText() throws {
        let tok = try TokenizerFixtures.bpe().tokenizer
        let ids = try tok.encode("<|im_start|>user\nHi<|im_end|>")
        #expect(ids.first == 1 && ids.last == 2)
        let plain = try tok.encode("<|im_start|>user", addBos: nil, parseSpecialTokens: false)
        #expect(!plain.contains(1))
        #expect(try tok.decode(plain) == "<|im_start|>user")
        #expect(tok.specialTokenIds == [0, 1, 2])
        #expect(tok.tokenText(1) == "<|im_start|>")
        #expect(tok.tokenString(Int32(try #require(tok.tokenId("Ġ")))) == "Ġ")
        #expect(tok.tokenBytes(try #require(tok.tokenId("Ġ"))) == [0x20])
    }

    /// A hand-made tokenizer.json with "a b" string merges, a TemplateProcessing BOS, and ignore_merges.
    @Test func stringMergesAndTemplateProcessing() throws {
        let json = """
        {"version": "1.0", "added_tokens": [{"id": 0, "content": "<s>", "special": true}],
         "normalizer": null,
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
         "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                            {"Sequence": {"id": "A", "type_id": 0}}], "pair": [], "special_tokens": {}},
         "decoder": {"type": "ByteLevel"},
         "model": {"type": "BPE", "vocab": {"<s>": 0, "a": 1, "b": 2, "Ġ": 3, "ab": 4, "Ġab": 5, "abab": 6},
                   "merges": ["a b", "Ġ ab", "ab ab"]}}
        """
        let tok = try BPETokenizer(tokenizerJSON: Data(json.utf8))
        #expect(tok.addsBosByDefault && tok.bosTokenId == 0)
        #expect(try tok.encode("abab ab") == [0, 6, 5])
        #expect(try tok.encode("ab", addBos: false) == [4])
        #expect(try tok.decode([0, 6, 5]) == "<s>abab ab")
        #expect(try tok.decode([0, 6, 5], skipSpecialTokens: true) == "abab ab")
        #expect(tok.mergeCount == 3)
        // "c" has no byte-level token and there is no unk: a typed error, not a crash.
        #expect(throws: TokenizerError.self) { _ = try tok.encode("c") }
    }

    @Test func badTokenizerJSONIsTyped() throws {
        #expect(throws: TokenizerError.self) { _ = try BPETokenizer(tokenizerJSON: Data("[1]".utf8)) }
        let wordPiece = #"{"model": {"type": "WordPiece", "vocab": {}}}"#
        #expect(throws: TokenizerError.self) { _ = try BPETokenizer(tokenizerJSON: Data(wordPiece.utf8)) }
        let badMerge = #"{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a z"]}}"#
        do {
            _ = try BPETokenizer(tokenizerJSON: Data(badMerge.utf8), path: "x/tokenizer.json")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("x/tokenizer.json") && "\(error)".contains("merge 0"))
        }
    }

    /// The hand-written GPT-2 splitter equals ICU's regex engine running the GPT-2 pattern, on random strings
    /// drawn from an alphabet full of edge cases (contractions, spaces before everything, mixed whitespace).
    @Test func handWrittenGPT2SplitEqualsRegex() throws {
        let regex = PreTokenizer(steps: [.regex(try RegexSplit(pattern: BPETokenizer.gpt2Pattern))])
        let alphabet: [String] = ["a", "Z", "é", "日", "1", "٣", "½", " ", " ", "  ", "\n", "\t", "\r\n", "\u{00A0}",
                                  "'", "'s", "'ll", "'re", "'S", "!", "?", ".", "😀", "\u{200B}", "-", "_", "ab"]
        var rng = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            let text = (0..<(1 + rng.nextInt(below: 14))).map { _ in alphabet[rng.nextInt(below: alphabet.count)] }.joined()
            #expect(PreTokenizer.gpt2.split(text) == regex.split(text), "\(text.debugDescription)")
        }
    }

    @Test func digitsAreIsolated() throws {
        let text = "ab12 3"
        let words = PreTokenizer.smolLM.split(text).map { String(decoding: Array(text.utf8)[$0], as: UTF8.self) }
        #expect(words == ["ab", "1", "2", " ", "3"])
        let gpt2 = PreTokenizer.gpt2.split(text).map { String(decoding: Array(text.utf8)[$0], as: UTF8.self) }
        #expect(gpt2 == ["ab", "12", " 3"])
    }
}
