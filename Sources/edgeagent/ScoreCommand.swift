import ArgumentParser
import EdgePlan
import Foundation

/// `edgeagent score --gold F --pred F [--json]`: TinyAgent's plan metrics without a model.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score predicted plans against gold plans with TinyAgent's metrics (success rate by DAG isomorphism).",
        discussion: """
            Both files are JSONL with one {"id", "plan"} object per line (other fields are ignored); every id
            must appear in both. Plans are read as TinyAgent reads them. Reports success rate, tool recall,
            step accuracy and graph edit distance, overall, by number of gold steps and by tool.
            --json prints {"overall": {...}, "by_steps": {"1": {...}}, "by_tool": [...]} (plus "examples" with --per-example).
            """
    )

    @Option(help: "Gold plans (JSONL {\"id\", \"plan\"}).")
    var gold: String

    @Option(help: "Predicted plans (JSONL {\"id\", \"plan\"}).")
    var pred: String

    @Flag(help: "Include every example's scores in the --json output.")
    var perExample = false

    @OptionGroup var output: OutputOptions

    struct JSONReport: Encodable {
        var overall: MetricSummary
        var bySteps: [String: MetricSummary]
        var byTool: [MetricToolSummary]
        var examples: [Example]?
        struct Example: Encodable {
            var id: String
            var score: PlanScore
        }
        enum CodingKeys: String, CodingKey { case overall, bySteps = "by_steps", byTool = "by_tool", examples }
    }

    func run() throws {
        let showProgress = !output.json && isatty(2) != 0
        let result = try MetricFiles.score(goldPath: gold, predPath: pred) { done, total in
            if showProgress { Console.status("score: \(done)/\(total)") }
        }
        if showProgress { Console.clearStatus() }
        if output.json {
            let r = result.report
            try Console.printJSON(JSONReport(
                overall: r.overall,
                bySteps: Dictionary(uniqueKeysWithValues: r.bySteps.map { (String($0.key), $0.value) }),
                byTool: r.byTool,
                examples: perExample ? zip(result.ids, result.scores).map { .init(id: $0, score: $1) } : nil))
        } else {
            print(result.report.text, terminator: "")
        }
    }
}
