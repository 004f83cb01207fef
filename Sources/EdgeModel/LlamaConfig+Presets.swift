// Named model shapes for `--model preset:NAME` (random weights, no files), the Swift form of llama.cpp's
// *_default_params(). The byte-tokenizer presets use ByteTokenizer's 320-token vocabulary
// (256 bytes + chat specials + reserved), with `<|im_end|>` (258) as end of sequence and no BOS.

extension LlamaConfig {
    /// Test-sized model: C 64, L 2, NH 4, NKV 2, F 176, V 320 (byte tokenizer).
    public static let tiny = LlamaConfig(
        hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, intermediateSize: 176, vocabSize: 320,
        ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 2048,
        bosTokenId: nil, eosTokenIds: [258], torchDtype: "float32")

    /// Small model for quick fine-tuning experiments: C 512, L 8, NH 8, NKV 4, F 1376, V 320 (byte tokenizer).
    public static let small = LlamaConfig(
        hiddenSize: 512, layers: 8, heads: 8, kvHeads: 4, intermediateSize: 1376, vocabSize: 320,
        ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 2048,
        bosTokenId: nil, eosTokenIds: [258], torchDtype: "float32")

    /// HuggingFaceTB/SmolLM2-135M(-Instruct): C 576, L 30, NH 9, NKV 3, F 1536, V 49152, θ 1e5, tied.
    public static let smolLM2_135M = LlamaConfig(
        hiddenSize: 576, layers: 30, heads: 9, kvHeads: 3, intermediateSize: 1536, vocabSize: 49152,
        ropeTheta: 100000, rmsNormEps: 1e-5, tieWordEmbeddings: true, maxPositionEmbeddings: 8192,
        bosTokenId: 1, eosTokenIds: [2], padTokenId: 2, torchDtype: "bfloat16")

    /// TinyLlama/TinyLlama-1.1B-Chat-v1.0: C 2048, L 22, NH 32, NKV 4, F 5632, V 32000, θ 1e4, untied.
    public static let tinyLlama_1_1B = LlamaConfig(
        hiddenSize: 2048, layers: 22, heads: 32, kvHeads: 4, intermediateSize: 5632, vocabSize: 32000,
        ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 2048,
        bosTokenId: 1, eosTokenIds: [2], torchDtype: "bfloat16")

    /// `preset:NAME` table.
    public static let presets: [(name: String, config: LlamaConfig)] = [
        ("tiny", .tiny), ("small", .small), ("smollm2-135m", .smolLM2_135M), ("tinyllama-1.1b", .tinyLlama_1_1B),
    ]

    /// The preset called `name` (case-insensitive); the error lists the valid names.
    public static func preset(named name: String) throws -> LlamaConfig {
        let key = name.lowercased()
        guard let p = presets.first(where: { $0.name == key }) else {
            throw ModelFormatError.unknownPreset(name: name, valid: presets.map(\.name))
        }
        return p.config
    }

    /// Kernel-notation sizes for `Llama`.
    public var dims: LlamaDims {
        LlamaDims(C: hiddenSize, L: layers, NH: heads, NKV: kvHeads, hd: headDim, F: intermediateSize, V: vocabSize,
                  eps: Float(rmsNormEps), ropeTheta: ropeTheta, maxPositions: maxPositionEmbeddings)
    }

    /// Parameter count: embeddings, per layer (Q, K, V, O, gate, up, down, two norms), final norm, untied head.
    public var parameterCount: Int {
        let (C, hd, F, V) = (hiddenSize, headDim, intermediateSize, vocabSize)
        let perLayer = C * heads * hd * 2 + C * kvHeads * hd * 2 + 3 * C * F + 2 * C
        return V * C + layers * perLayer + C + (tieWordEmbeddings ? 0 : V * C)
    }
}
