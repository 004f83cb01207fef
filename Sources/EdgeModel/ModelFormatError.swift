// Errors of reading and writing model files (safetensors, GGUF, config.json) and of resolving `--model`.
// Every message is one line that names the file (and tensor or key) and says what to do next.

/// A problem with a model file or a `--model` argument. Thrown, never trapped: readers check every offset
/// and length against the file size before touching the mapping.
public enum ModelFormatError: Error, CustomStringConvertible, Equatable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be opened, mapped or read.
    case unreadable(path: String, reason: String)
    /// The file ends before a structure it declares (`what`, needing bytes up to `needed`).
    case truncated(file: String, what: String, needed: Int, size: Int)
    /// The leading bytes are not the format's magic.
    case badMagic(file: String, expected: String, found: String)
    /// A format version this reader does not know.
    case unsupportedVersion(file: String, version: Int, supported: [Int])
    /// The header is malformed (bad JSON, bad field, absurd count…).
    case invalidHeader(file: String, reason: String)
    /// A tensor's data range [start, end) lies outside the data section of `limit` bytes.
    case tensorOutOfBounds(file: String, tensor: String, start: Int, end: Int, limit: Int)
    /// Two tensors' data ranges overlap.
    case overlappingTensors(file: String, first: String, second: String)
    /// A tensor's byte length disagrees with its dtype and shape.
    case byteCountMismatch(file: String, tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
    /// A dtype name this reader does not know.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A GGUF tensor type other than F32, F16, BF16, Q8_0, Q4_0, Q4_1.
    case unsupportedQuantType(file: String, tensor: String, type: String)
    /// The dtype exists but cannot be used for this request (e.g. floats of an I64 tensor).
    case unsupportedDType(file: String, tensor: String, dtype: String, wanted: String)
    /// No tensor of that name.
    case tensorNotFound(file: String, tensor: String)
    /// A tensor's shape disagrees with the model config.
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    /// A required metadata key is absent.
    case missingMetadata(file: String, key: String)
    /// A metadata value has the wrong type.
    case wrongMetadataType(file: String, key: String, expected: String, actual: String)
    /// A config that fails `LlamaConfig.validate()` or cannot be decoded.
    case invalidConfig(file: String, reason: String)
    /// `preset:NAME` with an unknown NAME.
    case unknownPreset(name: String, valid: [String])
    /// `--model` points at something that is not a model.
    case notAModel(path: String, reason: String)
    /// A GGUF file of an architecture other than llama.
    case unsupportedArchitecture(file: String, architecture: String)
    /// Writing a file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p):
            return "\(p): file not found ---> HINT: check the path, or run `edgeagent model fetch` for the default model"
        case .unreadable(let p, let r):
            return "\(p): cannot read: \(r)"
        case .truncated(let f, let what, let needed, let size):
            return "\(f): truncated file: \(what) needs \(needed) bytes but the file has \(size) ---> HINT: the download or copy is incomplete; fetch the file again"
        case .badMagic(let f, let expected, let found):
            return "\(f): not a \(expected) file (starts with \(found))"
        case .unsupportedVersion(let f, let v, let supported):
            return "\(f): unsupported format version \(v) (supported: \(supported.map(String.init).joined(separator: ", "))) ---> HINT: re-convert with a current llama.cpp"
        case .invalidHeader(let f, let r):
            return "\(f): invalid header: \(r)"
        case .tensorOutOfBounds(let f, let t, let s, let e, let limit):
            return "\(f): tensor \(t) data [\(s), \(e)) lies outside the \(limit)-byte data section ---> HINT: the file is truncated or corrupt"
        case .overlappingTensors(let f, let a, let b):
            return "\(f): tensors \(a) and \(b) have overlapping data ---> HINT: the file is corrupt"
        case .byteCountMismatch(let f, let t, let d, let s, let expected, let actual):
            return "\(f): tensor \(t) of dtype \(d) and shape \(s) needs \(expected) bytes but its data has \(actual)"
        case .unknownDType(let f, let t, let d):
            return "\(f): tensor \(t) has unknown dtype \(d)"
        case .unsupportedQuantType(let f, let t, let type):
            return "\(f): unsupported quant type \(type) in tensor \(t) ---> HINT: supported are F32, F16, BF16, Q8_0, Q4_0, Q4_1; re-quantize with llama-quantize"
        case .unsupportedDType(let f, let t, let d, let wanted):
            return "\(f): tensor \(t) has dtype \(d), which cannot be read as \(wanted)"
        case .tensorNotFound(let f, let t):
            return "\(f): no tensor named \(t) ---> HINT: is this a Llama checkpoint?"
        case .shapeMismatch(let f, let t, let expected, let actual):
            return "\(f): tensor \(t) has shape \(actual) but the config needs \(expected) ---> HINT: config.json does not belong to these weights"
        case .missingMetadata(let f, let k):
            return "\(f): missing metadata key \(k)"
        case .wrongMetadataType(let f, let k, let expected, let actual):
            return "\(f): metadata key \(k) is \(actual), expected \(expected)"
        case .invalidConfig(let f, let r):
            return "\(f): invalid model config: \(r)"
        case .unknownPreset(let n, let valid):
            return "unknown preset '\(n)' ---> HINT: valid presets are \(valid.map { "preset:" + $0 }.joined(separator: ", "))"
        case .notAModel(let p, let r):
            return "\(p): \(r) ---> HINT: --model takes a Hugging Face directory (config.json + model.safetensors), a .gguf file, or preset:NAME"
        case .unsupportedArchitecture(let f, let a):
            return "\(f): architecture '\(a)' is not supported (only llama)"
        case .writeFailed(let p, let r):
            return "\(p): cannot write: \(r)"
        }
    }
}
