// What llama.cpp's convert_hf_to_gguf.py (LlamaModel) does to a Hugging Face Llama, and its inverse:
// tensor names, the Q/K row permutation, and `llama.*` metadata ↔ LlamaConfig.

/// Hugging Face ↔ GGUF tensor names of a Llama model.
public enum LlamaTensorNames {
    /// Per-layer suffixes: (HF after `model.layers.N.`, GGUF after `blk.N.`).
    static let layerTable: [(hf: String, gguf: String)] = [
        ("input_layernorm.weight", "attn_norm.weight"),
        ("self_attn.q_proj.weight", "attn_q.weight"),
        ("self_attn.k_proj.weight", "attn_k.weight"),
        ("self_attn.v_proj.weight", "attn_v.weight"),
        ("self_attn.o_proj.weight", "attn_output.weight"),
        ("post_attention_layernorm.weight", "ffn_norm.weight"),
        ("mlp.gate_proj.weight", "ffn_gate.weight"),
        ("mlp.up_proj.weight", "ffn_up.weight"),
        ("mlp.down_proj.weight", "ffn_down.weight"),
    ]
    static let globalTable: [(hf: String, gguf: String)] = [
        ("model.embed_tokens.weight", "token_embd.weight"),
        ("model.norm.weight", "output_norm.weight"),
        ("lm_head.weight", "output.weight"),
    ]

    /// All HF tensor names of a model with `config`'s layer count, in checkpoint order
    /// (`lm_head.weight` only when untied).
    public static func hfNames(_ config: LlamaConfig) -> [String] {
        var names = ["model.embed_tokens.weight"]
        for i in 0..<config.layers { names += layerTable.map { "model.layers.\(i).\($0.hf)" } }
        names.append("model.norm.weight")
        if !config.tieWordEmbeddings { names.append("lm_head.weight") }
        return names
    }

    /// The GGUF name of HF tensor `name` (nil for names outside the Llama set).
    public static func gguf(_ name: String) -> String? {
        if let g = globalTable.first(where: { $0.hf == name }) { return g.gguf }
        let prefix = "model.layers."
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let n = Int(rest[..<dot]) else { return nil }
        let tail = String(rest[rest.index(after: dot)...])
        return layerTable.first(where: { $0.hf == tail }).map { "blk.\(n).\($0.gguf)" }
    }

    /// For Q and K projections, the head count convert_hf_to_gguf.py permuted them with (NH for q_proj,
    /// NKV for k_proj); nil for every other tensor.
    public static func permutationHeads(_ hfName: String, _ config: LlamaConfig) -> Int? {
        if hfName.hasSuffix("self_attn.q_proj.weight") { return config.heads }
        if hfName.hasSuffix("self_attn.k_proj.weight") { return config.kvHeads }
        return nil
    }
}

/// llama.cpp's rotary row order for Q/K weights.
///
/// convert_hf_to_gguf.py permutes the rows of q_proj (with n = NH) and k_proj (with n = NKV) as
/// `w.reshape(n, 2, hd/2, cols).swapaxes(1, 2).reshape(w.shape)`: HF row h·hd + s·hd/2 + i (head h,
/// half s ∈ {0, 1}, i < hd/2) becomes GGUF row h·hd + 2i + s, so each rotary pair is adjacent.
/// Whole rows move, so this works on quantized rows as well.
public enum QKPermutation {
    /// The GGUF row holding HF row `r` of a matrix with `rows` rows and `heads` heads.
    @inlinable
    public static func ggufRow(_ r: Int, rows: Int, heads: Int) -> Int {
        let hd = rows / heads, half = hd / 2
        let h = r / hd, w = r % hd
        return h * hd + 2 * (w % half) + w / half
    }

    /// Whether `rows` can be permuted with `heads` heads (whole heads of even size).
    public static func isValid(rows: Int, heads: Int) -> Bool {
        heads > 0 && rows % heads == 0 && (rows / heads) % 2 == 0
    }

    /// Reorders the rows of a row-major byte matrix (`rowBytes` bytes per row):
    /// `toHF` undoes llama.cpp's permutation (out[r] = in[ggufRow(r)]), otherwise applies it (for export).
    public static func apply<T>(_ data: [T], rowLength: Int, heads: Int, toHF: Bool) -> [T] {
        guard rowLength > 0, !data.isEmpty else { return data }
        let rows = data.count / rowLength
        precondition(rows * rowLength == data.count && isValid(rows: rows, heads: heads),
                     "cannot permute \(rows) rows with \(heads) heads")
        var out = data
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let g = ggufRow(r, rows: rows, heads: heads)
                    let (from, to) = toHF ? (g, r) : (r, g)
                    for j in 0..<rowLength { dst[to * rowLength + j] = src[from * rowLength + j] }
                }
            }
        }
        return out
    }
}

