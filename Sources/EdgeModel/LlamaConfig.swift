// Llama model config: Hugging Face `config.json` (transformers 4 and 5 spellings), named presets, and
// validation. Mirrors transformers/models/llama/configuration_llama.py (defaults below are its defaults).
// GGUF metadata → config: LlamaConfig+GGUF.swift.
import Foundation

/// The shape and hyper-parameters of a Llama model. Property names are Swift-style; the `config.json`
/// key sits next to each (`CodingKeys`). Decoding fills absent keys with the `default…` constants;
/// `validate()` is a separate step.
public struct LlamaConfig: Codable, Sendable, Equatable {
    public var hiddenSize: Int              // hidden_size                 (C)
    public var layers: Int                  // num_hidden_layers           (L)
    public var heads: Int                   // num_attention_heads         (NH)
    public var kvHeads: Int                 // num_key_value_heads         (NKV; absent → heads)
    public var intermediateSize: Int        // intermediate_size           (F)
    public var vocabSize: Int               // vocab_size                  (V)
    public var explicitHeadDim: Int?        // head_dim                    (absent → C / NH)
    public var ropeTheta: Double            // rope_theta, or rope_parameters.rope_theta (transformers 5)
    public var rmsNormEps: Double           // rms_norm_eps
    public var tieWordEmbeddings: Bool      // tie_word_embeddings
    public var maxPositionEmbeddings: Int   // max_position_embeddings
    public var bosTokenId: Int?             // bos_token_id
    public var eosTokenIds: [Int]           // eos_token_id: an int or a list
    public var padTokenId: Int?             // pad_token_id (nn.Embedding padding_idx: that row gets no gradient)
    public var torchDtype: String?          // torch_dtype, or dtype (transformers 5): "float32", "bfloat16"…
    public var modelType: String            // model_type
    public var architectures: [String]      // architectures
    public var hiddenAct: String            // hidden_act (only "silu" is supported)
    public var ropeType: String?            // rope_scaling.(rope_)type / rope_parameters.rope_type (only default)
    public var attentionBias: Bool          // attention_bias (unsupported when true)
    public var mlpBias: Bool                // mlp_bias (unsupported when true)

    public static let defaultHiddenSize = 4096
    public static let defaultLayers = 32
    public static let defaultHeads = 32
    public static let defaultIntermediateSize = 11008
    public static let defaultVocabSize = 32000
    public static let defaultRopeTheta = 10000.0
    public static let defaultRmsNormEps = 1e-6
    public static let defaultTieWordEmbeddings = false
    public static let defaultMaxPositionEmbeddings = 2048
    public static let defaultBosTokenId: Int? = 1
    public static let defaultEosTokenIds = [2]
    public static let defaultModelType = "llama"
    public static let defaultArchitectures = ["LlamaForCausalLM"]
    public static let defaultHiddenAct = "silu"

    /// Width of one attention head: `head_dim` if given, else C / NH.
    public var headDim: Int { explicitHeadDim ?? (heads > 0 ? hiddenSize / heads : 0) }

