// Resolving `--model` and reading a Llama checkpoint's tensors by Hugging Face name from any format.
//
// API for the forward pass and the trainer:
//
//     let ckpt = try LlamaCheckpoint.open("models/SmolLM2-135M-Instruct.Q4_1.gguf")  // or an HF dir, or "preset:tiny"
//     ckpt.config                                         // LlamaConfig (config.json or GGUF llama.* metadata), validated
//     try ckpt.tensor("model.layers.0.self_attn.q_proj.weight")   // LlamaTensor: HF shape [rows, cols] + WeightStorage
//     try ckpt.weightMatrix("model.layers.0.mlp.up_proj.weight")  // EdgeTensor.WeightMatrix (F32, or blocks kept quantized)
//     try ckpt.floats("model.norm.weight")                // [Float], row-major, dequantized
//     try ckpt.llamaWeights()                             // LlamaWeights for `Llama` (LlamaCheckpoint+Weights.swift)
//
// Whatever the file, tensors come back in Hugging Face layout: PyTorch (out, in) row-major shapes, HF names,
// and for GGUF the Q/K row permutation of convert_hf_to_gguf.py undone (rows move whole, so quantized rows
// are un-permuted without dequantizing). Every tensor's shape is checked against the config; a mismatch is a
// `ModelFormatError.shapeMismatch` naming the file and tensor. F16/BF16 stay 16-bit in `WeightStorage` and
// become Float32 in `weightMatrix`.
import EdgeTensor
import Foundation

/// What a `--model` string names.
public enum ModelSource: Sendable, Equatable {
    /// A Hugging Face directory with config.json and model.safetensors (or a sharded index).
    case huggingFace(directory: String)
    /// A GGUF file.
    case gguf(path: String)
    /// `preset:NAME`: random weights of a named shape, no files.
    case preset(name: String, config: LlamaConfig)

    public static let presetPrefix = "preset:"

    /// Classifies `spec`: `preset:NAME`, an existing directory (must hold config.json and weights), or a
    /// `.gguf` file (by extension or magic). A path to a file inside an HF directory (config.json,
    /// *.safetensors) means that directory.
    public static func resolve(_ spec: String) throws -> ModelSource {
        if spec.hasPrefix(presetPrefix) {
            let name = String(spec.dropFirst(presetPrefix.count))
            return .preset(name: name.lowercased(), config: try LlamaConfig.preset(named: name))
        }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: spec, isDirectory: &isDir) else {
            throw ModelFormatError.fileNotFound(path: spec)
        }
        if isDir.boolValue { return try huggingFaceDirectory(spec) }
        if spec.lowercased().hasSuffix(".gguf") || hasGGUFMagic(spec) { return .gguf(path: spec) }
        let name = URL(fileURLWithPath: spec).lastPathComponent
        if name == "config.json" || name.hasSuffix(".safetensors") || name == "model.safetensors.index.json" {
            return try huggingFaceDirectory(URL(fileURLWithPath: spec).deletingLastPathComponent().path)
        }
        throw ModelFormatError.notAModel(path: spec, reason: "not a .gguf file or a model directory")
    }

    static func huggingFaceDirectory(_ dir: String) throws -> ModelSource {
        let fm = FileManager.default
        guard fm.fileExists(atPath: dir + "/config.json") else {
            throw ModelFormatError.notAModel(path: dir, reason: "no config.json in \(dir)")
        }
        guard fm.fileExists(atPath: dir + "/model.safetensors") || fm.fileExists(atPath: dir + "/model.safetensors.index.json") else {
            throw ModelFormatError.notAModel(path: dir, reason: "no model.safetensors or model.safetensors.index.json in \(dir)")
        }
        return .huggingFace(directory: dir)
    }

    static func hasGGUFMagic(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 4) else { return false }
        return [UInt8](head) == GGUFFile.magic
    }
}

/// A tensor's data as stored, in HF row order. Matrices are [rows, cols] = (out, in); vectors [n].
public enum WeightStorage: Sendable, Equatable {
    case f32([Float])
    /// IEEE half bit patterns.
    case f16([UInt16])
    /// bfloat16 bit patterns.
    case bf16([UInt16])
    /// Rows of llama.cpp blocks (`format.rowBytes(cols:)` bytes per row).
    case quantized(BlockFormat, [UInt8])

