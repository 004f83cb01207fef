import Testing
@testable import EdgeAgent

@Suite struct AgentErrorTests {
    @Test func arityMessageMatchesTinyAgentIntendedForm() {
        let e = AgentError.arity(tool: "summarize_pdf", expected: 1...1, got: 2)
        #expect(e.description == "summarize_pdf() takes 1 positional arguments but 2 were given")
    }
}
