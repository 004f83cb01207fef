import EdgeTrain
import Foundation

/// One run directory as the report sees it: `summary.json` (required), `train_log.jsonl` and `eval.json` (optional).
public struct RunRecord: Sendable {
    public var name: String
    public var path: String
    public var summary: FinetuneSummary
    /// Logged steps (nil when there is no `train_log.jsonl`).
    public var log: [TrainLogEntry]?
    public var eval: EvalResult?

    public static let evalFile = "eval.json"

    public init(name: String, path: String, summary: FinetuneSummary, log: [TrainLogEntry]?, eval: EvalResult?) {
        (self.name, self.path, self.summary, self.log, self.eval) = (name, path, summary, log, eval)
    }

    /// Reads the run at `path`, named after the directory. Missing optional files give nil; an unreadable file
    /// of any kind is an error naming it.
    public static func load(_ path: String, name: String? = nil) throws -> RunRecord {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.notADirectory(path: path)
        }
        let dir = RunDirectory(path)
        guard let summaryData = FileManager.default.contents(atPath: dir.summary) else {
            throw ReportError.missingSummary(path: dir.summary)
        }
        let summary: FinetuneSummary = try decode(summaryData, path: dir.summary)
        var log: [TrainLogEntry]? = nil
        if let data = FileManager.default.contents(atPath: dir.log) {
            var entries: [TrainLogEntry] = []
            for (k, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
            where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
                entries.append(try decode(Data(line), path: "\(dir.log) line \(k + 1)"))
            }
            log = entries
        }
        let evalPath = path + "/" + evalFile
        let eval: EvalResult? = try FileManager.default.contents(atPath: evalPath).map { try decode($0, path: evalPath) }
        let standardized = (path as NSString).standardizingPath
        return RunRecord(name: name ?? (standardized as NSString).lastPathComponent, path: path, summary: summary, log: log, eval: eval)
    }

    /// Loads several runs; runs whose directory names clash are named `parent/name`.
    public static func loadAll(_ paths: [String]) throws -> [RunRecord] {
        let names = paths.map { (($0 as NSString).standardizingPath as NSString).lastPathComponent }
        return try paths.enumerated().map { k, path in
            let clash = names.filter { $0 == names[k] }.count > 1
            let components = ((path as NSString).standardizingPath as NSString).pathComponents.suffix(2)
            return try load(path, name: clash ? components.joined(separator: "/") : names[k])
        }
    }

    /// Loss per logged step (skipped steps and non-finite losses left out).
    public var lossPoints: [(x: Double, y: Double)] {
        (log ?? []).filter { !$0.skipped && $0.loss.isFinite }.map { (Double($0.step), $0.loss) }
    }

    static func decode<T: Decodable>(_ data: Data, path: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ReportError.garbled(path: path, reason: "no \"\(key.stringValue)\" field")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ReportError.garbled(path: path, reason: "\"\(key)\" has the wrong type")
        } catch {
            throw ReportError.garbled(path: path, reason: "not valid JSON")
        }
    }
}
