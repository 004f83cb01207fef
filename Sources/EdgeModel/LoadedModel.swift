// One entry point for `--model`: weights, tokenizer and chat template together.
//
//     let m = try LoadedModel.load("models/SmolLM2-135M-Instruct.Q4_1.gguf")   // or an HF dir, or "preset:tiny"
//     m.model        // Llama (inference weights; GGUF blocks stay quantized)
//     m.tokenizer    // SentencePiece, byte-level BPE, or the byte tokenizer of presets
//     m.template     // ChatTemplate recognised from the model's template (or --chat-template)
import EdgeTensor
import Foundation

/// A model ready to run: checkpoint, forward pass, tokenizer and chat template.
public struct LoadedModel: Sendable {
    public let checkpoint: LlamaCheckpoint
    public let model: Llama
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate

    public var config: LlamaConfig { checkpoint.config }

    /// Loads `spec` (HF directory, GGUF file or `preset:NAME`). `tokenizerPath` overrides the tokenizer
    /// (a `tokenizer.model`/`tokenizer.json` file or a directory holding one); `chatTemplate` names the
    /// template when the model's own is missing or unrecognised (`zephyr`, `chatml`, `smollm2`). `quantize`
    /// stores every weight matrix in that block format (decode streams ~4–8× fewer bytes than Float32);
    /// `dequantize` stores them all as Float32 instead (fastest for batched decoding).
    public static func load(_ spec: String, tokenizerPath: String? = nil, chatTemplate: String? = nil,
                            seed: UInt64 = 0, quantize: BlockFormat? = nil, dequantize: Bool = false) throws -> LoadedModel {
        let checkpoint = try LlamaCheckpoint.open(spec)
        let loaded = try loadTokenizer(checkpoint, override: tokenizerPath)
        let template = try Self.chatTemplate(checkpoint, tokenizer: loaded, override: chatTemplate, tokenizerOverride: tokenizerPath)
        guard loaded.tokenizer.vocabSize <= checkpoint.config.vocabSize else {
            throw TokenizerError.invalidFile(path: tokenizerPath ?? checkpoint.path,
                                             reason: "tokenizer has \(loaded.tokenizer.vocabSize) tokens but the model's vocabulary is \(checkpoint.config.vocabSize)")
        }
        var model = try checkpoint.llama(seed: seed)
        if let quantize { model = Llama(dims: model.dims, weights: try model.weights.quantized(to: quantize)) }
        if dequantize { model = Llama(dims: model.dims, weights: model.weights.dequantized()) }
        return LoadedModel(checkpoint: checkpoint, model: model, tokenizer: loaded.tokenizer, template: template)
    }

    /// The chat template for a checkpoint: `override` (`--chat-template`) if given; ChatML for a preset using the
    /// byte tokenizer; otherwise the template the tokenizer files or GGUF metadata carry.
    public static func chatTemplate(_ checkpoint: LlamaCheckpoint, tokenizer: LoadedTokenizer, override: String?,
                                    tokenizerOverride: String?) throws -> ChatTemplate {
        if checkpoint.isPreset && override == nil && tokenizerOverride == nil { return .chatML }
        return try tokenizer.chatTemplate(override: override)
    }

    /// The tokenizer of a checkpoint: the override, the HF directory's files, the GGUF metadata, or the byte
    /// tokenizer (with ChatML) for presets.
    public static func loadTokenizer(_ checkpoint: LlamaCheckpoint, override: String?) throws -> LoadedTokenizer {
        if let override {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: override, isDirectory: &isDir) else { throw TokenizerError.fileNotFound(override) }
            return try TokenizerLoader.load(directory: isDir.boolValue ? override : (override as NSString).deletingLastPathComponent)
        }
        switch checkpoint.source {
        case .huggingFace(let dir):
            return try TokenizerLoader.load(directory: dir)
        case .gguf(let path):
            return try GGUFTokenizerMetadata(file: try GGUFFile(path: path)).load()
        case .preset:
            let t = try ByteTokenizer(vocabSize: checkpoint.config.vocabSize)
            return LoadedTokenizer(tokenizer: t, config: nil, chatTemplateSource: nil)
        }
    }

    /// Token ids that end an assistant turn: EOS and the template's end markers when they are single tokens.
    public var stopTokenIds: Set<Int32> {
        var ids = Set<Int32>()
        if let eos = tokenizer.eosTokenId { ids.insert(eos) }
        for s in template.stopSequences {
            if let id = tokenizer.tokenId(s) { ids.insert(id) }
        }
        return ids
    }
}

extension GGUFTokenizerMetadata {
    /// Reads `tokenizer.ggml.*` and `tokenizer.chat_template` from a GGUF file.
    public init(file g: GGUFFile) throws {
        func string(_ k: String) -> String? { g.metadata[k]?.string }
        func id(_ k: String) -> Int32? { g.metadata[k]?.int.map(Int32.init) }
        guard let model = string("tokenizer.ggml.model") else {
            throw TokenizerError.invalidFile(path: g.path, reason: "no tokenizer.ggml.model in the GGUF metadata; pass --tokenizer")
        }
        guard let tokens = g.metadata["tokenizer.ggml.tokens"]?.strings else {
            throw TokenizerError.invalidFile(path: g.path, reason: "tokenizer.ggml.tokens is missing or not a string array")
        }
        self.init(model: model, pre: string("tokenizer.ggml.pre"), tokens: tokens,
                  scores: g.metadata["tokenizer.ggml.scores"]?.floats,
                  tokenTypes: g.metadata["tokenizer.ggml.token_type"]?.ints.map { $0.map(Int32.init) },
                  merges: g.metadata["tokenizer.ggml.merges"]?.strings,
                  bosTokenId: id("tokenizer.ggml.bos_token_id"), eosTokenId: id("tokenizer.ggml.eos_token_id"),
                  unknownTokenId: id("tokenizer.ggml.unknown_token_id"), paddingTokenId: id("tokenizer.ggml.padding_token_id"),
                  addBosToken: g.metadata["tokenizer.ggml.add_bos_token"]?.bool,
                  addEosToken: g.metadata["tokenizer.ggml.add_eos_token"]?.bool,
                  addSpacePrefix: g.metadata["tokenizer.ggml.add_space_prefix"]?.bool,
                  chatTemplate: string("tokenizer.chat_template"))
    }
}
