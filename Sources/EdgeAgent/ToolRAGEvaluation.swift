import EdgePlan
import Foundation

/// How well ToolRAG selects tools on a labelled set, and how much prompt it saves.
///
/// - `recall`: the share of requests whose gold tools are all selected (TinyAgent's ToolRAG recall,
///   all-or-nothing per request; a fallback to all tools counts as selecting everything);
/// - `tool_recall`: gold tools selected / gold tools, over all requests (micro average);
/// - `mean_tools_selected`, `fallback_rate`;
/// - prompt saving: the planner prompt describes each tool in ``PlannerPrompt/describe(_:number:style:)``
///   form; `mean_description_chars_saved` is the mean length of the omitted descriptions,
///   `description_chars_saved_fraction` its share of all descriptions, and `mean_prompt_tokens_saved`
///   ≈ characters / 4 (English BPE averages about 4 characters a token; an estimate, not a tokenizer count).
public struct ToolRAGReport: Sendable, Codable, Equatable {
    public var n: Int
    public var threshold: Float
    public var recall: Double
    public var toolRecall: Double
    public var meanToolsSelected: Double
    public var meanGoldTools: Double
    public var fallbackRate: Double
    /// Characters of all tool descriptions (the prompt without ToolRAG).
    public var descriptionChars: Int
    public var meanDescriptionCharsSaved: Double
    public var descriptionCharsSavedFraction: Double
    public var meanPromptTokensSaved: Double

    enum CodingKeys: String, CodingKey {
        case n, threshold, recall
        case toolRecall = "tool_recall"
        case meanToolsSelected = "mean_tools_selected"
        case meanGoldTools = "mean_gold_tools"
        case fallbackRate = "fallback_rate"
        case descriptionChars = "description_chars"
        case meanDescriptionCharsSaved = "mean_description_chars_saved"
        case descriptionCharsSavedFraction = "description_chars_saved_fraction"
        case meanPromptTokensSaved = "mean_prompt_tokens_saved"
    }
}

/// Scores a ``ToolRAGModel`` on examples with gold `tools`.
public enum ToolRAGEvaluation {
    /// Characters per token used for the token estimate.
    public static let charsPerToken = 4.0

    /// The report for `model` on `examples`, describing `tools` in `style` (default: TinyAgent's 16 tools,
    /// full style). `probabilities`, when given, are the model's outputs for each example (reused while
    /// tuning the threshold).
    public static func evaluate(_ model: ToolRAGModel, _ examples: [DatasetExample], tools: ToolSet? = nil,
                                style: PlannerPrompt.Style = .full, probabilities: [[Float]]? = nil) -> ToolRAGReport {
        let set = tools ?? model.labelToolSet
        let listed = set.tools.filter { $0.name != ToolSet.joinName }
        let chars = Dictionary(uniqueKeysWithValues: listed.enumerated().map { i, t in
            (t.name, PlannerPrompt.describe(t, number: i + 1, style: style).count)
        })
        let totalChars = chars.values.reduce(0, +)
        let allNames = listed.map(\.name)
        let labelIndex = Dictionary(uniqueKeysWithValues: model.labels.enumerated().map { ($1, $0) })

        var covered = 0, goldTotal = 0, goldFound = 0, selectedTotal = 0, fallbacks = 0, savedChars = 0
        for (i, e) in examples.enumerated() {
            let p = probabilities?[i] ?? model.probabilities(model.features.vector(e.query))
            let selected: Set<String>
            if let chosen = model.selectedLabels(p) {
                let keep = Set(chosen)
                selected = Set(allNames.filter { keep.contains($0) || labelIndex[$0] == nil })
            } else {
                selected = Set(allNames)
                fallbacks += 1
            }
            let gold = Set(e.tools.filter { $0 != ToolSet.joinName })
            let found = gold.intersection(selected).count
            goldTotal += gold.count
            goldFound += found
            if found == gold.count { covered += 1 }
            selectedTotal += selected.count
            savedChars += allNames.filter { !selected.contains($0) }.reduce(0) { $0 + (chars[$1] ?? 0) }
        }
        let n = Double(max(1, examples.count))
        let meanSaved = Double(savedChars) / n
        return ToolRAGReport(
            n: examples.count, threshold: model.threshold, recall: Double(covered) / n,
            toolRecall: goldTotal == 0 ? 1 : Double(goldFound) / Double(goldTotal),
            meanToolsSelected: Double(selectedTotal) / n,
            meanGoldTools: Double(examples.reduce(0) { $0 + Set($1.tools).subtracting([ToolSet.joinName]).count }) / n,
            fallbackRate: Double(fallbacks) / n, descriptionChars: totalChars, meanDescriptionCharsSaved: meanSaved,
            descriptionCharsSavedFraction: totalChars == 0 ? 0 : meanSaved / Double(totalChars),
            meanPromptTokensSaved: meanSaved / charsPerToken)
    }
}

extension ToolRAGModel {
    /// TinyAgent's schemas for the labels that are TinyAgent tools (the default tool set for evaluation);
    /// labels without a schema get a placeholder description.
    var labelToolSet: ToolSet {
        let known = try? ToolSet.tinyAgent
        let schemas = labels.map { name in
            known?[name] ?? ToolSchema(name: name, description: name, arguments: [], returns: .string)
        }
        return (try? ToolSet(schemas, source: "<toolrag labels>")) ?? ToolSet()
    }
}
