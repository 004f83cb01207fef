// Reading HF `tokenizer.json` (tokenizers 0.23 serialization) into a BPETokenizer:
// model BPE (vocab, merges as "a b" strings or [a, b] pairs, ignore_merges), added_tokens,
// pre_tokenizer ByteLevel / Digits / Split / Sequence, post_processor TemplateProcessing (BOS/EOS).
import Foundation

extension BPETokenizer {
    /// GPT-2's pre-tokenizer pattern; a `Split` with exactly this pattern uses the hand-written splitter.
    public static let gpt2Pattern =
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// Loads `tokenizer.json`; `config` (tokenizer_config.json) supplies add_bos and the bos/eos/unk/pad texts.
    public init(tokenizerJSONPath path: String, config: TokenizerConfig? = nil) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw TokenizerError.fileNotFound(path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenizerError.invalidFile(path: path, reason: "cannot read: \(error)")
        }
        try self.init(tokenizerJSON: data, path: path, config: config)
    }

    /// Parses the bytes of a `tokenizer.json`.
    public init(tokenizerJSON data: Data, path: String = "tokenizer.json", config: TokenizerConfig? = nil) throws {
        func bad(_ why: String) -> TokenizerError { .invalidFile(path: path, reason: why) }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let model = root["model"] as? [String: Any] else { throw bad("no \"model\"") }
        let type = model["type"] as? String ?? (model["merges"] != nil ? "BPE" : "?")
        guard type == "BPE" else { throw TokenizerError.unsupportedTokenizer("\(path): model type \(type) (only BPE)") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[key] as? String, !v.isEmpty {
                throw TokenizerError.unsupportedTokenizer("\(path): BPE \(key) \"\(v)\"")
            }
        }
        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            let steps = (normalizer as? [String: Any]).flatMap { $0["normalizers"] as? [Any] }
            if steps?.isEmpty != true {
                throw TokenizerError.unsupportedTokenizer("\(path): a normalizer (\(Self.typeName(normalizer)))")
            }
        }
        let pre = try Self.parsePreTokenizer(root["pre_tokenizer"], path: path)
        let decoderIsByteLevel = Self.containsType("ByteLevel", root["decoder"])
        guard pre.byteLevel || decoderIsByteLevel else {
            throw TokenizerError.unsupportedTokenizer(
                "\(path): not byte-level (pre_tokenizer \(Self.typeName(root["pre_tokenizer"])), decoder \(Self.typeName(root["decoder"]))); a SentencePiece-style tokenizer.json needs tokenizer.model")
        }

        guard let vocab = model["vocab"] as? [String: Any] else { throw bad("model.vocab is not an object") }
        var tokens = [String](repeating: "", count: vocab.count)
        for (token, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, id >= 0 else { throw bad("vocab id of \"\(token)\" is not an integer") }
            while tokens.count <= id { tokens.append("") }
            tokens[id] = token
        }
        var merges: [(String, String)] = []
        for (i, m) in ((model["merges"] as? [Any]) ?? []).enumerated() {
            if let s = m as? String {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw bad("merge \(i) \"\(s)\" is not \"a b\"") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = m as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else {
                throw bad("merge \(i) is neither \"a b\" nor [a, b]")
            }
        }
        var added: [AddedToken] = []
        for item in (root["added_tokens"] as? [[String: Any]]) ?? [] {
            guard let id = (item["id"] as? NSNumber)?.int32Value, let content = item["content"] as? String else {
                throw bad("added_tokens entry without id/content")
            }
            added.append(AddedToken(content: content, id: id, special: (item["special"] as? Bool) ?? false,
                                    lstrip: (item["lstrip"] as? Bool) ?? false, rstrip: (item["rstrip"] as? Bool) ?? false))
        }
        let template = Self.parseTemplate(root["post_processor"])

        // Special token ids: tokenizer_config.json texts first, then the post-processor's.
        var index: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() where !t.isEmpty { index[t] = Int32(i) }
        for t in added { index[t.content] = t.id }
        func id(_ text: String?) -> Int32? { text.flatMap { index[$0] } }
        let unkText = config?.unkToken ?? (model["unk_token"] as? String)
        try self.init(tokens: tokens, merges: merges, addedTokens: added, preTokenizer: PreTokenizer(steps: pre.steps),
                      bosTokenId: id(config?.bosToken) ?? id(template.bos), eosTokenId: id(config?.eosToken) ?? id(template.eos),
                      unkTokenId: id(unkText), padTokenId: id(config?.padToken),
                      addBos: config?.addBosToken ?? (template.bos != nil),
                      addEos: config?.addEosToken ?? (template.eos != nil),
                      addPrefixSpace: pre.addPrefixSpace, ignoreMerges: (model["ignore_merges"] as? Bool) ?? false,
                      source: path)
    }

    /// Whether a parsed tokenizer.json is byte-level BPE (what this type loads).
    static func isByteLevelBPE(_ data: Data) -> Bool {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let model = root["model"] as? [String: Any], (model["type"] as? String ?? "BPE") == "BPE" else { return false }
        return containsType("ByteLevel", root["pre_tokenizer"]) || containsType("ByteLevel", root["decoder"])
    }

    private static func typeName(_ obj: Any?) -> String {
        ((obj as? [String: Any])?["type"] as? String) ?? "none"
    }

    private static func containsType(_ type: String, _ obj: Any?) -> Bool {
        guard let dict = obj as? [String: Any] else { return false }
        if dict["type"] as? String == type { return true }
        for key in ["pretokenizers", "decoders", "processors"] {
            if let list = dict[key] as? [Any], list.contains(where: { containsType(type, $0) }) { return true }
        }
        return false
    }

    /// Pre-tokenizer steps, whether a ByteLevel step is present, and its add_prefix_space.
    static func parsePreTokenizer(_ obj: Any?, path: String) throws
        -> (steps: [PreTokenizer.Step], byteLevel: Bool, addPrefixSpace: Bool) {
        guard let dict = obj as? [String: Any] else { return ([], false, false) }
        let type = dict["type"] as? String ?? "?"
        switch type {
        case "ByteLevel":
            let useRegex = (dict["use_regex"] as? Bool) ?? true
            return (useRegex ? [.gpt2] : [], true, (dict["add_prefix_space"] as? Bool) ?? false)
        case "Digits":
            return ([.digits(individual: (dict["individual_digits"] as? Bool) ?? false)], false, false)
        case "Split":
            let behavior = dict["behavior"] as? String ?? "Isolated"
            guard behavior == "Isolated", (dict["invert"] as? Bool) != true else {
                throw TokenizerError.unsupportedTokenizer("\(path): Split pre-tokenizer with behavior \(behavior)")
            }
            let pattern = dict["pattern"] as? [String: Any]
            if let regex = pattern?["Regex"] as? String {
                return (regex == gpt2Pattern ? [.gpt2] : [.regex(try RegexSplit(pattern: regex))], false, false)
            }
            if let literal = pattern?["String"] as? String {
                return ([.regex(try RegexSplit(pattern: NSRegularExpression.escapedPattern(for: literal)))], false, false)
            }
            throw TokenizerError.unsupportedTokenizer("\(path): Split pre-tokenizer without a pattern")
        case "Sequence":
            var out: (steps: [PreTokenizer.Step], byteLevel: Bool, addPrefixSpace: Bool) = ([], false, false)
            for sub in (dict["pretokenizers"] as? [Any]) ?? [] {
                let p = try parsePreTokenizer(sub, path: path)
                out.steps += p.steps
                out.byteLevel = out.byteLevel || p.byteLevel
                out.addPrefixSpace = out.addPrefixSpace || p.addPrefixSpace
            }
            return out
        default:
            throw TokenizerError.unsupportedTokenizer("\(path): pre-tokenizer \(type)")
        }
    }

    /// BOS / EOS texts of a TemplateProcessing post-processor (inside a Sequence too).
    static func parseTemplate(_ obj: Any?) -> (bos: String?, eos: String?) {
        guard let dict = obj as? [String: Any] else { return (nil, nil) }
        if dict["type"] as? String == "Sequence" {
            for sub in (dict["processors"] as? [Any]) ?? [] {
                let t = parseTemplate(sub)
                if t.bos != nil || t.eos != nil { return t }
            }
            return (nil, nil)
        }
        guard dict["type"] as? String == "TemplateProcessing", let single = dict["single"] as? [[String: Any]] else {
            return (nil, nil)
        }
        func special(_ item: [String: Any]?) -> String? {
            (item?["SpecialToken"] as? [String: Any])?["id"] as? String
        }
        return (special(single.first), single.count > 1 ? special(single.last) : nil)
    }
}
