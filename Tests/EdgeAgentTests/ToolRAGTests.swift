import EdgePlan
import EdgeTestSupport
import Foundation
import Testing
@testable import EdgeAgent

/// ToolRAG trained on generated planning data: held-out recall, prompt saving, file round trip, fallback.
@Suite struct ToolRAGTests {
    /// 4,000 generated examples (seed 7); 20 % drawn from unseen templates, which training never sees.
    static let data: (train: [DatasetExample], test: [DatasetExample]) = {
        let all = DataGenerator(DataGenerator.Options(count: 4000, seed: 7, unseenFraction: 0.2)).generate()
        return (all.filter { DataGenerator.split(ofSource: $0.source) == .train },
                all.filter { DataGenerator.split(ofSource: $0.source) == .unseen })
    }()

    /// Training is deterministic, so one shared model serves every test.
    static let trained: (model: ToolRAGModel, report: ToolRAGTrainingReport)? = try? ToolRAGTrainer.train(data.train)

    @Test func heldOutRecallAndPromptSaving() throws {
        let (model, training) = try #require(Self.trained)
        let test = Self.data.test
        #expect(test.count > 500)
        let report = ToolRAGEvaluation.evaluate(model, test, tools: try ToolSet.tinyAgent)
        // The acceptance bar: every gold tool selected on ≥ 95 % of requests phrased by unseen templates.
        #expect(report.recall >= 0.95, "held-out recall \(report.recall) at threshold \(model.threshold)")
        #expect(report.toolRecall >= report.recall)
        // It must also select: far fewer than 16 tools on average, so the prompt really shrinks.
        #expect(report.meanToolsSelected < 8, "mean tools \(report.meanToolsSelected)")
        #expect(report.descriptionCharsSavedFraction > 0.4)
        #expect(report.meanPromptTokensSaved == report.meanDescriptionCharsSaved / 4)
        #expect(training.threshold == model.threshold)
        #expect(training.validationExamples > 0 && training.examples == Self.data.train.count)
    }

    @Test func obviousRequestsPickTheirTools() throws {
        let (model, _) = try #require(Self.trained)
        let tools = try ToolSet.tinyAgent
        let sms = model.select("Text Alice that I will be ten minutes late", from: tools)
        #expect(!sms.fellBack && sms.tools.contains("send_sms") && sms.tools.contains("get_phone_number"))
        #expect(sms.tools.count < 10 && !sms.tools.contains("create_note"))
        #expect((sms.probabilities["send_sms"] ?? 0) > 0.5 && (sms.probabilities["create_note"] ?? 1) < 0.01)
        let maps = model.select("How do I drive to the Golden Gate Bridge?", from: tools)
        #expect(maps.tools.contains("maps_show_directions") && !maps.tools.contains("create_note"))
        #expect((maps.probabilities["maps_show_directions"] ?? 0) > 0.5)
        // The Agent seam gets a ToolSet in the runtime's order.
        let subset = model.selector("Text Alice that I will be ten minutes late", tools)
        #expect(subset.tools.map(\.name).filter { $0 != ToolSet.joinName } == sms.tools)
    }

    @Test func lowConfidenceFallsBackToAllTools() throws {
        let (model, _) = try #require(Self.trained)
        let tools = try ToolSet.tinyAgent
        let nothing = model.select("", from: tools)
        #expect(nothing.fellBack && nothing.tools.count == 16)
        var strict = model
        strict.minConfidence = 1.01          // nothing can be that sure
        let all = strict.select("Text Alice that I am late", from: tools)
        #expect(all.fellBack && all.tools == TinyAgentToolNames.all)
        // A tool the classifier has no label for is always kept.
        var extended = tools
        try extended.add(ToolSchema(name: "weather", description: "Weather.", arguments: [], returns: .string), source: "test")
        #expect(model.select("Text Alice that I am late", from: extended).tools.contains("weather"))
    }

    @Test func saveLoadRoundTrip() throws {
        let (model, _) = try #require(Self.trained)
        let dir = try TestSupport.temporaryDirectory("toolrag")
        let path = dir.appendingPathComponent("models/toolrag.json").path
        try model.save(to: path)
        let loaded = try ToolRAGModel.load(path: path)
        #expect(loaded == model)
        let query = "Remind me to call the dentist tomorrow at 9am"
        #expect(loaded.probabilities(for: query) == model.probabilities(for: query))
        // Sparse file: only the hash slots training touched (dense 65,536 × 16 floats would be ~12 MB of JSON).
        let bytes = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(bytes < 6_000_000)
    }

    @Test func badFilesAreTypedErrors() throws {
        let dir = try TestSupport.temporaryDirectory("toolrag-bad")
        #expect(throws: AgentError.self) { _ = try ToolRAGModel.load(path: dir.appendingPathComponent("none.json").path) }
        let wrong = #"{"format": "something-else", "version": 1}"#
        #expect(throws: AgentError.self) { _ = try ToolRAGModel.decode(Data(wrong.utf8), path: "x.json") }
        var model = ToolRAGModel(labels: ["a", "b"], features: ToolRAGFeatures(buckets: 8))
        model.weights[3] = 0.5
        var json = String(decoding: try model.encoded(), as: UTF8.self)
        #expect(try ToolRAGModel.decode(Data(json.utf8), path: "ok.json") == model)
        json = json.replacingOccurrences(of: #""version":1"#, with: #""version":99"#)
        #expect(throws: AgentError.self) { _ = try ToolRAGModel.decode(Data(json.utf8), path: "v.json") }
        #expect(throws: AgentError.self) { _ = try ToolRAGTrainer.train([]) }
    }

    @Test func featuresAreStableAndNormalised() {
        let f = ToolRAGFeatures()
        #expect(ToolRAGFeatures.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(ToolRAGFeatures.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)     // FNV-1a 64 test vector
        let v = f.vector("Send an SMS to Bob")
        #expect(v == f.vector("send an sms, to BOB!"))                   // case and punctuation do not matter
        #expect(abs(Float(v.indices.count) * v.value * v.value - 1) < 1e-5)
        #expect(f.strings("hi you").prefix(3) == ["w:hi", "w:you", "w:hi you"])
        #expect(f.vector("  ").indices.isEmpty)
    }
}
