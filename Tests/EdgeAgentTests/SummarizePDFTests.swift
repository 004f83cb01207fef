import EdgePlan
import Foundation
import Testing
@testable import EdgeAgent

@Suite struct SummarizePDFTests {
    /// A one-page PDF showing `text` in Helvetica, with a correct cross-reference table.
    static func pdf(_ text: String) -> Data {
        let stream = "BT /F1 12 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, body) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(body)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { out += String(format: "%010d 00000 n \n", o) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }

    static var hasPdftotext: Bool { ToolEnvironment.pathFromEnvironment().contains { FileManager.default.isExecutableFile(atPath: $0 + "/pdftotext") } }

    @Test(.enabled(if: hasPdftotext, "needs pdftotext (poppler-utils)"))
    func summarizesWithTheSubAgent() async throws {
        let env = try AgentFixture.environment()
        try Self.pdf("Revenue grew 12 percent in the first quarter").write(to: env.workspace.root.appendingPathComponent("report.pdf"))
        let lm = ScriptedLanguageModel(rules: [
            .init(contains: "Answer the question from the results of the plan below", reply: "Thought: done\nAction: Finish(Summary)"),
            .init(contains: "PDF Content:", reply: "Revenue rose 12% in Q1."),
            .init(contains: "Question: Summarize report.pdf", reply: """
                1. open_and_get_file_path("report.pdf")
                2. summarize_pdf("$1")
                3. join()<END_OF_PLAN>
                """),
        ])
        let agent = Agent(executor: PlanExecutor(runtime: try AgentFixture.runtime(env)))
        let trace = Trace()
        let response = try await agent("Summarize report.pdf", in: AgentFixture.context(lm, trace: trace))
        #expect(response.answer == "Revenue rose 12% in Q1.")   // Finish(Summary) → cached summary
        let pdfCall = try #require(lm.calls.first { $0.messages.last?.content.contains("PDF Content:") == true })
        #expect(pdfCall.messages.last?.content.contains("Revenue grew 12 percent in the first quarter") == true)
        #expect(trace.entries.map(\.module) == ["planner", "summarize_pdf", "joiner"])
    }

    @Test func missingPdftotextIsAClearError() async throws {
        let env = try AgentFixture.environment(programSearchPath: [])
        try Self.pdf("x").write(to: env.workspace.root.appendingPathComponent("a.pdf"))
        let executor = PlanExecutor(runtime: try AgentFixture.runtime(env))
        let run = try await executor(PlanExecution(plan: try Plan.parse("1. summarize_pdf(\"a.pdf\")\n2. join()"), query: "q"),
                                     in: AgentFixture.context())
        #expect(run.steps[0].observation.contains("pdftotext is not installed"))
        #expect(run.steps[0].observation.contains("apt-get install poppler-utils"))
    }

    @Test func missingFileIsTinyAgentsString() async throws {
        let env = try AgentFixture.environment()
        let executor = PlanExecutor(runtime: try AgentFixture.runtime(env))
        let run = try await executor(PlanExecution(plan: try Plan.parse("1. summarize_pdf(\"nothing.pdf\")\n2. join()"), query: "q"),
                                     in: AgentFixture.context())
        #expect(run.steps[0].observation == "The PDF file path is invalid or the file doesn't exist.")
    }
}
