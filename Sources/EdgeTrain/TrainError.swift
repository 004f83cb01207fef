/// Errors of fine-tuning runs: each names the file, line or setting and says what to do.
public enum TrainError: Error, CustomStringConvertible, Equatable {
    case noUsableExamples(total: Int, maxSeq: Int, shortest: Int)
    case emptyDataFile(path: String)
    case badDataLine(path: String, line: Int, reason: String)
    case unwritableOutput(path: String, reason: String)
    case corruptCheckpoint(path: String, reason: String)
    case diverged(step: Int, consecutive: Int)
    case badSetting(String)

    public var description: String {
        switch self {
        case .noUsableExamples(let total, let maxSeq, let shortest):
            if total == 0 { return "no training examples: the data is empty" }
            return "no usable training examples: all \(total) are longer than --max-seq \(maxSeq) tokens (shortest has \(shortest)); raise --max-seq"
        case .emptyDataFile(let path):
            return "\(path): the data file is empty"
        case .badDataLine(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .unwritableOutput(let path, let reason):
            return "cannot write to \(path): \(reason); choose another --out directory"
        case .corruptCheckpoint(let path, let reason):
            return "checkpoint \(path) is unusable (\(reason)); the previous good checkpoint is kept — resume from it or start without --resume"
        case .diverged(let step, let n):
            return "training diverged: \(n) steps in a row with non-finite loss or gradients (last at step \(step)); lower --lr"
        case .badSetting(let m):
            return "invalid setting: \(m)"
        }
    }
}
