import ArgumentParser
import EdgeInference
import EdgeModel
import EdgeTensor
import Foundation

/// `edgeagent generate`: run the model on a prompt, streaming tokens (or JSON with speeds).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text from a prompt (streams tokens; --json for ids and speeds).")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var quantize: QuantizeOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Prompt text.") var prompt: String?
    @Option(help: "Prompt as space-separated token ids (instead of --prompt).") var ids: String?
    @Option(help: "Most tokens to generate.") var maxNewTokens = 128
    @Flag(help: "Wrap the prompt as a user message in the model's chat template.") var chat = false
    @Option(help: "Context length (prompt + generated tokens).") var context = 2048
    @Option(help: "Write the prompt positions' logits as float32 .npy [prompt_len, vocab].") var dumpLogits: String?
    @Option(help: "Stop before this text (repeatable).") var stop: [String] = []

    func validate() throws {
        guard (prompt == nil) != (ids == nil) else { throw ValidationError("give exactly one of --prompt or --ids") }
        guard maxNewTokens >= 0 else { throw ValidationError("--max-new-tokens must be ≥ 0") }
        guard context >= 2 else { throw ValidationError("--context must be ≥ 2") }
    }

    func run() throws {
        try threads.apply()
        let m = try modelOptions.load(quantize: quantize)
        let promptIds = try promptTokens(m)
        let ctx = min(context, m.config.maxPositionEmbeddings)
        if let path = dumpLogits {
            let state = LlamaRunState(dims: m.model.dims, contextLength: max(ctx, promptIds.count), maxTokens: 256)
            let logits = try m.model.forward(promptIds, state: state, logits: .all)
            try Npy.write(logits, to: path)
        }
        let generator = Generator(model: m.model, tokenizer: m.tokenizer, contextLength: ctx)
        let request = GenerationRequest(promptIds: promptIds, maxNewTokens: maxNewTokens, sampling: sampling.parameters,
                                        stopSequences: stop, stopTokenIds: m.stopTokenIds)
        let stream = !output.json
        let result = try generator.generate(request) { text in
            if stream { FileHandle.standardOutput.write(Data(text.utf8)) }
            return true
        }
        if output.json {
            try Console.printJSON(result)
        } else {
            print("")
            FileHandle.standardError.write(Data(String(format: "[%d prompt tokens, prefill %.1f tok/s, %d generated, decode %.1f tok/s, %@]\n",
                                                       result.promptTokens, result.prefillTokensPerSecond, result.ids.count,
                                                       result.decodeTokensPerSecond, result.finishReason.rawValue).utf8))
        }
    }

    func promptTokens(_ m: LoadedModel) throws -> [Int32] {
        if let ids {
            let parsed = ids.split(whereSeparator: { $0 == " " || $0 == "," }).map { Int32($0) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { throw ValidationError("--ids must be integers separated by spaces") }
            return parsed.map { $0! }
        }
        let text = prompt!
        if chat {
            var tokens: [Int32] = []
            if m.tokenizer.addsBosByDefault, let bos = m.tokenizer.bosTokenId { tokens.append(bos) }
            for segment in m.template.renderSegments([.user(text)], addGenerationPrompt: true) {
                tokens += try m.tokenizer.encode(segment.text, addBos: false, parseSpecialTokens: true)
            }
            return tokens
        }
        return try m.tokenizer.encode(text)
    }
}

/// `edgeagent tokenize`: token ids of a text.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Print the token ids of a text.")
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Text to tokenize.") var text: String
    @Flag(help: "Parse special tokens such as <|im_start|> in the text.") var special = false

    struct Result: Encodable { var ids: [Int32] }

    func run() throws {
        let checkpoint = try LlamaCheckpoint.open(modelOptions.model)
        let tokenizer = try LoadedModel.loadTokenizer(checkpoint, override: modelOptions.tokenizer).tokenizer
        let ids = try tokenizer.encode(text, addBos: nil, parseSpecialTokens: special)
        if output.json { try Console.printJSON(Result(ids: ids)) } else { print(ids.map(String.init).joined(separator: " ")) }
    }
}
