import EdgeModel
import Foundation

/// A deterministic fake model: canned outputs chosen by call order or by what the prompt contains.
///
/// Lives in EdgeAgent (not EdgeTestSupport) so tests, `--dry-run` demos and the REPL's own tests can all
/// use it without making the shared test-support target depend on GRDB.
///
/// Resolution for each call (1-based call number `n`, prompt = all messages rendered):
/// 1. the first ``Rule`` whose `contains` text occurs in the prompt (and whose `role`, if set, is the
///    role of a message containing it) answers with its next reply; its last reply repeats;
/// 2. otherwise the next unused entry of the sequential `outputs`;
/// 3. otherwise the call throws ``AgentError/scriptExhausted(call:)``.
///
/// Stop sequences of the options are applied to the canned text, as a real model would stop there.
/// Token counts are ``CompletionText/approximateTokens(_:)``; latency is measured.
public final class ScriptedLanguageModel: LanguageModel, @unchecked Sendable {
    /// A reply chosen by prompt content.
    public struct Rule: Sendable {
        public var contains: String
        public var role: String?
        public var replies: [String]

        public init(contains: String, role: String? = nil, replies: [String]) {
            self.contains = contains
            self.role = role
            self.replies = replies
        }

        public init(contains: String, role: String? = nil, reply: String) {
            self.init(contains: contains, role: role, replies: [reply])
        }
    }

    /// One recorded call.
    public struct Call: Sendable {
        public var messages: [ChatMessage]
        public var options: CompletionOptions
        public var output: String
    }

    public let name: String
    public let contextLength: Int?
    private let rules: [Rule]
    private let outputs: [String]
    private let handler: (@Sendable ([ChatMessage], Int) throws -> String?)?
    private let lock = NSLock()
    private var ruleUses: [Int: Int] = [:]
    private var nextOutput = 0
    private var recorded: [Call] = []

    /// Replies in call order.
    public convenience init(_ outputs: [String], name: String = "scripted") {
        self.init(rules: [], outputs: outputs, name: name)
    }

    /// Replies chosen by prompt content, then `outputs` in order for calls no rule matches.
    /// `handler`, when given, is asked first with (messages, call number); returning nil falls through.
    public init(rules: [Rule], outputs: [String] = [], name: String = "scripted", contextLength: Int? = nil,
                handler: (@Sendable ([ChatMessage], Int) throws -> String?)? = nil) {
        self.name = name
        self.rules = rules
        self.outputs = outputs
        self.contextLength = contextLength
        self.handler = handler
    }

    /// Every call so far, in order.
    public var calls: [Call] { lock.withLock { recorded } }

    public func complete(_ messages: [ChatMessage], options: CompletionOptions) async throws -> Completion {
        let start = DispatchTime.now().uptimeNanoseconds
        let prompt = CompletionText.render(messages)
        let raw = try choose(messages: messages, prompt: prompt)
        let (text, _) = CompletionText.applyingStops(raw, stops: options.stopSequences)
        lock.withLock { recorded.append(Call(messages: messages, options: options, output: text)) }
        let latency = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Completion(text: text, promptTokens: CompletionText.approximateTokens(prompt),
                          completionTokens: CompletionText.approximateTokens(text), latency: latency, finishReason: .stop)
    }

    /// Streams the canned reply line by line (each piece ends with its newline), so streaming
    /// consumers see several chunks.
    public func stream(_ messages: [ChatMessage], options: CompletionOptions) -> AsyncThrowingStream<CompletionEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let completion = try await self.complete(messages, options: options)
                    var piece = ""
                    for ch in completion.text {
                        piece.append(ch)
                        if ch == "\n" { continuation.yield(.text(piece)); piece = "" }
                    }
                    if !piece.isEmpty { continuation.yield(.text(piece)) }
                    continuation.yield(.done(completion))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func choose(messages: [ChatMessage], prompt: String) throws -> String {
        let callNumber = lock.withLock { recorded.count + 1 }
        if let handler, let reply = try handler(messages, callNumber) { return reply }
        return try lock.withLock { () throws -> String in
            for (i, rule) in rules.enumerated() where matches(rule, messages: messages, prompt: prompt) {
                guard !rule.replies.isEmpty else { continue }
                let use = ruleUses[i, default: 0]
                ruleUses[i] = use + 1
                return rule.replies[min(use, rule.replies.count - 1)]
            }
            guard nextOutput < outputs.count else { throw AgentError.scriptExhausted(call: callNumber) }
            defer { nextOutput += 1 }
            return outputs[nextOutput]
        }
    }

    private func matches(_ rule: Rule, messages: [ChatMessage], prompt: String) -> Bool {
        guard let role = rule.role else { return prompt.contains(rule.contains) }
        return messages.contains { $0.role == role && $0.content.contains(rule.contains) }
    }
}
