import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

@Suite struct TokenizerGGUFTests {
    /// GGUF-style metadata of the fixture SentencePiece model, as llama.cpp's converter writes it.
    static func spmMetadata(_ spm: SentencePieceTokenizer) -> GGUFTokenizerMetadata {
        var tokens: [String] = [], scores: [Float] = [], types: [Int32] = []
        for id in 0..<Int32(spm.vocabSize) {
            tokens.append(spm.tokenString(id) ?? "")
            scores.append(spm.score(id) ?? 0)
            switch spm.kind(id) {
            case .byte: types.append(6)
            case .control: types.append(3)
            case .unknown: types.append(2)
            default: types.append(1)
            }
        }
        return GGUFTokenizerMetadata(model: "llama", tokens: tokens, scores: scores, tokenTypes: types,
                                     bosTokenId: spm.bosTokenId, eosTokenId: spm.eosTokenId,
                                     unknownTokenId: spm.unkTokenId, addBosToken: true, addSpacePrefix: true)
    }

    /// The Swift SentencePiece-BPE encoder over (tokens, scores, types) equals libsentencepiece on the same vocab.
    @Test func spmVocabEncoderEqualsLibrary() throws {
        let spm = try #require(try TokenizerFixtures.spm().tokenizer as? SentencePieceTokenizer)
        let vocab = try #require(try Self.spmMetadata(spm).makeTokenizer() as? SentencePieceVocabTokenizer)
        let fixtures = try TokenizerFixtures.load()
        for c in fixtures.spm.cases {
            #expect(try vocab.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(try vocab.encode(c.text, addBos: false) == c.ids_no_bos, "\(c.text.debugDescription)")
            #expect(try vocab.decode(c.ids) == c.decoded, "\(c.text.debugDescription)")
            #expect(try vocab.decode(c.ids, skipSpecialTokens: true) == c.decoded_skip_special)
        }
        // Random strings over a tricky alphabet: identical ids to the library.
        let alphabet = ["the", " ", "  ", "model", "é", "日本", "😀", "1", "23", "\n", "\t", ".", "ab", "planner", "'s", "ꙮ"]
        var rng = SplitMix64(seed: 3)
        for _ in 0..<500 {
            let text = (0..<(1 + rng.nextInt(below: 12))).map { _ in alphabet[rng.nextInt(below: alphabet.count)] }.joined()
            #expect(try vocab.encode(text) == spm.encode(text), "\(text.debugDescription)")
        }
    }

    /// Byte-level BPE fed from GGUF-style arrays (the fixture's tokenizer.json re-expressed) matches HF.
    @Test func bpeFromGGUFArrays() throws {
        let path = TokenizerFixtures.dir + "/bpe/tokenizer.json"
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let model = try #require(root["model"] as? [String: Any])
        let vocab = try #require(model["vocab"] as? [String: Int])
        let added = try #require(root["added_tokens"] as? [[String: Any]])
        var tokens = [String](repeating: "", count: vocab.count + added.count - 3)
        var types = [Int32](repeating: 1, count: tokens.count)
        for (t, i) in vocab { tokens[i] = t }
        for a in added {   // specials → control (3), others → user-defined (4), as llama.cpp's converter does
            let i = try #require(a["id"] as? Int)
            tokens[i] = try #require(a["content"] as? String)
            types[i] = (a["special"] as? Bool) == true ? 3 : 4
        }
        let merges = try #require(model["merges"] as? [[String]]).map { $0.joined(separator: " ") }
        let meta = GGUFTokenizerMetadata(model: "gpt2", pre: "smollm", tokens: tokens, tokenTypes: types, merges: merges,
                                         bosTokenId: 1, eosTokenId: 2, unknownTokenId: 0, addBosToken: false)
        let tok = try meta.makeTokenizer()
        // GGUF has no lstrip/rstrip flags: "<tool_call>" keeps the whitespace around it there.
        for c in try TokenizerFixtures.load().bpe.cases where !c.text.contains("<tool_call>") {
            #expect(try tok.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(try tok.decode(c.ids) == c.decoded)
        }
        var bad = meta
        bad.pre = "mystery"
        #expect(throws: TokenizerError.self) { _ = try bad.makeTokenizer() }
        bad = meta
        bad.model = "bert"
        #expect(throws: TokenizerError.self) { _ = try bad.makeTokenizer() }
    }

    /// Opt-in: the real SmolLM2-135M-Instruct GGUF (`edgeagent model fetch`). Expected ids come from a HF `tokenizers`
    /// BPE built from the same GGUF vocab with SmolLM2's pre-tokenizer (gen_tokenizers.py).
    @Test func smolLM2GGUFVocabulary() throws {
        let gguf = TestSupport.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: gguf) else {
            print("skipping smolLM2GGUFVocabulary: \(gguf) is absent (run `edgeagent model fetch`)")
            return
        }
        let meta = try GGUFTokenizerMetadata(file: try GGUFFile(path: gguf))
        #expect(meta.model == "gpt2" && meta.pre == "smollm" && meta.tokens.count == 49152)
        let tok = try meta.makeTokenizer()
        #expect(try ChatTemplate(jinja: try #require(meta.chatTemplate)) == .smolLM2)
        struct Case: Decodable { let text: String; let ids: [Int32]; let decoded: String }
        struct File: Decodable { let cases: [Case]; let long: TokenizerFixtures.Checksum }
        let data = try Data(contentsOf: URL(fileURLWithPath: TokenizerFixtures.dir + "/smollm2_gguf_cases.json"))
        let file = try JSONDecoder().decode(File.self, from: data)
        #expect(TokenizerFixtures.checksum(try tok.encode(try TokenizerFixtures.longText())) == file.long)
        for c in file.cases {
            #expect(try tok.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(try tok.decode(c.ids) == c.decoded)
        }
        // Speed on ~100 KB of English prose and code (printed; build with -c release for meaningful numbers).
        let prose = try String(contentsOfFile: TokenizerFixtures.dir + "/../gen_tokenizers.py", encoding: .utf8)
        var text = ""
        while text.utf8.count < 100_000 { text += prose }
        let clock = ContinuousClock()
        var ids: [Int32] = []
        var seconds = Double.infinity
        for _ in 0..<3 {                                       // best of 3: the machine is shared
            let elapsed = try clock.measure { ids = try tok.encode(text) }
            seconds = min(seconds, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        #expect(try tok.decode(ids) == text)
        print("SmolLM2 BPE encode speed: \(ids.count) tokens, \(text.utf8.count) bytes, \(Int(Double(ids.count) / seconds)) tokens/s")
    }
}
