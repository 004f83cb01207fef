// Loading a tokenizer from a Hugging Face model directory: tokenizer_config.json (+ chat_template.jinja),
// then tokenizer.json (byte-level BPE) or tokenizer.model (SentencePiece), as transformers' AutoTokenizer.
import Foundation

/// The fields of `tokenizer_config.json` the tokenizers use.
public struct TokenizerConfig: Sendable, Equatable {
    public var addBosToken: Bool?
    public var addEosToken: Bool?
    public var bosToken: String?
    public var eosToken: String?
    public var unkToken: String?
    public var padToken: String?
    /// Jinja source of the chat template (`chat_template`, the "default" one if it is a list).
    public var chatTemplate: String?
    /// `added_tokens_decoder` entries.
    public var addedTokens: [AddedToken]

    public init(addBosToken: Bool? = nil, addEosToken: Bool? = nil, bosToken: String? = nil, eosToken: String? = nil,
                unkToken: String? = nil, padToken: String? = nil, chatTemplate: String? = nil, addedTokens: [AddedToken] = []) {
        self.addBosToken = addBosToken
        self.addEosToken = addEosToken
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.unkToken = unkToken
        self.padToken = padToken
        self.chatTemplate = chatTemplate
        self.addedTokens = addedTokens
    }

    /// Reads `tokenizer_config.json` at `path`.
    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenizerError.fileNotFound(path)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerError.invalidFile(path: path, reason: "not a JSON object")
        }
        func text(_ key: String) -> String? {
            if let s = json[key] as? String { return s }
            return (json[key] as? [String: Any])?["content"] as? String     // {"content": "<s>", "__type": "AddedToken"}
        }
        self.init(addBosToken: json["add_bos_token"] as? Bool, addEosToken: json["add_eos_token"] as? Bool,
                  bosToken: text("bos_token"), eosToken: text("eos_token"), unkToken: text("unk_token"),
                  padToken: text("pad_token"))
        if let s = json["chat_template"] as? String {
            chatTemplate = s
        } else if let list = json["chat_template"] as? [[String: Any]] {
            let chosen = list.first { $0["name"] as? String == "default" } ?? list.first
            chatTemplate = chosen?["template"] as? String
        }
        if let decoder = json["added_tokens_decoder"] as? [String: Any] {
            for (key, value) in decoder {
                guard let id = Int32(key), let entry = value as? [String: Any], let content = entry["content"] as? String else {
                    throw TokenizerError.invalidFile(path: path, reason: "added_tokens_decoder entry \(key) is malformed")
                }
                addedTokens.append(AddedToken(content: content, id: id, special: (entry["special"] as? Bool) ?? false))
            }
            addedTokens.sort { $0.id < $1.id }
        }
    }
}

/// A tokenizer with what came with it.
public struct LoadedTokenizer: Sendable {
    public var tokenizer: any Tokenizer
    public var config: TokenizerConfig?
    /// Jinja chat template source (tokenizer_config.json, chat_template.jinja, or GGUF metadata), if any.
    public var chatTemplateSource: String?

    public init(tokenizer: any Tokenizer, config: TokenizerConfig? = nil, chatTemplateSource: String? = nil) {
        self.tokenizer = tokenizer
        self.config = config
        self.chatTemplateSource = chatTemplateSource
    }

    /// The chat template recognised from `chatTemplateSource`, or `override` when given
    /// (`--chat-template zephyr|chatml|smollm2`).
    public func chatTemplate(override: String? = nil) throws -> ChatTemplate {
        if let override { return try ChatTemplate(name: override) }
        guard let source = chatTemplateSource else {
            throw TokenizerError.unknownChatTemplate(snippet: "(none: the model ships no chat template)")
        }
        return try ChatTemplate(jinja: source)
    }
}

/// Finds and loads the tokenizer of a model directory.
public enum TokenizerLoader {
    /// `directory/tokenizer.json` when it is byte-level BPE, else `directory/tokenizer.model`.
    public static func load(directory: String) throws -> LoadedTokenizer {
        let dir = URL(fileURLWithPath: directory)
        let fm = FileManager.default
        let configPath = dir.appendingPathComponent("tokenizer_config.json").path
        let config = fm.fileExists(atPath: configPath) ? try TokenizerConfig(path: configPath) : nil
        var template = config?.chatTemplate
        let jinjaPath = dir.appendingPathComponent("chat_template.jinja").path
        if template == nil, let data = fm.contents(atPath: jinjaPath) {
            template = String(decoding: data, as: UTF8.self)
        }

        let jsonPath = dir.appendingPathComponent("tokenizer.json").path
        let modelPath = dir.appendingPathComponent("tokenizer.model").path
        if let data = fm.contents(atPath: jsonPath), BPETokenizer.isByteLevelBPE(data) {
            let bpe = try BPETokenizer(tokenizerJSON: data, path: jsonPath, config: config)
            return LoadedTokenizer(tokenizer: bpe, config: config, chatTemplateSource: template)
        }
        if fm.fileExists(atPath: modelPath) {
            var added: [String: Int32] = [:]
            var special = Set<String>()
            for t in config?.addedTokens ?? [] {
                added[t.content] = t.id
                if t.special { special.insert(t.content) }
            }
            let spm = try SentencePieceTokenizer(modelPath: modelPath, addBos: config?.addBosToken ?? true,
                                                 addedTokens: added, specialAddedTokens: special)
            return LoadedTokenizer(tokenizer: spm, config: config, chatTemplateSource: template)
        }
        if fm.fileExists(atPath: jsonPath) {
            throw TokenizerError.unsupportedTokenizer("\(jsonPath) is not byte-level BPE and there is no tokenizer.model next to it")
        }
        throw TokenizerError.fileNotFound(modelPath)
    }
}
