import EdgePlan
import Foundation

// ToolRAG (reference/tinyagent.md §3): per request, choose the tools whose descriptions go into the
// planner prompt. TinyAgent used a 568 MB DeBERTa classifier; ours is a multi-label logistic regression
// over hashed word/character n-grams (a few MB of JSON), trained by ``ToolRAGTrainer``.
//
//   ToolRAGFeatures   text → sparse hashed n-gram vector (ToolRAGFeatures.swift)
//   ToolRAGModel      one sigmoid per tool, threshold, low-confidence fallback, JSON file (this file)
//   ToolRAGTrainer    BCE with positive weight, per-example Adam, threshold tuned on held-out templates
//   ToolRAGEvaluation recall of gold tools, tools selected, prompt characters saved

/// What ToolRAG chose for one request.
public struct ToolSelection: Sendable, Equatable {
    /// The tools to describe in the prompt, in the tool set's order.
    public var tools: [String]
    /// p(tool is needed | request) for every tool the classifier knows.
    public var probabilities: [String: Float]
    /// True when confidence was too low and every tool was kept.
    public var fellBack: Bool
}

/// The ToolRAG classifier: for each tool l, p_l = σ(b_l + Σ_f x_f·W[f, l]) with x the request's
/// ``ToolRAGFeatures`` vector. A tool is selected when p_l ≥ ``threshold``. When no tool reaches
/// ``minConfidence`` (an unfamiliar request) or nothing is selected, every tool is kept (fallback).
/// Tools the classifier was not trained on are always kept.
///
/// File format (JSON, ``save(to:)``): `{"format": "edgeagent-toolrag", "version": 1, "labels": [tool…],
/// "features": {buckets, word_ngrams, char_ngram_min, char_ngram_max}, "threshold", "min_confidence",
/// "bias": [b_l], "weights": [{"indices": [f…], "values": [W[f, l]…]}] per label}`; zero weights are omitted.
public struct ToolRAGModel: Sendable, Equatable {
    /// The `format` value of a model file.
    public static let format = "edgeagent-toolrag"
    /// The file version this code writes and reads.
    public static let version = 1
    /// Default selection threshold (TinyAgent's `p > 0.5`; training tunes it for recall).
    public static let defaultThreshold: Float = 0.5
    /// Default fallback level: if no tool reaches it, all tools are kept.
    public static let defaultMinConfidence: Float = 0.5
    /// Where `edgeagent toolrag train` writes by default.
    public static let defaultPath = "models/toolrag.json"

    /// Tool names, one per output.
    public var labels: [String]
    public var features: ToolRAGFeatures
    public var threshold: Float
    public var minConfidence: Float
    /// b_l, one per label.
    public var bias: [Float]
    /// W, feature-major: W[f, l] = weights[f * labels.count + l]. (buckets × labels)
    public var weights: [Float]

    /// A model with zero weights (the trainer's starting point).
    public init(labels: [String], features: ToolRAGFeatures = ToolRAGFeatures(),
                threshold: Float = Self.defaultThreshold, minConfidence: Float = Self.defaultMinConfidence) {
        self.labels = labels
        self.features = features
        self.threshold = threshold
        self.minConfidence = minConfidence
        self.bias = [Float](repeating: 0, count: labels.count)
        self.weights = [Float](repeating: 0, count: features.buckets * labels.count)
    }

    /// p_l for each label of a feature vector.
    public func probabilities(_ x: ToolRAGFeatures.Vector) -> [Float] {
        (0..<labels.count).map { l in Self.sigmoid(bias[l] + x.dot(weights, stride: labels.count, offset: l)) }
    }

    /// p_l for each label of `query`, by name.
    public func probabilities(for query: String) -> [String: Float] {
        let p = probabilities(features.vector(query))
        return Dictionary(uniqueKeysWithValues: zip(labels, p))
    }

    /// The labels selected from probabilities `p` (in label order), or nil for a fallback to all tools.
    public func selectedLabels(_ p: [Float]) -> [String]? {
        guard let top = p.max(), top >= minConfidence else { return nil }
        let chosen = labels.indices.filter { p[$0] >= threshold }.map { labels[$0] }
        return chosen.isEmpty ? nil : chosen
    }

