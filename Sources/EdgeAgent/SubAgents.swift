import EdgeModel
import Foundation

/// What the email composer is given (reference §6): the plan's context text, the user's query, and for
/// replies the thread being answered.
public struct EmailRequest: Sendable {
    public enum Mode: String, Sendable { case new, reply, forward }
    public var mode: Mode
    public var context: String
    public var query: String
    public var thread: String?

    public init(mode: Mode, context: String, query: String, thread: String? = nil) {
        self.mode = mode
        self.context = context
        self.query = query
        self.thread = thread
    }
}

/// The email-composer sub-agent's prompt: writes the body only (no subject).
public enum ComposeEmailSignature: Signature {
    public typealias Input = EmailRequest
    public typealias Output = String

    public static let name = "compose_email"
    public static let defaultInstructions = """
    You are an expert email composer. Write the body of {{what}} from the context and the user's query: \
    a greeting, a clear and complete body, and a professional sign-off. Do not write a subject line. \
    Output only the email body.
    """
    public static var defaultOptions: CompletionOptions { CompletionOptions(maxTokens: 400, temperature: 0) }

    public static func messages(for input: EmailRequest, instructions: String, demos: [Demo]) throws -> [ChatMessage] {
        let what: String
        switch input.mode {
        case .new: what = "a new email"
        case .reply: what = "a reply to the last email in the thread"
        case .forward: what = "a very short note to go with a forwarded email"
        }
        var context = input.context
        if let thread = input.thread {
            let collapsed = thread.replacingOccurrences(of: "\n{2,}", with: "\n", options: .regularExpression)
            context += "\nEmail Thread:\n" + collapsed
        }
        var user = demos.map { "Context:\n\($0.input)\nEmail Body:\n\($0.output)\n###\n" }.joined()
        user += "Context:\n\(context)\nQuery: \(input.query)\nEmail Body:\n"
        return [.system(try AgentPrompts.render(instructions, name: "compose_email prompt", ["what": what])), .user(user)]
    }

    public static func parse(_ text: String, for input: EmailRequest) throws -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The PDF summarizer sub-agent's prompt.
public enum SummarizePDFSignature: Signature {
    public typealias Input = String
    public typealias Output = String

    public static let name = "summarize_pdf"
    public static let defaultInstructions = """
    You are an expert PDF summarizer. Write an informative summary of the document below: \
    its main points and the key details a reader needs. Output only the summary.
    """
    public static var defaultOptions: CompletionOptions { CompletionOptions(maxTokens: 400, temperature: 0) }

    public static func messages(for input: String, instructions: String, demos: [Demo]) throws -> [ChatMessage] {
        [.system(try AgentPrompts.render(instructions, name: "summarize_pdf prompt", [:])),
         .user("PDF Content:\n\(input)\nSummary:\n")]
    }

    public static func parse(_ text: String, for input: String) throws -> String {
        let summary = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !summary.isEmpty else { throw AgentError.model("the summarizer returned an empty summary") }
        return summary
    }
}

/// The sub-agent modules the tools use; each is a ``Predict`` (its instructions and demos can be tuned).
public struct SubAgents: Sendable {
    /// Characters of PDF text passed to the summarizer; the rest is cut (the context guard of reference §6,
    /// by characters because the tools do not know the model's tokenizer).
    public static let defaultMaxPDFCharacters = 12_000

    public var composeEmail: Predict<ComposeEmailSignature>
    public var summarizePDF: Predict<SummarizePDFSignature>
    public var maxPDFCharacters: Int

    public init(composeEmail: Predict<ComposeEmailSignature> = Predict(),
                summarizePDF: Predict<SummarizePDFSignature> = Predict(),
                maxPDFCharacters: Int = Self.defaultMaxPDFCharacters) {
        self.composeEmail = composeEmail
        self.summarizePDF = summarizePDF
        self.maxPDFCharacters = maxPDFCharacters
    }
}
