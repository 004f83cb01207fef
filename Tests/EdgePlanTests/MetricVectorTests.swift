import EdgePlan
import Foundation
import Testing

/// Expected results computed by TinyAgent's own metric code with networkx 3.6.1:
/// Tests/Fixtures/gen_metric_vectors.py writes Tests/Fixtures/metric/{vectors,literal_eval}.json.
enum MetricFixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/metric").path

    struct Vector: Decodable {
        let name: String
        let label: String
        let pred: String
        let sr: Double
        let ged: Int?
        let acc: Double
        let recall: Double
        let exception: String?
        let pred_tools: [String]
    }

    struct LiteralVector: Decodable {
        let text: String
        let args: [Tagged]
    }

    /// `{"str": …}`, `{"list": […]}`, `{"tuple": […]}`, `{"int": n}`, `{"bigint": "…"}`, `{"float": x}`,
    /// `{"bool": b}`, `{"none": null}` or `{"other": "<python type>"}`.
    indirect enum Tagged: Decodable, Equatable {
        case str(String), list([Tagged]), tuple([Tagged]), int(Int), bigint(String), float(Double), bool(Bool), none
        case other(String)

        enum K: String, CodingKey { case str, list, tuple, int, bigint, float, bool, none, other }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: K.self)
            if let v = try c.decodeIfPresent(String.self, forKey: .str) { self = .str(v) }
            else if let v = try c.decodeIfPresent([Tagged].self, forKey: .list) { self = .list(v) }
            else if let v = try c.decodeIfPresent([Tagged].self, forKey: .tuple) { self = .tuple(v) }
            else if let v = try c.decodeIfPresent(Int.self, forKey: .int) { self = .int(v) }
            else if let v = try c.decodeIfPresent(String.self, forKey: .bigint) { self = .bigint(v) }
            else if let v = try c.decodeIfPresent(Double.self, forKey: .float) { self = .float(v) }
            else if let v = try c.decodeIfPresent(Bool.self, forKey: .bool) { self = .bool(v) }
            else if c.contains(.none) { self = .none }
            else { self = .other(try c.decode(String.self, forKey: .other)) }
        }

        init(_ v: TinyAgentValue) {
            switch v {
            case .string(let s): self = .str(s)
            case .list(let a): self = .list(a.map(Tagged.init))
            case .tuple(let a): self = .tuple(a.map(Tagged.init))
            case .int(let n): self = .int(n)
            case .bigInt(let s): self = .bigint(s)
            case .float(let d): self = .float(d)
            case .bool(let b): self = .bool(b)
            case .none: self = .none
            case .bytes: self = .other("bytes")
            case .complex: self = .other("complex")
            case .set: self = .other("set")
            case .dict: self = .other("dict")
            case .ellipsis: self = .other("ellipsis")
            }
        }

    }

    static func vectors() throws -> [Vector] {
        struct File: Decodable { let vectors: [Vector] }
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/vectors.json"))
        return try JSONDecoder().decode(File.self, from: data).vectors
    }

    static func literals() throws -> [LiteralVector] {
        struct File: Decodable { let vectors: [LiteralVector] }
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/literal_eval.json"))
        return try JSONDecoder().decode(File.self, from: data).vectors
    }
}

@Suite struct MetricVectorTests {
    @Test func fixtureCoversAppendixBAndIssueCases() throws {
        let names = try Set(MetricFixtures.vectors().map(\.name))
        #expect(names.filter { $0.hasPrefix("B ") }.count == 24)
        #expect(try MetricFixtures.vectors().count >= 200)
        for required in ["reordered independent steps", "swapped dependencies", "same tools different structure",
                         "duplicate tools permuted", "join only identical", "join only vs empty"] {
            #expect(names.contains(required), "missing hand-built case \(required)")
        }
    }

    /// Every pair: success, GED, evaluate_plan, tool recall and the parsed tools agree exactly with networkx.
    @Test func agreesWithReferenceOnEveryVector() throws {
        for v in try MetricFixtures.vectors() {
            let s = try PlanMetric.score(gold: v.label, prediction: v.pred)
            #expect(s.success == v.sr, "\(v.name): success")
            #expect(s.stepAccuracy == v.acc, "\(v.name): evaluate_plan")
            #expect(s.toolRecall == v.recall, "\(v.name): tool recall")
            #expect(TinyAgentParse.steps(v.pred).map(\.tool) == v.pred_tools, "\(v.name): parsed tools")
            if let ged = v.ged {
                #expect(s.predictionError == nil, "\(v.name): unexpected error \(s.predictionError ?? "")")
                #expect(s.editDistance == ged, "\(v.name): GED")
            } else {
                #expect(s.predictionError != nil, "\(v.name): reference raised \(v.exception ?? "?") but we built a DAG")
                let gold = try PlanDAG(text: v.label)
                #expect(s.editDistance == gold.nodeCount + gold.edges.count, "\(v.name): GED of a failed prediction")
            }
        }
    }

    /// `_parse_llm_compiler_action_args` (ast.literal_eval plus TinyAgent's wrapping) on tricky texts.
    @Test func argumentParsingAgreesWithPython() throws {
        for v in try MetricFixtures.literals() {
            let got = TinyAgentParse.arguments(v.text).map(MetricFixtures.Tagged.init)
            #expect(got == v.args, "literal_eval(\(v.text.debugDescription))")
        }
    }
}