    /// The element type.
    public var dtype: TensorDType {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .quantized(.q8_0, _): return .q8_0
        case .quantized(.q4_0, _): return .q4_0
        case .quantized(.q4_1, _): return .q4_1
        }
    }

    /// All values as Float32 (exact for F16/BF16, dequantized for blocks).
    public func floats() -> [Float] {
        switch self {
        case .f32(let v): return v
        case .f16(let b): return F16.decode(b)
        case .bf16(let b): return BF16.decode(b)
        case .quantized(let f, let b): return f.dequantize(b)
        }
    }
}

/// One Llama tensor in HF layout.
public struct LlamaTensor: Sendable, Equatable {
    /// Hugging Face name.
    public let name: String
    /// Row-major shape: [rows, cols] for matrices, [n] for norm weights.
    public let shape: [Int]
    public let storage: WeightStorage

    public var rows: Int { shape.count == 2 ? shape[0] : 1 }
    public var cols: Int { shape.last ?? 0 }
}

/// An opened Llama checkpoint: config plus tensors by HF name, from an HF directory or a GGUF file.
/// Presets have a config and no tensors (see `LlamaCheckpoint+Weights.swift` for random weights).
public struct LlamaCheckpoint: Sendable {
    public let source: ModelSource
    public let config: LlamaConfig
    let backing: Backing

    enum Backing: Sendable {
        case safetensors(SafetensorsCheckpoint)
        case gguf(GGUFFile)
        case none
    }

    /// Resolves and opens `spec` (`--model`), reading and validating the config.
    public static func open(_ spec: String) throws -> LlamaCheckpoint {
        try LlamaCheckpoint(source: ModelSource.resolve(spec))
    }

    public init(source: ModelSource) throws {
        self.source = source
        switch source {
        case .preset(_, let config):
            self.config = config
            backing = .none
        case .huggingFace(let dir):
            let path = dir + "/config.json"
            config = try LlamaConfig.load(path: path)
            try config.validate(file: path)
            backing = .safetensors(try SafetensorsCheckpoint(directory: dir))
        case .gguf(let path):
            let g = try GGUFFile(path: path)
            config = try LlamaConfig(gguf: g)
            try config.validate(file: path)
            backing = .gguf(g)
        }
    }

    /// A checkpoint over an already-open GGUF file.
    public init(gguf: GGUFFile) throws {
        source = .gguf(path: gguf.path)
        config = try LlamaConfig(gguf: gguf)
        try config.validate(file: gguf.path)
        backing = .gguf(gguf)
    }

    /// The file errors should name for tensor `hfName`.
    public var path: String {
        switch source {
        case .huggingFace(let d): return d
        case .gguf(let p): return p
        case .preset(let n, _): return ModelSource.presetPrefix + n
        }
    }

    /// The HF shape `config` implies for tensor `hfName` (nil for names outside the Llama set).
    public func expectedShape(_ hfName: String) -> [Int]? {
        let c = config
        let (C, F, V, q, kv) = (c.hiddenSize, c.intermediateSize, c.vocabSize, c.heads * c.headDim, c.kvHeads * c.headDim)
        switch hfName {
        case "model.embed_tokens.weight", "lm_head.weight": return [V, C]
        case "model.norm.weight": return [C]
        default: break
        }
        guard LlamaTensorNames.gguf(hfName) != nil else { return nil }
        let suffix = hfName.split(separator: ".").dropFirst(3).joined(separator: ".")
        switch suffix {
        case "input_layernorm.weight", "post_attention_layernorm.weight": return [C]
        case "self_attn.q_proj.weight": return [q, C]
        case "self_attn.k_proj.weight", "self_attn.v_proj.weight": return [kv, C]
        case "self_attn.o_proj.weight": return [C, q]
        case "mlp.gate_proj.weight", "mlp.up_proj.weight": return [F, C]
        case "mlp.down_proj.weight": return [C, F]
        default: return nil
        }
    }

    /// Whether the checkpoint stores tensor `hfName` (false for `lm_head.weight` of a tied model).
    public func contains(_ hfName: String) -> Bool {
        if hfName == "lm_head.weight" && config.tieWordEmbeddings { return false }
        switch backing {
        case .safetensors(let s): return s.contains(hfName)
        case .gguf(let g): return LlamaTensorNames.gguf(hfName).map { g.info($0) != nil } ?? false
        case .none: return false
        }
    }

