import Foundation

/// GGUF `tokenizer.*` metadata for a model being exported to GGUF: copied from a GGUF source, or built from a
/// Hugging Face byte-level BPE `tokenizer.json` (+ `tokenizer_config.json` chat template) as llama.cpp's
/// converter writes it (`tokenizer.ggml.model` "gpt2", tokens by id, token types, merges, special ids).
public enum GGUFTokenizerExport {
    public static func metadata(for checkpoint: LlamaCheckpoint) throws -> [(key: String, value: GGUFValue)] {
        switch checkpoint.source {
        case .gguf(let path):
            return LlamaExport.tokenizerMetadata(of: try GGUFFile(path: path))
        case .huggingFace(let dir):
            return try fromTokenizerJSON(directory: dir)
        case .preset:
            throw TokenizerError.unsupportedTokenizer("a preset: model has no tokenizer files to export; fine-tune it first (finetune writes tokenizer.json)")
        }
    }

    /// Builds the metadata from `directory/tokenizer.json` (byte-level BPE only).
    public static func fromTokenizerJSON(directory: String) throws -> [(key: String, value: GGUFValue)] {
        let path = directory + "/tokenizer.json"
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = json["model"] as? [String: Any], (model["type"] as? String) == "BPE",
              let vocab = model["vocab"] as? [String: Int] else {
            throw TokenizerError.unsupportedTokenizer("\(path): GGUF export needs a byte-level BPE tokenizer.json")
        }
        var tokens = [String](repeating: "", count: (vocab.values.max() ?? -1) + 1)
        var types = [Int32](repeating: 1, count: tokens.count)   // 1 = normal
        for (t, id) in vocab { tokens[id] = t }
        for case let added as [String: Any] in (json["added_tokens"] as? [Any]) ?? [] {
            guard let id = added["id"] as? Int, let content = added["content"] as? String else { continue }
            if id >= tokens.count {
                tokens += [String](repeating: "", count: id + 1 - tokens.count)
                types += [Int32](repeating: 1, count: id + 1 - types.count)
            }
            tokens[id] = content
            types[id] = (added["special"] as? Bool ?? false) ? 3 : 4   // control / user-defined
        }
        let merges: [String] = ((model["merges"] as? [Any]) ?? []).compactMap {
            if let s = $0 as? String { return s }
            if let pair = $0 as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            return nil
        }
        let preJSON = String(decoding: (try? JSONSerialization.data(withJSONObject: json["pre_tokenizer"] ?? NSNull(), options: [.fragmentsAllowed])) ?? Data(), as: UTF8.self)
        var meta: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(preJSON.contains("\"Digits\"") ? "smollm" : "default")),
            ("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(.int32, types.map { .int32($0) })),
            ("tokenizer.ggml.merges", .array(.string, merges.map { .string($0) })),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
        ]
        let config = (try? TokenizerConfig(path: directory + "/tokenizer_config.json"))
        func id(_ s: String?) -> GGUFValue? { s.flatMap { t in tokens.firstIndex(of: t) }.map { .uint32(UInt32($0)) } }
        if let v = id(config?.bosToken) { meta.append(("tokenizer.ggml.bos_token_id", v)) }
        if let v = id(config?.eosToken) { meta.append(("tokenizer.ggml.eos_token_id", v)) }
        if let v = id(config?.padToken) { meta.append(("tokenizer.ggml.padding_token_id", v)) }
        if let t = config?.chatTemplate { meta.append(("tokenizer.chat_template", .string(t))) }
        return meta
    }
}
