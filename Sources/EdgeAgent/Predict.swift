import EdgeModel
import Foundation

/// A module that prompts the model once: instructions + demos + input → messages → model → parsed output.
///
/// The only holder of learnable state (STYLE §13): ``instructions`` and ``demos``, plus an optional
/// ``demoSelector`` that picks demos per input from a pool ("prompt optimization"; the other half of the
/// program is the fine-tuned weights). Every call is recorded in the context's ``Trace``, including calls
/// whose output fails to parse. Output is streamed to the context's observer as ``AgentEvent/modelText(module:text:)``.
public struct Predict<S: Signature>: Module {
    public typealias Input = S.Input
    public typealias Output = S.Output

    /// The prompt template text (see the signature for its slots).
    public var instructions: String
    /// Fixed demos, used when there is no selector.
    public var demos: [Demo]
    /// Picks demos per input; overrides ``demos`` when set.
    public var demoSelector: DemoSelector?
    public var options: CompletionOptions

    public init(instructions: String = S.defaultInstructions, demos: [Demo] = [], demoSelector: DemoSelector? = nil,
                options: CompletionOptions = S.defaultOptions) {
        self.instructions = instructions
        self.demos = demos
        self.demoSelector = demoSelector
        self.options = options
    }

    /// The demos this input would get.
    public func demos(for input: Input) -> [Demo] {
        guard let demoSelector, let key = S.demoKey(for: input) else { return demos }
        return demoSelector.select(for: key)
    }

    /// The exact messages this input would be sent as (for `plan --show-prompt`-style debugging).
    public func messages(for input: Input) throws -> [ChatMessage] {
        try S.messages(for: input, instructions: instructions, demos: demos(for: input))
    }

    public func callAsFunction(_ input: Input, in context: ModuleContext) async throws -> Output {
        let (output, _) = try await run(input, in: context)
        return output
    }

    /// Like calling the module, but also returns the raw completion.
    public func run(_ input: Input, in context: ModuleContext) async throws -> (Output, Completion) {
        let messages = try messages(for: input)
        if let limit = context.lm.contextLength {
            let estimate = CompletionText.approximateTokens(CompletionText.render(messages))
            if estimate >= limit { throw AgentError.contextOverflow(promptTokens: estimate, limit: limit) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var completion: Completion?
        var text = ""
        do {
            for try await event in context.lm.stream(messages, options: options) {
                switch event {
                case .text(let piece):
                    text += piece
                    context.emit(.modelText(module: S.name, text: piece))
                case .done(let c):
                    completion = c
                }
            }
        } catch {
            let latency = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            context.trace.record(module: S.name, messages: messages, output: text, promptTokens: 0,
                                 completionTokens: 0, latency: latency, error: "\(error)")
            throw error
        }
        guard let completion else {
            throw AgentError.model("the model's stream ended without a completion")
        }
        let id = context.trace.record(module: S.name, messages: messages, output: completion.text,
                                      promptTokens: completion.promptTokens,
                                      completionTokens: completion.completionTokens, latency: completion.latency)
        do {
            return (try S.parse(completion.text, for: input), completion)
        } catch {
            context.trace.markFailed(id, error: "\(error)")
            throw error
        }
    }
}

/// Chooses few-shot demos by similarity: the k pool entries whose input is closest to the query by
/// bag-of-words cosine similarity (lower-cased alphanumeric words, raw counts).
///
/// cos(a, b) = Σ_w a_w·b_w / (‖a‖·‖b‖); ties keep pool order. An empty query or pool gives the first k.
public struct DemoSelector: Sendable {
    public let pool: [Demo]
    public let k: Int
    private let vectors: [[String: Double]]
    private let norms: [Double]

    public init(pool: [Demo], k: Int) {
        self.pool = pool
        self.k = max(0, k)
        self.vectors = pool.map { Self.bag($0.input) }
        self.norms = vectors.map(Self.norm)
    }

    /// The k most similar demos, most similar first.
    public func select(for query: String) -> [Demo] {
        let q = Self.bag(query)
        let qn = Self.norm(q)
        let scored = pool.indices.map { i -> (Int, Double) in
            guard qn > 0, norms[i] > 0 else { return (i, 0) }
            let dot = q.reduce(0.0) { $0 + $1.value * (vectors[i][$1.key] ?? 0) }
            return (i, dot / (qn * norms[i]))
        }
        let ranked = scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return ranked.prefix(k).map { pool[$0.0] }
    }

    /// Cosine similarity of two texts' word bags (0 when either is empty).
    public static func similarity(_ a: String, _ b: String) -> Double {
        let (x, y) = (bag(a), bag(b))
        let (nx, ny) = (norm(x), norm(y))
        guard nx > 0, ny > 0 else { return 0 }
        return x.reduce(0.0) { $0 + $1.value * (y[$1.key] ?? 0) } / (nx * ny)
    }

    static func bag(_ text: String) -> [String: Double] {
        var counts: [String: Double] = [:]
        for word in text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            counts[String(word), default: 0] += 1
        }
        return counts
    }

    static func norm(_ v: [String: Double]) -> Double {
        v.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