    public init(hiddenSize: Int = defaultHiddenSize, layers: Int = defaultLayers, heads: Int = defaultHeads,
                kvHeads: Int? = nil, intermediateSize: Int = defaultIntermediateSize, vocabSize: Int = defaultVocabSize,
                headDim: Int? = nil, ropeTheta: Double = defaultRopeTheta, rmsNormEps: Double = defaultRmsNormEps,
                tieWordEmbeddings: Bool = defaultTieWordEmbeddings, maxPositionEmbeddings: Int = defaultMaxPositionEmbeddings,
                bosTokenId: Int? = defaultBosTokenId, eosTokenIds: [Int] = defaultEosTokenIds, padTokenId: Int? = nil, torchDtype: String? = nil,
                modelType: String = defaultModelType, architectures: [String] = defaultArchitectures,
                hiddenAct: String = defaultHiddenAct, ropeType: String? = nil, attentionBias: Bool = false, mlpBias: Bool = false) {
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.explicitHeadDim = headDim
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.tieWordEmbeddings = tieWordEmbeddings
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
        self.padTokenId = padTokenId
        self.torchDtype = torchDtype
        self.modelType = modelType
        self.architectures = architectures
        self.hiddenAct = hiddenAct
        self.ropeType = ropeType
        self.attentionBias = attentionBias
        self.mlpBias = mlpBias
    }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", layers = "num_hidden_layers", heads = "num_attention_heads"
        case kvHeads = "num_key_value_heads", intermediateSize = "intermediate_size", vocabSize = "vocab_size"
        case explicitHeadDim = "head_dim", ropeTheta = "rope_theta", rmsNormEps = "rms_norm_eps"
        case tieWordEmbeddings = "tie_word_embeddings", maxPositionEmbeddings = "max_position_embeddings"
        case bosTokenId = "bos_token_id", eosTokenIds = "eos_token_id", padTokenId = "pad_token_id", torchDtype = "torch_dtype", dtype
        case modelType = "model_type", architectures, hiddenAct = "hidden_act"
        case ropeScaling = "rope_scaling", ropeParameters = "rope_parameters"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias"
    }

    /// `rope_scaling` / `rope_parameters` objects: only the fields we read.
    struct RopeParameters: Codable {
        var rope_theta: Double?
        var rope_type: String?
        var type: String?
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? Self.defaultHiddenSize
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? Self.defaultLayers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? Self.defaultHeads
        kvHeads = try c.decodeIfPresent(Int.self, forKey: .kvHeads) ?? heads
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? Self.defaultIntermediateSize
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? Self.defaultVocabSize
        explicitHeadDim = try c.decodeIfPresent(Int.self, forKey: .explicitHeadDim)
        let params = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        let scaling = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? params?.rope_theta ?? Self.defaultRopeTheta
        ropeType = (params?.rope_type ?? scaling?.rope_type ?? scaling?.type).flatMap { $0 == "default" ? nil : $0 }
        rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? Self.defaultRmsNormEps
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? Self.defaultTieWordEmbeddings
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? Self.defaultMaxPositionEmbeddings
        bosTokenId = c.contains(.bosTokenId) ? try c.decodeIfPresent(Int.self, forKey: .bosTokenId) : Self.defaultBosTokenId
        if !c.contains(.eosTokenIds) {
            eosTokenIds = Self.defaultEosTokenIds
        } else if let one = try? c.decodeIfPresent(Int.self, forKey: .eosTokenIds) {
            eosTokenIds = [one]
        } else {
            eosTokenIds = try c.decodeIfPresent([Int].self, forKey: .eosTokenIds) ?? []
        }
        padTokenId = try? c.decodeIfPresent(Int.self, forKey: .padTokenId)
        torchDtype = try c.decodeIfPresent(String.self, forKey: .torchDtype) ?? c.decodeIfPresent(String.self, forKey: .dtype)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? Self.defaultModelType
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures) ?? Self.defaultArchitectures
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? Self.defaultHiddenAct
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias) ?? false
    }

    /// Encodes a `config.json` that transformers 4 and 5 load as `LlamaForCausalLM`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architectures, forKey: .architectures)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(layers, forKey: .layers)
        try c.encode(heads, forKey: .heads)
        try c.encode(kvHeads, forKey: .kvHeads)
        try c.encode(headDim, forKey: .explicitHeadDim)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(bosTokenId, forKey: .bosTokenId)
        if eosTokenIds.count == 1 { try c.encode(eosTokenIds[0], forKey: .eosTokenIds) } else { try c.encode(eosTokenIds, forKey: .eosTokenIds) }
        try c.encodeIfPresent(padTokenId, forKey: .padTokenId)
        try c.encode(torchDtype ?? "float32", forKey: .torchDtype)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(mlpBias, forKey: .mlpBias)
    }

    /// Checks the sizes are usable: all positive, NH | C (unless head_dim is explicit), NKV | NH, even head_dim
    /// (rotary pairs), and only features the forward pass implements. `file` names the source in the error.
    public func validate(file: String = "config") throws {
        func fail(_ r: String) -> ModelFormatError { .invalidConfig(file: file, reason: r) }
        for (name, v) in [("hidden_size", hiddenSize), ("num_hidden_layers", layers), ("num_attention_heads", heads),
                          ("num_key_value_heads", kvHeads), ("intermediate_size", intermediateSize),
                          ("vocab_size", vocabSize), ("max_position_embeddings", maxPositionEmbeddings), ("head_dim", headDim)]
        where v <= 0 {
            throw fail("\(name) must be positive, got \(v)")
        }
        if explicitHeadDim == nil, hiddenSize % heads != 0 {
            throw fail("num_attention_heads \(heads) does not divide hidden_size \(hiddenSize)")
        }
        if heads % kvHeads != 0 { throw fail("num_key_value_heads \(kvHeads) does not divide num_attention_heads \(heads)") }
        if headDim % 2 != 0 { throw fail("head_dim \(headDim) must be even for rotary embeddings") }
        if !(ropeTheta > 0) || !ropeTheta.isFinite { throw fail("rope_theta must be positive, got \(ropeTheta)") }
        if !(rmsNormEps > 0) || !rmsNormEps.isFinite { throw fail("rms_norm_eps must be positive, got \(rmsNormEps)") }
        if modelType != "llama" { throw fail("model_type '\(modelType)' is not llama") }
        if hiddenAct != "silu" { throw fail("hidden_act '\(hiddenAct)' is not supported (only silu)") }
        if let t = ropeType { throw fail("rope scaling '\(t)' is not supported (only default rotary embeddings)") }
        if attentionBias || mlpBias { throw fail("attention_bias / mlp_bias are not supported") }
        for id in [bosTokenId, padTokenId].compactMap({ $0 }) + eosTokenIds where id < 0 || id >= vocabSize {
            throw fail("special token id \(id) is outside the vocabulary (size \(vocabSize))")
        }
    }

    /// Reads and decodes `config.json` at `path` (not validated).
    public static func load(path: String) throws -> LlamaConfig {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelFormatError.fileNotFound(path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFormatError.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(LlamaConfig.self, from: data) } catch {
            throw ModelFormatError.invalidConfig(file: path, reason: Self.describe(error))
        }
    }

    /// Writes `config.json` (pretty, sorted keys) atomically.
    public func write(path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try enc.encode(self) } catch { throw ModelFormatError.writeFailed(path: path, reason: "\(error)") }
        try AtomicFile.write(to: path) { try $0.write(contentsOf: data) }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(let t, let ctx), DecodingError.valueNotFound(let t, let ctx):
            return "\(ctx.codingPath.map(\.stringValue).joined(separator: ".")) should be \(t)"
        case DecodingError.dataCorrupted(let ctx):
            return "not valid JSON (\(ctx.debugDescription))"
        default:
            return "\(error)"
        }
    }
}
