// Tokenizers from GGUF metadata (llama.cpp's `tokenizer.ggml.*` keys, gguf-py 0.19 constants):
//   tokenizer.ggml.model "gpt2"  → byte-level BPE (tokens + merges), pre-tokenizer from tokenizer.ggml.pre
//   tokenizer.ggml.model "llama" → SentencePiece-style BPE over (tokens, scores, token_type), see
//                                  SentencePieceTokenizer+Vocab.swift
// The GGUF reader fills `GGUFTokenizerMetadata` with plain Swift values; nothing here reads files.

/// The tokenizer part of a GGUF file's metadata.
public struct GGUFTokenizerMetadata: Sendable, Equatable {
    /// llama.cpp token types (`tokenizer.ggml.token_type`).
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// `tokenizer.ggml.model`: "gpt2" or "llama".
    public var model: String
    /// `tokenizer.ggml.pre`: pre-tokenizer name ("smollm", "default", …), nil if absent.
    public var pre: String?
    /// `tokenizer.ggml.tokens`.
    public var tokens: [String]
    /// `tokenizer.ggml.scores` ("llama" vocabularies).
    public var scores: [Float]?
    /// `tokenizer.ggml.token_type`.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges` ("a b" strings, "gpt2" vocabularies).
    public var merges: [String]?
    public var bosTokenId: Int32?
    public var eosTokenId: Int32?
    public var unknownTokenId: Int32?
    public var paddingTokenId: Int32?
    /// `tokenizer.ggml.add_bos_token`; when absent: true for "llama", false for "gpt2" (llama.cpp's defaults).
    public var addBosToken: Bool?
    /// `tokenizer.ggml.add_eos_token`.
    public var addEosToken: Bool?
    /// `tokenizer.ggml.add_space_prefix` ("llama": default true).
    public var addSpacePrefix: Bool?
    /// `tokenizer.chat_template`.
    public var chatTemplate: String?

    public init(model: String, pre: String? = nil, tokens: [String], scores: [Float]? = nil, tokenTypes: [Int32]? = nil,
                merges: [String]? = nil, bosTokenId: Int32? = nil, eosTokenId: Int32? = nil, unknownTokenId: Int32? = nil,
                paddingTokenId: Int32? = nil, addBosToken: Bool? = nil, addEosToken: Bool? = nil,
                addSpacePrefix: Bool? = nil, chatTemplate: String? = nil) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        self.unknownTokenId = unknownTokenId
        self.paddingTokenId = paddingTokenId
        self.addBosToken = addBosToken
        self.addEosToken = addEosToken
        self.addSpacePrefix = addSpacePrefix
        self.chatTemplate = chatTemplate
    }

    /// The type of token `i` (normal when the array is absent or short).
    public func type(_ i: Int) -> TokenType {
        guard let t = tokenTypes, i < t.count else { return .normal }
        return TokenType(rawValue: t[i]) ?? .normal
    }

    /// Pre-tokenizer for a "gpt2" vocabulary, from llama.cpp's `tokenizer.ggml.pre` names.
    public static func preTokenizer(named pre: String?) throws -> PreTokenizer {
        switch pre ?? "default" {
        case "default", "gpt2", "gpt-2", "olmo", "phi-2", "jais", "poro-chat", "viking", "bloom":
            return .gpt2
        // llama.cpp: regex_exprs = { "\\p{N}", <GPT-2 pattern> } for these (digits isolated first).
        case "smollm", "starcoder", "refact", "codeshell", "exaone", "granite":
            return .smolLM
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "smaug-bpe", "dbrx":
            return PreTokenizer(steps: [.regex(try RegexSplit(pattern: llama3Pattern))])
        case "qwen2", "deepseek-r1-qwen", "megrez":
            return PreTokenizer(steps: [.regex(try RegexSplit(pattern: qwen2Pattern))])
        case let other:
            throw TokenizerError.unsupportedTokenizer(
                "GGUF tokenizer.ggml.pre \"\(other)\" (known: default, gpt2, smollm, starcoder, llama3, qwen2, …)")
        }
    }

    /// Llama-3's pre-tokenizer pattern (HF tokenizer.json Split).
    public static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Qwen2's pre-tokenizer pattern.
    public static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The tokenizer with its chat template source (`tokenizer.chat_template`).
    public func load() throws -> LoadedTokenizer {
        LoadedTokenizer(tokenizer: try makeTokenizer(), config: nil, chatTemplateSource: chatTemplate)
    }

    /// The tokenizer this metadata describes.
    public func makeTokenizer() throws -> any Tokenizer {
        switch model {
        case "gpt2": return try BPETokenizer(gguf: self)
        case "llama": return try SentencePieceVocabTokenizer(gguf: self)
        default:
            throw TokenizerError.unsupportedTokenizer("GGUF tokenizer.ggml.model \"\(model)\" (only gpt2 and llama)")
        }
    }
}

extension BPETokenizer {
    /// Byte-level BPE from GGUF metadata (`tokenizer.ggml.model` = "gpt2"). Control and user-defined tokens
    /// become added tokens (control ones special), as llama.cpp matches them in text.
    public init(gguf meta: GGUFTokenizerMetadata, source: String = "GGUF metadata") throws {
        guard meta.model == "gpt2" else {
            throw TokenizerError.unsupportedTokenizer("\(source): tokenizer.ggml.model \(meta.model) is not gpt2")
        }
        guard let mergeStrings = meta.merges else {
            throw TokenizerError.invalidFile(path: source, reason: "tokenizer.ggml.merges is missing")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(mergeStrings.count)
        for (i, m) in mergeStrings.enumerated() {
            let parts = m.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.invalidFile(path: source, reason: "merge \(i) \"\(m)\" is not \"a b\"")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        var added: [AddedToken] = []
        for (i, t) in meta.tokens.enumerated() {
            switch meta.type(i) {
            case .control: added.append(AddedToken(content: t, id: Int32(i), special: true))
            case .userDefined: added.append(AddedToken(content: t, id: Int32(i), special: false))
            default: break
            }
        }
        func valid(_ id: Int32?) -> Int32? { id.flatMap { $0 >= 0 && Int($0) < meta.tokens.count ? $0 : nil } }
        try self.init(tokens: meta.tokens, merges: merges, addedTokens: added,
                      preTokenizer: try GGUFTokenizerMetadata.preTokenizer(named: meta.pre),
                      bosTokenId: valid(meta.bosTokenId), eosTokenId: valid(meta.eosTokenId),
                      unkTokenId: valid(meta.unknownTokenId), padTokenId: valid(meta.paddingTokenId),
                      addBos: meta.addBosToken ?? false, addEos: meta.addEosToken ?? false, source: source)
    }
}
