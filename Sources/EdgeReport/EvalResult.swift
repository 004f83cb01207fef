import Foundation

/// What `edgeagent eval` reports: `--json` prints the six metrics, `--result FILE` (e.g. `<run>/eval.json`) adds
/// where they came from (data, model, prompt style, wall time). Absent fields are omitted from the JSON.
public struct EvalResult: Codable, Sendable, Equatable {
    public var n: Int
    public var successRate: Double
    public var toolRecall: Double
    public var validPlanRate: Double
    public var meanEditDistance: Double
    public var plansPerSecond: Double
    public var data: String?
    public var model: String?
    public var promptStyle: String?
    public var wallSeconds: Double?

    public init(n: Int, successRate: Double, toolRecall: Double, validPlanRate: Double, meanEditDistance: Double,
                plansPerSecond: Double, data: String? = nil, model: String? = nil, promptStyle: String? = nil,
                wallSeconds: Double? = nil) {
        (self.n, self.successRate, self.toolRecall, self.validPlanRate) = (n, successRate, toolRecall, validPlanRate)
        (self.meanEditDistance, self.plansPerSecond) = (meanEditDistance, plansPerSecond)
        (self.data, self.model, self.promptStyle, self.wallSeconds) = (data, model, promptStyle, wallSeconds)
    }

    enum CodingKeys: String, CodingKey {
        case n, successRate = "success_rate", toolRecall = "tool_recall", validPlanRate = "valid_plan_rate"
        case meanEditDistance = "mean_edit_distance", plansPerSecond = "plans_per_s"
        case data, model, promptStyle = "prompt_style", wallSeconds = "wall_s"
    }

    /// Fails early (before a long evaluation) when `path`'s directory cannot be created or written.
    public static func checkWritable(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        } catch {
            throw ReportError.unwritable(path: path, reason: error.localizedDescription)
        }
        guard FileManager.default.isWritableFile(atPath: dir.isEmpty ? "." : dir) else {
            throw ReportError.unwritable(path: path, reason: "the directory is not writable")
        }
    }

    /// Pretty, key-sorted JSON, written atomically (a reader never sees half a file).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var data = try encoder.encode(self)
            data.append(0x0A)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportError.unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