extension LlamaConfig {
    /// A config from GGUF metadata (`general.architecture` must be "llama"). Tied when the file has no
    /// `output.weight`. Float32 values are read back through their shortest decimal (1e-5 stays 1e-5).
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture") ?? "(none)"
        guard arch == "llama" else { throw ModelFormatError.unsupportedArchitecture(file: gguf.path, architecture: arch) }
        func decimal(_ key: String) throws -> Double? {
            guard let v = gguf.metadata[key] else { return nil }
            if case .float32(let f) = v { return Double("\(f)") ?? Double(f) }
            return try gguf.double(key)
        }
        let hidden = try gguf.requiredInt("llama.embedding_length")
        let heads = try gguf.requiredInt("llama.attention.head_count")
        var vocab = try gguf.int("llama.vocab_size")
        if vocab == nil { vocab = gguf.metadata["tokenizer.ggml.tokens"]?.array?.count }
        if vocab == nil { vocab = gguf.info("token_embd.weight")?.ne.last }
        let headDim = try gguf.int("llama.attention.key_length") ?? gguf.int("llama.rope.dimension_count")
        var eos: [Int] = []
        if let e = try gguf.int("tokenizer.ggml.eos_token_id") { eos = [e] }
        self.init(
            hiddenSize: hidden,
            layers: try gguf.requiredInt("llama.block_count"),
            heads: heads,
            kvHeads: try gguf.int("llama.attention.head_count_kv") ?? heads,
            intermediateSize: try gguf.requiredInt("llama.feed_forward_length"),
            vocabSize: vocab ?? 0,
            headDim: headDim.flatMap { heads > 0 && $0 == hidden / heads ? nil : $0 },
            ropeTheta: try decimal("llama.rope.freq_base") ?? Self.defaultRopeTheta,
            rmsNormEps: try decimal("llama.attention.layer_norm_rms_epsilon") ?? Self.defaultRmsNormEps,
            tieWordEmbeddings: gguf.info("output.weight") == nil,
            maxPositionEmbeddings: try gguf.int("llama.context_length") ?? Self.defaultMaxPositionEmbeddings,
            bosTokenId: try gguf.int("tokenizer.ggml.bos_token_id"),
            eosTokenIds: eos,
            ropeType: try gguf.string("llama.rope.scaling.type").flatMap { $0 == "none" ? nil : $0 })
        padTokenId = try gguf.int("tokenizer.ggml.padding_token_id")
    }

    /// The `general.*` / `llama.*` metadata convert_hf_to_gguf.py writes for this config, plus the special token
    /// ids (`tokenizer.ggml.bos/eos/padding_token_id`); the vocabulary itself comes from `LlamaExport.tokenizerMetadata`.
    public func ggufMetadata(name: String, fileType: UInt32) -> [(key: String, value: GGUFValue)] {
        var m: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("general.name", .string(name)),
            ("llama.context_length", .uint32(UInt32(clamping: maxPositionEmbeddings))),
            ("llama.embedding_length", .uint32(UInt32(clamping: hiddenSize))),
            ("llama.block_count", .uint32(UInt32(clamping: layers))),
            ("llama.feed_forward_length", .uint32(UInt32(clamping: intermediateSize))),
            ("llama.rope.dimension_count", .uint32(UInt32(clamping: headDim))),
            ("llama.attention.head_count", .uint32(UInt32(clamping: heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(clamping: kvHeads))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(Float(rmsNormEps))),
            ("llama.rope.freq_base", .float32(Float(ropeTheta))),
            ("llama.vocab_size", .uint32(UInt32(clamping: vocabSize))),
            ("general.file_type", .uint32(fileType)),
            ("general.quantization_version", .uint32(2)),
        ]
        if let h = explicitHeadDim, h != hiddenSize / heads {
            m.append(("llama.attention.key_length", .uint32(UInt32(clamping: h))))
            m.append(("llama.attention.value_length", .uint32(UInt32(clamping: h))))
        }
        if let b = bosTokenId { m.append(("tokenizer.ggml.bos_token_id", .uint32(UInt32(clamping: b)))) }
        if let e = eosTokenIds.first { m.append(("tokenizer.ggml.eos_token_id", .uint32(UInt32(clamping: e)))) }
        if let p = padTokenId { m.append(("tokenizer.ggml.padding_token_id", .uint32(UInt32(clamping: p)))) }
        return m
    }
}
