import EdgePlan
import Foundation
import Testing

/// `TinyAgentImport` on a hand-written file in TinyAgent's released format (Tests/Fixtures/tinyagent_sample.json).
@Suite struct ImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    static let sample = fixtures + "/tinyagent_sample.json"

    func temp(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgeplan-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func importsEveryEntryInFileOrder() throws {
        let r = try TinyAgentImport.read(path: Self.sample)
        #expect(r.skipped.isEmpty)
        #expect(r.examples.map(\.id) == ["5b1f6a0e-3c1d-4a53-9d0e-1f2a3b4c5d01", "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e02",
                                         "a1b2c3d4-e5f6-4789-8abc-def012345603"])
        let first = r.examples[0]
        #expect(first.query == "Send an email to Sid and Lutfi about the offsite next Friday.")
        #expect(first.tools == ["get_email_address", "compose_new_email"])
        #expect(first.source == "tinyagent:tinyagent_sample.json")
        #expect(first.now == "2024-05-20 14:03")
        #expect(first.plan.hasSuffix("4. join()\n<END_OF_PLAN>"))
        #expect(first.plan.contains("Thought: I have composed the email."))
        // An end marker already on the join line is kept, not doubled.
        #expect(r.examples[1].plan.hasSuffix("4. join()<END_OF_PLAN>"))
        #expect(r.examples[1].now == nil)
        #expect(r.examples[2].now == "2024-05-21 09:00")
        #expect(r.examples[2].tools == ["create_reminder"])
    }

    @Test func importedPlansValidateAndScorePerfectlyAgainstThemselves() throws {
        let tools = try ToolSet.tinyAgent
        for e in try TinyAgentImport.read(path: Self.sample).examples {
            #expect(PlanValidator(tools: tools).validate(e.plan).valid, "\(e.id)")
            #expect(try PlanMetric.score(gold: e.plan, prediction: e.plan).success == 1)
        }
    }

    @Test func unknownToolNamesFileLineAndKey() throws {
        let text = try String(contentsOfFile: Self.sample, encoding: .utf8)
            .replacingOccurrences(of: "\"tool_name\": \"create_note\"", with: "\"tool_name\": \"make_note\"")
        let path = try temp("bad.json", text)
        #expect(throws: DatasetError.invalidTinyAgent(path: path + ":29", key: "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e02",
                                                      reason: "parsed_output[2]: unknown tool 'make_note'")) {
            try TinyAgentImport.read(path: path)
        }
        let skipping = try TinyAgentImport.read(path: path, skipInvalid: true)
        #expect(skipping.examples.count == 2)
        #expect(skipping.skipped.map(\.key) == ["0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e02"])
    }

    @Test func rawOutputThatDisagreesWithParsedOutputIsRejected() throws {
        let text = try String(contentsOfFile: Self.sample, encoding: .utf8)
            .replacingOccurrences(of: "2. summarize_pdf(\\\"$1\\\")", with: "2. maps_open_location(\\\"$1\\\")")
        let path = try temp("bad.json", text)
        #expect {
            try TinyAgentImport.read(path: path)
        } throws: { error in
            "\(error)".contains("raw_output parses to [open_and_get_file_path, maps_open_location, create_note, join]")
        }
    }

    @Test func badFilesGiveClearErrors() throws {
        let empty = try temp("empty.json", "  \n")
        #expect(throws: DatasetError.emptyFile(path: empty)) { try TinyAgentImport.read(path: empty) }
        let list = try temp("list.json", "[1, 2]")
        #expect(throws: DatasetError.invalidJSON(path: list, line: 1, reason: "expected an object keyed by UUID strings")) {
            try TinyAgentImport.read(path: list)
        }
        let missing = try temp("missing.json", #"{"k1": {"output": []}}"#)
        #expect(throws: DatasetError.invalidTinyAgent(path: missing + ":1", key: "k1", reason: "missing string field \"input\"")) {
            try TinyAgentImport.read(path: missing)
        }
        #expect(throws: DatasetError.unreadable(path: "/nonexistent/x.json", reason: "no such file")) {
            try TinyAgentImport.read(path: "/nonexistent/x.json")
        }
    }
}
