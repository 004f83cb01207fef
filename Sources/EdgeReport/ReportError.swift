/// Errors of reading run directories and writing reports; each names the file and says what to do.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case notADirectory(path: String)
    case missingSummary(path: String)
    case garbled(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let path):
            return "\(path) is not a run directory (pass directories written by `edgeagent finetune --out DIR`)"
        case .missingSummary(let path):
            return "\(path) is missing (the run has not finished: run or resume `edgeagent finetune` first)"
        case .garbled(let path, let reason):
            return "\(path) cannot be read: \(reason)"
        case .unwritable(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
