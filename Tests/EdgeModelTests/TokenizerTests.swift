import EdgeModel
import EdgeTestSupport
import Foundation
import Testing

/// Fixtures written by Tests/Fixtures/gen_tokenizers.py (HF tokenizers 0.23.3 / transformers 5.23.0 /
/// sentencepiece 0.2.3).
enum TokenizerFixtures {
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let ids_no_bos: [Int32]
        let decoded: String
        let decoded_skip_special: String
        let spm_library_ids: [Int32]?
        let spm_library_decoded: String?
        let hf_fast_ids: [Int32]?
    }
    struct Partial: Decodable {
        let ids: [Int32]
        let decoded: String
    }
    struct Set: Decodable {
        let vocab_size: Int
        let cases: [Case]
        let partial: [Partial]
    }
    struct Chat: Decodable {
        let messages: [ChatMessage]
        let add_generation_prompt: Bool
        let chatml: String
        let zephyr: String
    }
    struct Checksum: Decodable, Equatable {
        let count: Int
        let fnv1a64: String
    }
    struct File: Decodable {
        let bpe: Set
        let spm: Set
        let chat: [Chat]
        let templates: [String: String]
        let long: [String: Checksum]
    }

    /// FNV-1a 64 of ids as little-endian int32 (same as gen_tokenizers.py `fnv1a64`).
    static func checksum(_ ids: [Int32]) -> Checksum {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for id in ids {
            let u = UInt32(bitPattern: id)
            for k in 0..<4 { h = (h ^ UInt64((u >> (8 * UInt32(k))) & 0xFF)) &* 0x0000_0100_0000_01b3 }
        }
        let hex = String(h, radix: 16)
        return Checksum(count: ids.count, fnv1a64: String(repeating: "0", count: 16 - hex.count) + hex)
    }

    static func longText() throws -> String {
        try String(contentsOfFile: dir + "/long.txt", encoding: .utf8)
    }

    static let dir = TestSupport.fixture("tokenizers")

    static func load() throws -> File {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/cases.json"))
        return try JSONDecoder().decode(File.self, from: data)
    }

    static func bpe() throws -> LoadedTokenizer { try TokenizerLoader.load(directory: dir + "/bpe") }
    static func spm() throws -> LoadedTokenizer { try TokenizerLoader.load(directory: dir + "/spm") }
}

@Suite struct TokenizerTests {
    @Test func loaderPicksTheRightImplementation() throws {
        let bpe = try TokenizerFixtures.bpe()
        #expect(bpe.tokenizer is BPETokenizer)
        #expect(try bpe.chatTemplate() == .smolLM2)
        let spm = try TokenizerFixtures.spm()
        #expect(spm.tokenizer is SentencePieceTokenizer)
        #expect(try spm.chatTemplate() == .zephyr)
        #expect(spm.tokenizer.addsBosByDefault)
        #expect(!bpe.tokenizer.addsBosByDefault)
    }

    @Test func missingDirectoryIsATypedError() throws {
        #expect(throws: TokenizerError.self) { try TokenizerLoader.load(directory: "/nonexistent/model") }
        do {
            _ = try TokenizerLoader.load(directory: "/nonexistent/model")
        } catch {
            #expect("\(error)".contains("tokenizer.model"))
        }
    }