    /// The tools of `tools` to describe for `query` (tool-set order; `join` is never listed: the
    /// prompt describes it itself).
    public func select(_ query: String, from tools: ToolSet) -> ToolSelection {
        let p = probabilities(features.vector(query))
        let byName = Dictionary(uniqueKeysWithValues: zip(labels, p))
        let all = tools.tools.map(\.name).filter { $0 != ToolSet.joinName }
        guard let chosen = selectedLabels(p).map(Set.init) else {
            return ToolSelection(tools: all, probabilities: byName, fellBack: true)
        }
        // Unknown tools (not among the labels) are kept: the classifier cannot rule them out.
        let kept = all.filter { chosen.contains($0) || byName[$0] == nil }
        return ToolSelection(tools: kept, probabilities: byName, fellBack: false)
    }

    /// `tools` restricted to the selection for `query`: the function for ``Agent/selectTools``.
    public func toolSet(for query: String, from tools: ToolSet) -> ToolSet {
        let keep = Set(select(query, from: tools).tools)
        do {
            return try ToolSet(tools.tools.filter { keep.contains($0.name) || $0.name == ToolSet.joinName }, source: "<toolrag>")
        } catch {
            return tools   // unreachable: a subset of a valid set has no duplicates
        }
    }

    /// The ``Agent/selectTools`` closure of this model.
    public var selector: @Sendable (String, ToolSet) -> ToolSet {
        let model = self
        return { query, tools in model.toolSet(for: query, from: tools) }
    }

    /// σ(z) = 1 / (1 + e^(−z)).
    static func sigmoid(_ z: Float) -> Float { 1 / (1 + Foundation.exp(-z)) }
}

// MARK: - File IO

extension ToolRAGModel {
    /// The JSON form (sparse weights).
    struct File: Codable {
        struct Row: Codable {
            var indices: [Int]
            var values: [Float]
        }

        var format: String
        var version: Int
        var labels: [String]
        var features: ToolRAGFeatures
        var threshold: Float
        var minConfidence: Float
        var bias: [Float]
        var weights: [Row]

        enum CodingKeys: String, CodingKey {
            case format, version, labels, features, threshold, bias, weights
            case minConfidence = "min_confidence"
        }
    }

    /// The model as JSON bytes.
    public func encoded() throws(AgentError) -> Data {
        let L = labels.count
        let rows = (0..<L).map { l -> File.Row in
            var row = File.Row(indices: [], values: [])
            for f in 0..<features.buckets where weights[f * L + l] != 0 {
                row.indices.append(f)
                row.values.append(weights[f * L + l])
            }
            return row
        }
        let file = File(format: Self.format, version: Self.version, labels: labels, features: features,
                        threshold: threshold, minConfidence: minConfidence, bias: bias, weights: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return try encoder.encode(file) } catch { throw .toolRAG("cannot encode the model: \(error)") }
    }

    /// Reads a model from JSON bytes; `path` names the source in errors.
    public static func decode(_ data: Data, path: String) throws(AgentError) -> ToolRAGModel {
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .toolRAG("\(path) is not a ToolRAG model file (\(error)); make one with `edgeagent toolrag train`")
        }
        guard file.format == format else { throw .toolRAG("\(path): format is \"\(file.format)\", expected \"\(format)\"") }
        guard file.version == version else {
            throw .toolRAG("\(path): version \(file.version) is not supported (this build reads \(version)); retrain the model")
        }
        do { try file.features.validate() } catch { throw .toolRAG("\(path): \(error.description)") }
        let L = file.labels.count
        guard L > 0, Set(file.labels).count == L else { throw .toolRAG("\(path): labels must be non-empty and distinct") }
        guard file.bias.count == L, file.weights.count == L else {
            throw .toolRAG("\(path): \(L) labels but \(file.bias.count) biases and \(file.weights.count) weight rows")
        }
        var model = ToolRAGModel(labels: file.labels, features: file.features, threshold: file.threshold,
                                 minConfidence: file.minConfidence)
        model.bias = file.bias
        for (l, row) in file.weights.enumerated() {
            guard row.indices.count == row.values.count else {
                throw .toolRAG("\(path): weight row \(l) has \(row.indices.count) indices but \(row.values.count) values")
            }
            for (f, w) in zip(row.indices, row.values) {
                guard f >= 0 && f < file.features.buckets else {
                    throw .toolRAG("\(path): weight row \(l) has index \(f) outside 0..<\(file.features.buckets)")
                }
                model.weights[f * L + l] = w
            }
        }
        return model
    }

    /// Writes the model as JSON to `path`, creating its folder (atomically replaces an existing file).
    public func save(to path: String) throws(AgentError) {
        let data = try encoded()
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw .toolRAG("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a model written by ``save(to:)``.
    public static func load(path: String) throws(AgentError) -> ToolRAGModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .toolRAG("no model at \(path): train one with `edgeagent toolrag train --data F --out \(path)`")
        }
        return try decode(data, path: path)
    }
}