    /// The stored tensor behind `hfName` (GGUF name mapped, not yet un-permuted) after checking its shape.
    public func storedTensor(_ hfName: String) throws -> StoredTensor {
        guard let expected = expectedShape(hfName) else { throw ModelFormatError.tensorNotFound(file: path, tensor: hfName) }
        let t: StoredTensor
        switch backing {
        case .safetensors(let s): t = try s.tensor(hfName)
        case .gguf(let g):
            guard let name = LlamaTensorNames.gguf(hfName) else { throw ModelFormatError.tensorNotFound(file: g.path, tensor: hfName) }
            t = try g.tensor(name)
        case .none:
            throw ModelFormatError.tensorNotFound(file: path, tensor: hfName + " (presets have no stored weights)")
        }
        guard t.shape == expected else {
            throw ModelFormatError.shapeMismatch(file: t.path, tensor: t.name, expected: expected, actual: t.shape)
        }
        return t
    }

    /// Tensor `hfName` in HF layout, kept in its stored precision (quantized blocks stay quantized).
    public func tensor(_ hfName: String) throws -> LlamaTensor {
        let t = try storedTensor(hfName)
        let storage: WeightStorage
        switch t.dtype {
        case .f32: storage = .f32(try unpermuted(t.floats(), t, hfName, rowLength: t.matrixShape.cols))
        case .f16: storage = .f16(try unpermuted(t.withUnsafeBytes(Self.halves), t, hfName, rowLength: t.matrixShape.cols))
        case .bf16: storage = .bf16(try unpermuted(t.withUnsafeBytes(Self.halves), t, hfName, rowLength: t.matrixShape.cols))
        default:
            guard let f = t.dtype.blockFormat else {
                throw ModelFormatError.unsupportedDType(file: t.path, tensor: t.name, dtype: t.dtype.rawValue, wanted: "model weights (F32, F16, BF16, Q8_0, Q4_0, Q4_1)")
            }
            storage = .quantized(f, try unpermuted(t.bytes(), t, hfName, rowLength: f.rowBytes(cols: t.matrixShape.cols)))
        }
        return LlamaTensor(name: hfName, shape: t.shape, storage: storage)
    }

    /// Tensor `hfName` as row-major Float32 (dequantized, un-permuted). F16/BF16 widen straight from the mapping.
    public func floats(_ hfName: String) throws -> [Float] {
        let t = try storedTensor(hfName)
        if t.dtype == .f16 || t.dtype == .bf16 { return try unpermuted(t.floats(), t, hfName, rowLength: t.matrixShape.cols) }
        return try tensor(hfName).storage.floats()
    }

    /// Matrix `hfName` for the inference kernels: quantized blocks stay quantized, F16/BF16 widen to F32.
    public func weightMatrix(_ hfName: String) throws -> WeightMatrix {
        let t = try storedTensor(hfName)
        guard t.shape.count == 2 else {
            throw ModelFormatError.shapeMismatch(file: t.path, tensor: t.name, expected: [t.matrixShape.rows, t.matrixShape.cols], actual: t.shape)
        }
        if let f = t.dtype.blockFormat {
            return WeightMatrix(rows: t.shape[0], cols: t.shape[1], format: f,
                                bytes: try unpermuted(t.bytes(), t, hfName, rowLength: f.rowBytes(cols: t.shape[1])))
        }
        return WeightMatrix(rows: t.shape[0], cols: t.shape[1], f32: try floats(hfName))
    }

    /// Undoes llama.cpp's Q/K row permutation for GGUF q_proj/k_proj (rows of `rowLength` elements); other
    /// tensors and HF checkpoints pass through.
    func unpermuted<T>(_ data: [T], _ t: StoredTensor, _ hfName: String, rowLength: Int) throws -> [T] {
        guard case .gguf = backing, let heads = LlamaTensorNames.permutationHeads(hfName, config) else { return data }
        let rows = t.matrixShape.rows
        guard QKPermutation.isValid(rows: rows, heads: heads) else {
            throw ModelFormatError.invalidConfig(file: t.path, reason: "\(t.name) has \(rows) rows, not \(heads) heads of even size")
        }
        return QKPermutation.apply(data, rowLength: rowLength, heads: heads, toHF: true)
    }

    static func halves(_ raw: UnsafeRawBufferPointer) -> [UInt16] {
        let n = raw.count / 2
        guard n > 0, let src = raw.baseAddress else { return [] }
        return [UInt16](unsafeUninitializedCapacity: n) { out, written in
            UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: src, byteCount: 2 * n)
            written = n
        }
    }
}