    @Test func nonByteLevelTokenizerJSONWithoutModelIsUnsupported() throws {
        let dir = try TestSupport.temporaryDirectory("tok-metaspace")
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = #"{"pre_tokenizer": {"type": "Metaspace", "replacement": "▁"}, "decoder": {"type": "Metaspace"},"#
            + #" "model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}}"#
        try json.write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        do {
            _ = try TokenizerLoader.load(directory: dir.path)
            Issue.record("expected an error")
        } catch let error as TokenizerError {
            guard case .unsupportedTokenizer = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("tokenizer.model"))
        }
    }

    @Test func specialTokenMatcherIsLeftmostLongest() throws {
        let m = SpecialTokenMatcher(["<a>": 1, "<ab>": 2, "b": 3])
        let bytes = Array("x<ab><a>b".utf8)
        #expect(m.split(bytes) == [.text(0..<1), .special(2), .special(1), .special(3)])
        #expect(SpecialTokenMatcher([:]).split(Array("hi".utf8)) == [.text(0..<2)])
        #expect(m.split([]) == [])
    }

    /// Streaming the ids one by one gives exactly `decode` for every fixture string, with both tokenizers.
    @Test func streamingMatchesDecode() throws {
        let fixtures = try TokenizerFixtures.load()
        let pairs: [(any Tokenizer, TokenizerFixtures.Set)] = [
            (try TokenizerFixtures.bpe().tokenizer, fixtures.bpe), (try TokenizerFixtures.spm().tokenizer, fixtures.spm),
        ]
        for (tok, set) in pairs {
            for c in set.cases {
                for skip in [false, true] {
                    var stream = StreamingDetokenizer(tokenizer: tok, skipSpecialTokens: skip,
                                                      stripLeadingSpace: tok.decodeStripsLeadingSpace)
                    var text = ""
                    for id in c.ids { text += try stream.append(id) }
                    text += stream.finish()
                    #expect(text == (skip ? c.decoded_skip_special : c.decoded), "\(type(of: tok)) \(c.text.debugDescription)")
                }
            }
        }
    }

    /// ~40 KB of generated text: the same ids as HF (checked through count + FNV-1a of the id list).
    @Test func longTextMatchesHF() throws {
        let fixtures = try TokenizerFixtures.load()
        let text = try TokenizerFixtures.longText()
        let spm = try #require(try TokenizerFixtures.spm().tokenizer as? SentencePieceTokenizer)
        #expect(TokenizerFixtures.checksum(try TokenizerFixtures.bpe().tokenizer.encode(text)) == fixtures.long["bpe"])
        #expect(TokenizerFixtures.checksum(try spm.encode(text)) == fixtures.long["spm"])
        let vocab = try TokenizerGGUFTests.spmMetadata(spm).makeTokenizer()
        #expect(TokenizerFixtures.checksum(try vocab.encode(text)) == fixtures.long["spm"])
    }

    /// Incomplete or misordered UTF-8 from byte tokens decodes with HF's replacement rules
    /// (ByteLevel: lossy by maximal subpart; SentencePiece ByteFallback: one U+FFFD per byte of an invalid run).
    @Test func partialSequencesDecodeLikeHF() throws {
        let fixtures = try TokenizerFixtures.load()
        let bpe = try TokenizerFixtures.bpe().tokenizer
        let spm = try #require(try TokenizerFixtures.spm().tokenizer as? SentencePieceTokenizer)
        let vocab = try TokenizerGGUFTests.spmMetadata(spm).makeTokenizer()
        for p in fixtures.bpe.partial { #expect(try bpe.decode(p.ids) == p.decoded, "\(p.ids)") }
        for p in fixtures.spm.partial {
            #expect(try spm.decode(p.ids) == p.decoded, "\(p.ids)")
            #expect(try vocab.decode(p.ids) == p.decoded, "\(p.ids)")
        }
        #expect(fixtures.bpe.partial.contains { $0.decoded.contains("\u{FFFD}") })
        #expect(fixtures.spm.partial.contains { $0.decoded.contains("\u{FFFD}\u{FFFD}") })
    }

    @Test func streamingHoldsBackIncompleteUTF8() throws {
        let tok = try ByteTokenizer()
        var stream = StreamingDetokenizer(tokenizer: tok)
        let emoji = Array("😀".utf8)                         // F0 9F 98 80
        #expect(try stream.append(Int32(Character("a").asciiValue!)) == "a")
        for b in emoji.dropLast() {
            #expect(try stream.append(Int32(b)) == "")
        }
        #expect(stream.pendingByteCount == 3)
        #expect(try stream.append(Int32(emoji[3])) == "😀")
        #expect(try stream.append(0xE2) == "")                 // an incomplete sequence at the end
        #expect(stream.finish() == "\u{FFFD}")
        #expect(throws: TokenizerError.self) { _ = try stream.append(99_999) }
    }

    @Test func decodeRejectsOutOfRangeIds() throws {
        let bpe = try TokenizerFixtures.bpe().tokenizer
        #expect(throws: TokenizerError.idOutOfRange(id: 5000, vocabSize: bpe.vocabSize)) { _ = try bpe.decode([1, 5000]) }
        #expect(throws: TokenizerError.self) { _ = try bpe.decode([-1]) }
        #expect(bpe.tokenBytes(-1) == nil)
    }

    /// Not a correctness test: encode speed of each tokenizer on ~100 KB of prose and code (printed; run with
    /// `-c release` for meaningful numbers). Round trips are checked so the work cannot be optimised away.
    @Test func encodeSpeedSmoke() throws {
        let prose = try String(contentsOfFile: TokenizerFixtures.dir + "/../gen_tokenizers.py", encoding: .utf8)
        var text = ""
        // "▁" is SentencePiece's space: text containing it cannot round-trip through any SentencePiece model.
        // "<tool_call>" swallows the whitespace around it (rstrip/lstrip), so it would not round-trip either.
        let cleaned = prose.replacingOccurrences(of: "\u{2581}", with: "_").replacingOccurrences(of: "<tool_call>", with: "<tool-call>")
        while text.utf8.count < 100_000 { text += cleaned }
        let spm = try #require(try TokenizerFixtures.spm().tokenizer as? SentencePieceTokenizer)
        let tokenizers: [(String, any Tokenizer)] = [
            ("bpe fixture", try TokenizerFixtures.bpe().tokenizer), ("spm library", spm),
            ("spm swift vocab", try TokenizerGGUFTests.spmMetadata(spm).makeTokenizer()), ("byte", try ByteTokenizer()),
        ]
        for (name, tok) in tokenizers {
            let clock = ContinuousClock()
            var ids: [Int32] = []
            var seconds = Double.infinity
            for _ in 0..<3 {                                   // best of 3: the machine is shared
                let elapsed = try clock.measure { ids = try tok.encode(text, addBos: false) }
                seconds = min(seconds, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            }
            #expect(try tok.decode(ids, skipSpecialTokens: false) == text, "\(name)")
            print("encode speed \(name): \(ids.count) tokens, \(text.utf8.count) bytes, \(Int(Double(ids.count) / seconds)) tokens/s")
        }
    }
}
