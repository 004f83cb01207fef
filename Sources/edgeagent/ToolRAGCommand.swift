import ArgumentParser
import EdgeAgent
import EdgePlan
import Foundation

/// `edgeagent toolrag train|eval`: the tool classifier that picks which tool descriptions go into the
/// planner prompt (reference/tinyagent.md §3).
struct ToolRAGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toolrag",
        abstract: "Train and evaluate ToolRAG, the classifier that picks the tools described in the planner prompt.",
        subcommands: [Train.self, Eval.self])

    /// `toolrag train --data F [--out models/toolrag.json]`.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the classifier on planning data (query → gold tools) and save it as JSON.")

        @Option(help: "Training data: planning JSONL (edgeagent data generate).")
        var data: String
        @Option(help: "Where to write the model.")
        var out = ToolRAGModel.defaultPath
        @Option(help: "Passes over the data.")
        var epochs = ToolRAGTrainingOptions.defaultEpochs
        @Option(help: "Adam learning rate.")
        var lr = ToolRAGTrainingOptions.defaultLearningRate
        @Option(help: "Loss weight of a missed tool relative to a false alarm.")
        var positiveWeight = ToolRAGTrainingOptions.defaultPositiveWeight
        @Option(help: "Selection threshold; default: tuned on held-out templates to reach --target-recall.")
        var threshold: Float?
        @Option(help: "Held-out recall the tuned threshold must reach.")
        var targetRecall = ToolRAGTrainingOptions.defaultTargetRecall
        @Option(help: "If no tool is at least this likely, all tools are kept.")
        var minConfidence = ToolRAGModel.defaultMinConfidence
        @Option(help: "Hash buckets of the n-gram features.")
        var buckets = ToolRAGFeatures.defaultBuckets
        @Option(help: "Seed of the example order.")
        var seed: UInt64 = 0
        @OptionGroup var output: OutputOptions

        func run() throws {
            let examples = try JSONLines.examples(data)
            let options = ToolRAGTrainingOptions(
                features: ToolRAGFeatures(buckets: buckets), epochs: epochs, learningRate: lr, positiveWeight: positiveWeight,
                seed: seed, targetRecall: targetRecall, threshold: threshold, minConfidence: minConfidence)
            let (model, report) = try ToolRAGTrainer.train(examples, options: options)
            try model.save(to: out)
            if output.json { return try Console.printJSON(report) }
            print("trained on \(report.examples) examples (\(report.labels.count) tools) in "
                  + String(format: "%.1f s, final loss %.4f", report.seconds, report.finalLoss))
            if let recall = report.validationRecall, let mean = report.validationMeanTools {
                print(String(format: "threshold %.2f: held-out recall %.3f, %.2f tools selected on %d examples",
                             report.threshold, recall, mean, report.validationExamples))
            } else {
                print(String(format: "threshold %.2f", report.threshold))
            }
            print("wrote \(out)")
        }
    }

    /// `toolrag eval --data F [--classifier models/toolrag.json] [--json]`.
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recall of the gold tools, tools selected, and prompt saved on planning data.")

        @Option(help: "Evaluation data: planning JSONL (e.g. the --test-out file of data generate).")
        var data: String
        @Option(help: "The model written by toolrag train.")
        var classifier = ToolRAGModel.defaultPath
        @Option(help: "Override the model's threshold.")
        var threshold: Float?
        @Option(help: "Planner prompt style whose tool descriptions are counted: full or compact.")
        var style = PlannerPrompt.Style.full.rawValue
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard let promptStyle = PlannerPrompt.Style(rawValue: style) else {
                throw ValidationError("--style must be full or compact, got \(style)")
            }
            var model = try ToolRAGModel.load(path: classifier)
            if let threshold { model.threshold = threshold }
            let examples = try JSONLines.examples(data)
            let r = ToolRAGEvaluation.evaluate(model, examples, tools: try ToolSet.tinyAgent, style: promptStyle)
            if output.json { return try Console.printJSON(r) }
            print(String(format: "examples              %d", r.n))
            print(String(format: "threshold             %.2f", r.threshold))
            print(String(format: "recall (all gold)     %.4f", r.recall))
            print(String(format: "tool recall           %.4f", r.toolRecall))
            print(String(format: "tools selected        %.2f of %d (gold %.2f), fallback %.1f%%", r.meanToolsSelected,
                         TinyAgentToolNames.all.count, r.meanGoldTools, 100 * r.fallbackRate))
            print(String(format: "description chars     %.0f of %d saved per request (%.1f%%), ≈%.0f prompt tokens",
                         r.meanDescriptionCharsSaved, r.descriptionChars, 100 * r.descriptionCharsSavedFraction,
                         r.meanPromptTokensSaved))
        }
    }
}
