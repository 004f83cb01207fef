import ArgumentParser
import EdgeReport
import Foundation

/// `edgeagent report --runs DIR… [--out DIR] [--smooth N] [--json]`: compares fine-tuning runs.
struct ReportCommand: ParsableCommand {
    static let defaultOut = "runs/report"

    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compare runs (optimizers): a Markdown table and PNG plots of loss and memory.",
        discussion: """
            Each run directory needs summary.json (written by `finetune`); train_log.jsonl (finetune) and eval.json \
            (`eval --result DIR/eval.json`) are optional, and what is missing shows as "–".

            The table (run, optimizer, success, tool recall, valid plans, final loss, peak RSS, optimizer state, \
            tokens/s, training wall time) goes to stdout and OUT/report.md. OUT/loss.png plots training loss against \
            step for every run (--smooth N: moving average); OUT/memory.png stacks parameters, gradients, optimizer \
            state and activations per run, with peak RSS marked.

            --json prints the rows as JSON instead of the table (raw numbers: rates 0–1, bytes, seconds; null where \
            missing).
            """)

    @Option(parsing: .upToNextOption, help: "Run directories (from `finetune --out`).")
    var runs: [String]
    @Option(help: "Directory for report.md, loss.png and memory.png.")
    var out = Self.defaultOut
    @Option(help: "Moving-average window of the loss plot in logged steps (1 = raw).")
    var smooth = 1
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if runs.isEmpty { throw ValidationError("--runs needs at least one run directory") }
        if smooth < 1 { throw ValidationError("--smooth must be at least 1") }
    }

    func run() throws {
        let report = RunReport(runs: try RunRecord.loadAll(runs), smoothing: smooth)
        let files = try report.write(to: out)
        if output.json {
            try Console.printJSON(report.table.rows)
        } else {
            print(report.table.markdown, terminator: "")
        }
        FileHandle.standardError.write(Data("wrote \(files.joined(separator: ", "))\n".utf8))
    }
}
