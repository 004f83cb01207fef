import EdgeModel
import EdgeOptim
import EdgePlan
import Foundation

/// What `summary.json` reports at the end of a run.
public struct FinetuneSummary: Codable, Sendable {
    public var steps: Int
    public var finalLoss: Double
    public var bestLoss: Double?
    public var peakRSSBytes: Int?
    public var parameterCount: Int
    public var parameterBytes: Int
    public var gradientBytes: Int
    public var optimizerStateBytes: Int
    public var activationBytes: Int
    public var tokensPerSecond: Double
    public var wallSeconds: Double
    public var examples: Int
    public var skippedTooLong: Int
    public var optimizer: String
    /// Data-parallel runs only: ranks, how gradients travelled, and the payload bytes one rank passed to
    /// collectives per step (measured; see `GradientCommunicator.payloadBytes`).
    public var worldSize: Int?
    public var gradientCommunication: String?
    public var communicatedBytesPerStep: Double?

    public init(steps: Int, finalLoss: Double, bestLoss: Double?, peakRSSBytes: Int?, parameterCount: Int, parameterBytes: Int,
                gradientBytes: Int, optimizerStateBytes: Int, activationBytes: Int, tokensPerSecond: Double, wallSeconds: Double,
                examples: Int, skippedTooLong: Int, optimizer: String) {
        (self.steps, self.finalLoss, self.bestLoss, self.peakRSSBytes, self.parameterCount) = (steps, finalLoss, bestLoss, peakRSSBytes, parameterCount)
        (self.parameterBytes, self.gradientBytes, self.optimizerStateBytes, self.activationBytes) = (parameterBytes, gradientBytes, optimizerStateBytes, activationBytes)
        (self.tokensPerSecond, self.wallSeconds, self.examples, self.skippedTooLong, self.optimizer) = (tokensPerSecond, wallSeconds, examples, skippedTooLong, optimizer)
    }

    enum CodingKeys: String, CodingKey {
        case steps, finalLoss = "final_loss", bestLoss = "best_loss", peakRSSBytes = "peak_rss_bytes"
        case parameterCount = "parameter_count", parameterBytes = "parameter_bytes", gradientBytes = "gradient_bytes"
        case optimizerStateBytes = "optimizer_state_bytes", activationBytes = "activation_bytes"
        case tokensPerSecond = "tokens_per_s", wallSeconds = "wall_s", examples, skippedTooLong = "skipped_too_long", optimizer
        case worldSize = "world_size", gradientCommunication = "grad_comm", communicatedBytesPerStep = "comm_bytes_per_step"
    }
}

/// Planning data → training examples: each request becomes system (planner prompt) + user + assistant (plan).
public enum PlanningData {
    public static func encode(_ examples: [DatasetExample], prompt: PlanningPrompt, encoder: ChatExampleEncoder,
                              progress: (Int, Int) -> Void = { _, _ in }) throws -> [TrainingExample] {
        var out: [TrainingExample] = []
        out.reserveCapacity(examples.count)
        for (i, e) in examples.enumerated() {
            let (system, user) = try prompt.messages(query: e.query, now: e.now)
            out.append(try encoder.encode([.system(system), .user(user), .assistant(e.plan)]))
            if i % 256 == 0 || i == examples.count - 1 { progress(i + 1, examples.count) }
        }
        return out
    }
}

/// The files of a run directory: log, summary, resumable checkpoint, and the final Hugging Face model.
public struct RunDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }
    public var checkpoint: String { path + "/checkpoint" }
    public var log: String { path + "/train_log.jsonl" }
    public var summary: String { path + "/summary.json" }

    /// Creates the directory; a clear error if it cannot be written.
    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let probe = path + "/.write-test-\(getpid())"
            guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
                throw TrainError.unwritableOutput(path: path, reason: "permission denied")
            }
            try FileManager.default.removeItem(atPath: probe)
        } catch let e as TrainError {
            throw e
        } catch {
            throw TrainError.unwritableOutput(path: path, reason: error.localizedDescription)
        }
    }

    /// Appends one JSON line to the log.
    public func appendLog(_ entry: TrainLogEntry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(entry)
        line.append(0x0A)
        if let h = FileHandle(forWritingAtPath: log) {
            defer { try? h.close() }
            try h.seekToEnd()
            try h.write(contentsOf: line)
        } else {
            try line.write(to: URL(fileURLWithPath: log))
        }
    }

    /// Keeps only log lines of steps ≤ `step` (after resuming from a checkpoint at `step`).
    public func truncateLog(afterStep step: Int) throws {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let d = line.data(using: .utf8), let e = try? JSONDecoder().decode(TrainLogEntry.self, from: d) else { return false }
            return e.step <= step
        }
        try (kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).write(toFile: log, atomically: true, encoding: .utf8)
    }

    public func writeSummary(_ s: FinetuneSummary) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(s).write(to: URL(fileURLWithPath: summary), options: .atomic)
    }
}
