import Foundation

/// The comparison table of `edgeagent report`: one row per run, Markdown for people, JSON for scripts.
public struct RunTable: Sendable {
    /// One run's figures; nil where its directory lacks the file (eval.json for the eval columns).
    public struct Row: Encodable, Sendable, Equatable {
        public var run: String
        public var path: String
        public var optimizer: String
        public var successRate: Double?
        public var toolRecall: Double?
        public var validPlanRate: Double?
        public var evalExamples: Int?
        public var finalLoss: Double
        public var peakRSSBytes: Int?
        public var optimizerStateBytes: Int
        public var tokensPerSecond: Double
        public var wallSeconds: Double
        public var steps: Int

        enum CodingKeys: String, CodingKey {
            case run, path, optimizer, successRate = "success_rate", toolRecall = "tool_recall", validPlanRate = "valid_plan_rate"
            case evalExamples = "eval_n", finalLoss = "final_loss", peakRSSBytes = "peak_rss_bytes"
            case optimizerStateBytes = "optimizer_state_bytes", tokensPerSecond = "tokens_per_s", wallSeconds = "wall_s", steps
        }

        /// Missing values are explicit nulls, so every row has the same keys.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(run, forKey: .run)
            try c.encode(path, forKey: .path)
            try c.encode(optimizer, forKey: .optimizer)
            try c.encode(successRate, forKey: .successRate)
            try c.encode(toolRecall, forKey: .toolRecall)
            try c.encode(validPlanRate, forKey: .validPlanRate)
            try c.encode(evalExamples, forKey: .evalExamples)
            try c.encode(finalLoss.isFinite ? finalLoss : nil, forKey: .finalLoss)
            try c.encode(peakRSSBytes, forKey: .peakRSSBytes)
            try c.encode(optimizerStateBytes, forKey: .optimizerStateBytes)
            try c.encode(tokensPerSecond.isFinite ? tokensPerSecond : nil, forKey: .tokensPerSecond)
            try c.encode(wallSeconds.isFinite ? wallSeconds : nil, forKey: .wallSeconds)
            try c.encode(steps, forKey: .steps)
        }
    }

    public var rows: [Row]

    public init(_ runs: [RunRecord]) {
        rows = runs.map { r in
            let s = r.summary
            return Row(run: r.name, path: r.path, optimizer: s.optimizer, successRate: r.eval?.successRate,
                       toolRecall: r.eval?.toolRecall, validPlanRate: r.eval?.validPlanRate, evalExamples: r.eval?.n,
                       finalLoss: s.finalLoss, peakRSSBytes: s.peakRSSBytes, optimizerStateBytes: s.optimizerStateBytes,
                       tokensPerSecond: s.tokensPerSecond, wallSeconds: s.wallSeconds, steps: s.steps)
        }
    }

    public static let headers = ["run", "optimizer", "success", "tool recall", "valid plans", "final loss", "peak RSS",
                                 "optimizer state", "tokens/s", "train time"]
    /// Numbers are right-aligned, names left-aligned.
    static let rightAligned: Set<Int> = Set(2..<headers.count)

    /// The cells of each row in human units.
    public var cells: [[String]] {
        rows.map { r in
            [r.run, r.optimizer, Units.percent(r.successRate), Units.percent(r.toolRecall), Units.percent(r.validPlanRate),
             Units.number(r.finalLoss, decimals: 4), Units.bytes(r.peakRSSBytes), Units.bytes(r.optimizerStateBytes),
             Units.number(r.tokensPerSecond, decimals: 1), Units.duration(r.wallSeconds)]
        }
    }

    /// A GitHub-flavoured Markdown table, columns padded so it also reads well as plain text.
    public var markdown: String {
        let body = cells.map { $0.map { $0.replacingOccurrences(of: "|", with: "\\|") } }
        let widths = Self.headers.indices.map { c in ([Self.headers[c]] + body.map { $0[c] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                return Self.rightAligned.contains(c) ? pad + text : text + pad
            }.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.indices.map { c in
            Self.rightAligned.contains(c) ? " " + String(repeating: "-", count: widths[c] - 1) + ": " : " " + String(repeating: "-", count: widths[c]) + " "
        }.joined(separator: "|") + "|"
        return ([line(Self.headers), rule] + body.map(line)).joined(separator: "\n") + "\n"
    }
}
