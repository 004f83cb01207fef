/// Errors of running a model on user input.
public enum InferenceError: Error, CustomStringConvertible, Equatable {
    case emptyInput
    case contextOverflow(needed: Int, limit: Int)
    case tokenOutOfRange(id: Int, vocabSize: Int)
    /// `--quantize F` on a model with a matrix whose input size is not a multiple of F's block size.
    case notQuantizable(format: String, tensor: String, cols: Int)

    public var description: String {
        switch self {
        case .emptyInput:
            return "no input tokens: the prompt is empty"
        case .contextOverflow(let needed, let limit):
            return "context overflow: \(needed) tokens needed but the context holds \(limit); shorten the prompt, lower --max-new-tokens, or raise --context"
        case .tokenOutOfRange(let id, let v):
            return "token id \(id) is outside the vocabulary (size \(v))"
        case .notQuantizable(let f, let t, let cols):
            return "cannot quantize to \(f): \(t) has \(cols) input features, not a multiple of 32 (use --quantize none)"
        }
    }
}
