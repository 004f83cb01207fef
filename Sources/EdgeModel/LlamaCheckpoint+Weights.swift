// Building the forward pass's weights (LlamaWeights) and the trainer's Float32 parameters (LlamaParameters)
// from a LlamaCheckpoint; presets get seeded random weights instead.
import EdgeTensor

extension LlamaCheckpoint {
    /// Whether this is a `preset:` (random weights, no files).
    public var isPreset: Bool {
        if case .preset = source { return true }
        return false
    }

    /// Inference weights: matrices via `weightMatrix` (quantized GGUF blocks stay quantized, F16/BF16 widen
    /// to F32), norms as Float32. A tied model has `head == nil`. Presets: `LlamaParameters.random` with `seed`.
    public func llamaWeights(seed: UInt64 = 0) throws -> LlamaWeights {
        if isPreset { return try llamaParameters(seed: seed).inferenceWeights() }
        func layer(_ i: Int) throws -> LlamaLayerWeights {
            let p = "model.layers.\(i)."
            return LlamaLayerWeights(
                attnNorm: try floats(p + "input_layernorm.weight"),
                wq: try weightMatrix(p + "self_attn.q_proj.weight"),
                wk: try weightMatrix(p + "self_attn.k_proj.weight"),
                wv: try weightMatrix(p + "self_attn.v_proj.weight"),
                wo: try weightMatrix(p + "self_attn.o_proj.weight"),
                mlpNorm: try floats(p + "post_attention_layernorm.weight"),
                wGate: try weightMatrix(p + "mlp.gate_proj.weight"),
                wUp: try weightMatrix(p + "mlp.up_proj.weight"),
                wDown: try weightMatrix(p + "mlp.down_proj.weight"))
        }
        return LlamaWeights(
            embed: try weightMatrix("model.embed_tokens.weight"),
            layers: try (0..<config.layers).map(layer),
            finalNorm: try floats("model.norm.weight"),
            head: config.tieWordEmbeddings ? nil : try weightMatrix("lm_head.weight"))
    }

    /// The model ready to run (`Llama(dims:weights:)`).
    public func llama(seed: UInt64 = 0) throws -> Llama {
        Llama(dims: config.dims, weights: try llamaWeights(seed: seed))
    }

    /// Float32 training parameters: every tensor dequantized and un-permuted to HF layout. Presets draw
    /// `LlamaParameters.random(config.dims, tied:, seed:)`.
    public func llamaParameters(seed: UInt64 = 0) throws -> LlamaParameters {
        if isPreset { return LlamaParameters.random(config.dims, tied: config.tieWordEmbeddings, seed: seed) }
        var p = LlamaParameters(zeros: config.dims, tied: config.tieWordEmbeddings)
        try p.forEachMutable { name, t in
            t = Tensor(shape: t.shape, scalars: try floats(name))
        }
        return p
    }
}

/// Writing a model out: a Hugging Face directory (config.json + model.safetensors, loadable by transformers)
/// or a llama.cpp GGUF (names mapped, Q/K rows permuted as convert_hf_to_gguf.py does).
public enum LlamaExport {
    /// Writes `directory/config.json` and `directory/model.safetensors` with tensors as `dtype` (F32, F16 or
    /// BF16). A tied model omits `lm_head.weight`, as transformers saves it. Tokenizer files are not written here.
    public static func safetensors(_ params: LlamaParameters, config: LlamaConfig, directory: String,
                                   dtype: TensorDType = .f32) throws {
        var w = SafetensorsWriter()
        try params.forEach { name, t in try w.add(name, shape: t.shape, values: t.scalars, as: dtype) }
        var c = config
        c.torchDtype = dtype == .bf16 ? "bfloat16" : dtype == .f16 ? "float16" : "float32"
        try w.write(to: directory + "/model.safetensors")
        try c.write(path: directory + "/config.json")
    }

    /// The `tokenizer.*` metadata of a GGUF file (vocabulary, merges, special ids, chat template), in file
    /// order, for carrying a GGUF model's tokenizer into an exported GGUF.
    public static func tokenizerMetadata(of gguf: GGUFFile) -> [(key: String, value: GGUFValue)] {
        gguf.metadataKeys.filter { $0.hasPrefix("tokenizer.") }.compactMap { k in gguf.metadata[k].map { (k, $0) } }
    }

    /// llama.cpp's `general.file_type` of a model whose matrices are `type`.
    public static func fileType(_ type: TensorDType) -> UInt32 {
        switch type {
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .bf16: return 32
        default: return 0
        }
    }

    /// Writes a GGUF file: `config.ggufMetadata` plus `metadata` (e.g. tokenizer.ggml.*), 1-D tensors as F32,
    /// matrices as `type` (a matrix whose rows are not whole 32-blocks falls back to F16, as the converter does),
    /// Q/K rows permuted for llama.cpp's rotary layout, no `output.weight` when tied.
    public static func gguf(_ params: LlamaParameters, config: LlamaConfig, path: String, type: TensorDType = .f32,
                            name: String = "edgeagent", metadata: [(key: String, value: GGUFValue)] = []) throws {
        var w = GGUFWriter()
        for (k, v) in config.ggufMetadata(name: name, fileType: fileType(type)) + metadata { w.set(k, v) }
        try params.forEach { hf, t in
            guard let g = LlamaTensorNames.gguf(hf) else { return }
            var values = t.scalars
            if let heads = LlamaTensorNames.permutationHeads(hf, config) {
                guard QKPermutation.isValid(rows: t.shape[0], heads: heads) else {
                    throw ModelFormatError.invalidConfig(file: path, reason: "\(hf) has \(t.shape[0]) rows, not \(heads) heads of even size")
                }
                values = QKPermutation.apply(values, rowLength: t.shape[1], heads: heads, toHF: false)
            }
            var dtype = t.rank == 1 ? TensorDType.f32 : type
            if let f = dtype.blockFormat, t.shape[t.rank - 1] % f.blockSize != 0 { dtype = .f16 }
            try w.addTensor(g, shape: t.shape, values: values, as: dtype)
        }
        try w.write(to: path)
    }
}
