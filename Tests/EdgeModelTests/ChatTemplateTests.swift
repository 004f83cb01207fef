import EdgeModel
import Foundation
import Testing

@Suite struct ChatTemplateTests {
    /// Renderings equal jinja2 (transformers' apply_chat_template) on SmolLM2's and TinyLlama's templates.
    @Test func fixtureParity() throws {
        let fixtures = try TokenizerFixtures.load()
        for c in fixtures.chat {
            #expect(ChatTemplate.smolLM2.render(c.messages, addGenerationPrompt: c.add_generation_prompt) == c.chatml)
            #expect(ChatTemplate.zephyr.render(c.messages, addGenerationPrompt: c.add_generation_prompt) == c.zephyr)
        }
    }

    @Test func recognisesTemplates() throws {
        let fixtures = try TokenizerFixtures.load()
        #expect(try ChatTemplate(jinja: try #require(fixtures.templates["smollm2"])) == .smolLM2)
        #expect(try ChatTemplate(jinja: try #require(fixtures.templates["tinyllama"])) == .zephyr)
        // Escaped newline inside the Jinja string literal, and a ChatML template without a default system prompt.
        let qwenLike = #"{{- '<|im_start|>system\nYou are Qwen.<|im_end|>\n' }}{% for m in messages %}{{'<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n'}}{% endfor %}"#
        #expect(try ChatTemplate(jinja: qwenLike) == .chatml(defaultSystemPrompt: "You are Qwen."))
        let plain = "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        #expect(try ChatTemplate(jinja: plain) == .chatML)
    }

    @Test func unknownTemplateSuggestsTheFlag() throws {
        let llama2 = "{% for message in messages %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% endfor %}"
        do {
            _ = try ChatTemplate(jinja: llama2)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("--chat-template zephyr|chatml"))
            #expect("\(error)".contains("[INST]"))
        }
        #expect(throws: TokenizerError.unknownChatTemplateName("vicuna")) { _ = try ChatTemplate(name: "vicuna") }
        #expect(try ChatTemplate(name: "zephyr") == .zephyr)
        #expect(try ChatTemplate(name: "ChatML") == .chatML)
        #expect(try ChatTemplate(name: "smollm2") == .smolLM2)
    }

    @Test func markersAndSegments() throws {
        #expect(ChatTemplate.zephyr.assistantEndMarker == "</s>")
        #expect(ChatTemplate.smolLM2.assistantEndMarker == "<|im_end|>")
        #expect(ChatTemplate.smolLM2.stopSequences.contains("<|im_end|>"))
        let messages: [ChatMessage] = [.user("2+2?"), .assistant("4"), .user("3+3?"), .assistant("6")]
        for template in [ChatTemplate.zephyr, .smolLM2, .chatML] {
            let segments = template.renderSegments(messages, addGenerationPrompt: false)
            #expect(segments.map(\.text).joined() == template.render(messages, addGenerationPrompt: false))
            let trainable = segments.filter(\.trainable).map(\.text)
            #expect(trainable == ["4" + template.assistantEndMarker, "6" + template.assistantEndMarker])
        }
        #expect(ChatTemplate.zephyr.render([], addGenerationPrompt: true) == "")
        #expect(ChatTemplate.chatML.render([], addGenerationPrompt: true) == "<|im_start|>assistant\n")
    }

    /// Ids equal encoding the rendered text; the mask selects exactly the assistant turns and their end markers.
    @Test func encodeWithLossMask() throws {
        let messages: [ChatMessage] = [.system("Be brief."), .user("What is 2+2?"), .assistant("4, of course."),
                                       .user("And ½ of 10?"), .assistant("5 😀")]
        let cases: [(ChatTemplate, any Tokenizer)] = [
            (.smolLM2, try TokenizerFixtures.bpe().tokenizer), (.zephyr, try TokenizerFixtures.spm().tokenizer),
            (.chatML, try ByteTokenizer()),
        ]
        for (template, tok) in cases {
            let encoded = try template.encode(messages, tokenizer: tok)
            #expect(encoded.ids == (try tok.encode(template.render(messages, addGenerationPrompt: false))))
            #expect(encoded.lossMask.count == encoded.ids.count)
            var masked: [UInt8] = []
            for (id, m) in zip(encoded.ids, encoded.lossMask) where m { masked += tok.tokenBytes(id) ?? [] }
            let expected = "4, of course." + template.assistantEndMarker + "5 😀" + template.assistantEndMarker
            #expect(String(decoding: masked, as: UTF8.self) == expected, "\(template)")
            if tok.addsBosByDefault { #expect(encoded.lossMask.first == false && encoded.ids.first == tok.bosTokenId) }
        }
        let prompt = try ChatTemplate.smolLM2.encode([.user("hi")], tokenizer: try TokenizerFixtures.bpe().tokenizer,
                                                     addGenerationPrompt: true)
        #expect(!prompt.lossMask.contains(true))
    }
}
