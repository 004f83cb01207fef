import EdgeModel
import Foundation
import Testing

@Suite struct ByteTokenizerTests {
    @Test func vocabularyLayout() throws {
        let tok = try ByteTokenizer()
        #expect(tok.vocabSize == 320)
        #expect(tok.tokenString(0x41) == "<0x41>" && tok.tokenId("<0x41>") == 0x41)
        #expect(tok.tokenId("<|endoftext|>") == 256 && tok.tokenId("<|im_start|>") == 257 && tok.tokenId("<|im_end|>") == 258)
        #expect(tok.tokenString(263) == "<|reserved_0|>" && tok.tokenString(319) == "<|reserved_56|>")
        #expect(tok.tokenString(320) == nil)
        #expect(tok.eosTokenId == 258 && tok.padTokenId == 256 && tok.bosTokenId == nil && !tok.addsBosByDefault)
        #expect(tok.specialTokenIds.count == 320 - 256)
        #expect(tok.chatTemplate == .chatML)
        #expect(throws: TokenizerError.self) { _ = try ByteTokenizer(vocabSize: 260) }
        #expect(try ByteTokenizer(vocabSize: 32000).vocabSize == 32000)
    }

    @Test func roundTripWithSpecials() throws {
        let tok = try ByteTokenizer()
        let prompt = ChatTemplate.chatML.render([.user("héllo 😀")], addGenerationPrompt: true)
        let ids = try tok.encode(prompt)
        #expect(ids.first == 257)
        #expect(ids.filter { $0 == 257 }.count == 2 && ids.filter { $0 == 258 }.count == 1)
        #expect(ids.allSatisfy { $0 >= 0 && $0 < 320 })
        #expect(try tok.decode(ids) == prompt)
        #expect(try tok.decode(ids, skipSpecialTokens: true) == "user\nhéllo 😀\nassistant\n")
        let plain = try tok.encode("<|im_end|>", addBos: nil, parseSpecialTokens: false)
        #expect(plain == Array("<|im_end|>".utf8).map { Int32($0) })
        #expect(throws: TokenizerError.self) { _ = try tok.decode([320]) }
    }
}
