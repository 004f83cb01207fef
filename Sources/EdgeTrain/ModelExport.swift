import EdgeModel
import Foundation

/// Writes a fine-tuned model as a Hugging Face directory that transformers loads as is: config.json,
/// model.safetensors, and tokenizer files (copied from an HF source, or generated: a byte-level BPE
/// `tokenizer.json` from GGUF metadata or for the byte tokenizer of presets), with the chat template.
public enum ModelExport {
    /// Standard Jinja sources of the templates EdgeAgent renders (used when the source model has none).
    public static func jinja(_ template: ChatTemplate) -> String {
        switch template {
        case .zephyr:
            return "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
        case .chatml(let system):
            let prefix = system.map { "{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\n\($0)<|im_end|>\\n' }}{% endif %}" } ?? ""
            return "{% for message in messages %}\(prefix){{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        }
    }

    public static func huggingFace(_ params: LlamaParameters, config: LlamaConfig, checkpoint: LlamaCheckpoint,
                                   tokenizer: LoadedTokenizer, template: ChatTemplate, directory: String, bf16: Bool) throws {
        var cfg = config
        cfg.torchDtype = bf16 ? "bfloat16" : "float32"
        try LlamaExport.safetensors(params, config: cfg, directory: directory, dtype: bf16 ? .bf16 : .f32)
        let fm = FileManager.default
        switch checkpoint.source {
        case .huggingFace(let src):
            for name in ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                         "chat_template.jinja", "generation_config.json"] where fm.fileExists(atPath: src + "/" + name) {
                let dst = directory + "/" + name
                try? fm.removeItem(atPath: dst)
                try fm.copyItem(atPath: src + "/" + name, toPath: dst)
            }
        case .gguf(let path):
            let meta = try GGUFTokenizerMetadata(file: try GGUFFile(path: path))
            guard meta.model == "gpt2" else {
                throw TokenizerError.unsupportedTokenizer("exporting a \(meta.model) GGUF vocabulary to tokenizer.json; pass an HF directory model")
            }
            let added = meta.tokens.indices.filter { meta.type($0) == .control || meta.type($0) == .userDefined }
            try writeTokenizer(directory: directory, vocab: meta.tokens, merges: meta.merges ?? [],
                               added: added.map { (Int32($0), meta.tokens[$0], meta.type($0) == .control) },
                               digits: meta.pre == "smollm" || meta.pre == "starcoder",
                               bos: meta.bosTokenId.map { meta.tokens[Int($0)] }, eos: meta.eosTokenId.map { meta.tokens[Int($0)] },
                               chatTemplate: meta.chatTemplate ?? jinja(template))
        case .preset:
            let t = tokenizer.tokenizer
            var vocab: [String] = [], added: [(Int32, String, Bool)] = []
            for id in 0..<t.vocabSize {
                if id < 256 {
                    vocab.append(ByteLevelTable.encode([UInt8(id)]))
                } else {
                    let s = t.tokenString(Int32(id)) ?? "<|reserved_\(id)|>"
                    vocab.append(s)
                    added.append((Int32(id), s, true))
                }
            }
            try writeTokenizer(directory: directory, vocab: vocab, merges: [], added: added, digits: false, bos: nil,
                               eos: t.eosTokenId.flatMap { t.tokenString($0) }, chatTemplate: jinja(template))
        }
    }

    /// A byte-level BPE tokenizer.json (+ tokenizer_config.json) equivalent to our BPETokenizer/ByteTokenizer.
    static func writeTokenizer(directory: String, vocab: [String], merges: [String], added: [(Int32, String, Bool)],
                               digits: Bool, bos: String?, eos: String?, chatTemplate: String) throws {
        var vocabMap: [String: Int] = [:]
        for (i, s) in vocab.enumerated() where vocabMap[s] == nil { vocabMap[s] = i }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let pre: [String: Any] = digits
            ? ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], byteLevel]]
            : byteLevel
        let json: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": added.map { ["id": Int($0.0), "content": $0.1, "single_word": false, "lstrip": false, "rstrip": false,
                                         "normalized": false, "special": $0.2] },
            "normalizer": NSNull(), "pre_tokenizer": pre,
            "post_processor": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocabMap, "merges": merges],
        ]
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: directory + "/tokenizer.json"), options: .atomic)
        var config: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "chat_template": chatTemplate,
                                     "model_max_length": 8192, "clean_up_tokenization_spaces": false]
        if let bos { config["bos_token"] = bos }
        if let eos { config["eos_token"] = eos; config["pad_token"] = eos }
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
            .write(to: URL(fileURLWithPath: directory + "/tokenizer_config.json"), options: .atomic)
    }
}
