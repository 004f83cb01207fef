import EdgePlan
import Foundation
import Testing

/// JSONL reading/writing and file scoring: every bad input gives a typed error naming file and line.
@Suite struct DatasetTests {
    func temp(_ text: String, name: String = "data.jsonl") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgeplan-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let plan = #"1. get_email_address(\"Sam\")\n2. compose_new_email([\"$1\"], [], \"Hi\", \"\", [])\n3. join()\n<END_OF_PLAN>"#

    @Test func roundTripsExamples() throws {
        let examples = DataGenerator(.init(count: 50, seed: 3)).generate()
        let path = try temp("")
        try JSONLines.write(examples, to: path)
        #expect(try JSONLines.examples(path) == examples)
        let firstLine = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")[0]
        #expect(firstLine.hasPrefix(#"{"id":"syn-3-0","now":"#))
    }

    @Test func badInputErrorsNameFileAndLine() throws {
        let empty = try temp("\n  \n")
        #expect(throws: DatasetError.emptyFile(path: empty)) { try JSONLines.plans(empty) }
        let notJSON = try temp("{\"id\": \"a\", \"plan\": \"1. join()\"}\n\nnot json\n")
        #expect { try JSONLines.plans(notJSON) } throws: { error in
            guard case DatasetError.invalidJSON(let p, let line, _) = error else { return false }
            return p == notJSON && line == 3 && "\(error)".hasPrefix("\(notJSON):3: not a JSON object")
        }
        let array = try temp("[1]\n")
        #expect(throws: DatasetError.invalidJSON(path: array, line: 1, reason: "expected an object {…}, got an array")) {
            try JSONLines.plans(array)
        }
        let missing = try temp("{\"id\": \"a\", \"plan\": \"x\"}\n{\"id\": \"b\"}\n")
        #expect(throws: DatasetError.missingField(path: missing, line: 2, field: "plan")) { try JSONLines.plans(missing) }
        let wrong = try temp("{\"id\": 7, \"plan\": \"x\"}\n")
        #expect(throws: DatasetError.wrongType(path: wrong, line: 1, field: "id", expected: "a string")) { try JSONLines.plans(wrong) }
        let dup = try temp("{\"id\": \"a\", \"plan\": \"x\"}\n{\"id\": \"a\", \"plan\": \"y\"}\n")
        #expect(throws: DatasetError.duplicateID(path: dup, line: 2, id: "a", firstLine: 1)) { try JSONLines.plans(dup) }
        let noTools = try temp("{\"id\": \"a\", \"query\": \"q\", \"plan\": \"x\", \"source\": \"s\"}\n")
        #expect(throws: DatasetError.missingField(path: noTools, line: 1, field: "tools")) { try JSONLines.examples(noTools) }
        #expect(throws: DatasetError.unreadable(path: "/nonexistent/d.jsonl", reason: "no such file")) {
            try JSONLines.examples("/nonexistent/d.jsonl")
        }
    }

    @Test func scoringFilesReportsMissingIDsAndBadGold() throws {
        let gold = try temp("{\"id\": \"a\", \"plan\": \"\(Self.plan)\"}\n{\"id\": \"b\", \"plan\": \"1. join()\"}\n{\"id\": \"c\", \"plan\": \"1. join()\"}\n", name: "gold.jsonl")
        let pred = try temp("{\"id\": \"a\", \"plan\": \"\(Self.plan)\"}\n{\"id\": \"z\", \"plan\": \"1. join()\"}\n", name: "pred.jsonl")
        #expect(throws: DatasetError.mismatchedIDs(goldPath: gold, predPath: pred, missingInPred: ["b", "c"], extraInPred: ["z"])) {
            try MetricFiles.score(goldPath: gold, predPath: pred)
        }
        let message = DatasetError.mismatchedIDs(goldPath: "g", predPath: "p", missingInPred: ["b", "c"], extraInPred: []).description
        #expect(message == #"2 id(s) of g missing from p: "b", "c""#)

        let badGold = try temp("{\"id\": \"a\", \"plan\": \"1. join()\"}\n{\"id\": \"b\", \"plan\": \"1. make_coffee()\\n2. join()\"}\n", name: "gold.jsonl")
        let okPred = try temp("{\"id\": \"b\", \"plan\": \"\"}\n{\"id\": \"a\", \"plan\": \"1. join()\"}\n", name: "pred.jsonl")
        #expect(throws: DatasetError.unknownTool(path: badGold, line: 2, tool: "make_coffee")) {
            try MetricFiles.score(goldPath: badGold, predPath: okPred)
        }

        let good = try MetricFiles.score(goldPath: gold, predPath: try temp(
            "{\"id\": \"c\", \"plan\": \"nothing\"}\n{\"id\": \"b\", \"plan\": \"1. join()\"}\n{\"id\": \"a\", \"plan\": \"\(Self.plan)\"}\n"))
        #expect(good.ids == ["a", "b", "c"])
        #expect(good.scores.map(\.success) == [1, 1, 0])
        #expect(good.report.overall.n == 3)
    }

    @Test func statsCountToolsAndLengths() throws {
        let examples = [
            DatasetExample(id: "1", query: "q", plan: "1. get_email_address(\"A\")\n2. compose_new_email([\"$1\"], [], \"s\", \"\", [])\n3. join()",
                           tools: [], source: "synthetic:email_contact/0"),
            DatasetExample(id: "2", query: "qq", plan: "1. maps_open_location(\"x\")\n2. maps_open_location(\"y\")\n3. join()",
                           tools: [], source: "tinyagent:test.json"),
        ]
        let s = DatasetStats(examples)
        #expect(s.examples == 2)
        #expect(s.bySteps == ["2": 2])
        #expect(s.byTool["maps_open_location"] == .init(examples: 1, calls: 2))
        #expect(s.byTool["get_email_address"] == .init(examples: 1, calls: 1))
        #expect(s.bySource == ["synthetic": 1, "tinyagent": 1])
        #expect(s.withDependencies == 1)
        #expect(s.withParallelSteps == 1)
        #expect(s.text.contains("maps_open_location"))
    }
}
