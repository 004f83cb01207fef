// Schema-constrained plan decoding (DESIGN.md "Plans"; reference/tinyagent.md §2.2).
//
//     let factory = PlanConstraintFactory(tools: try ToolSet.tinyAgent, tokenizer: m.tokenizer,
//                                         vocabularySize: m.config.vocabSize, stopTokenIds: m.stopTokenIds)
//     var c = factory.make()                 // one per generation (mutable state)
//     c.setTokenBudget(request.maxNewTokens) // optional: close the plan within this many tokens
//     try generator.generate(request, constraint: c)
//
// Per generated token: `accept` feeds the token's bytes to the automaton (PlanAutomaton.swift) and looks
// up the next state's allowed-token bitset in a cache shared by the factory's constraints (computed on a
// miss by walking the vocabulary trie, PlanVocabulary.swift); `allows` is one bit test. Grammar and its
// simplifications (no `Thought:` lines, canonical spacing, double quotes) are documented in PlanGrammar.swift.
import Dispatch
import EdgeModel
import EdgePlan

/// A constraint that can be told how many tokens the generation may still produce, so it finishes its
/// structure in time (a plan cut off by the token limit would be invalid).
public protocol TokenBudgetConstraint: TokenConstraint {
    /// At most `tokens` tokens will be generated from now on (stop tokens not counted).
    mutating func setTokenBudget(_ tokens: Int)
}

/// Builds ``PlanConstraint``s for one tool set and one tokenizer; holds the compiled grammar, the vocabulary
/// trie and the allowed-token cache, so build it once per model and reuse it across requests.
public final class PlanConstraintFactory: Sendable {
    public let grammar: PlanGrammar
    public let vocabulary: PlanVocabulary
    /// EOS / end-of-turn ids: allowed only after `<END_OF_PLAN>`.
    public let stopTokenIds: Set<Int32>
    let cache = PlanMaskCache()
    let stopBits: [UInt64]

    /// - Parameters:
    ///   - vocabularySize: the model's vocabulary (logits' length), at least the tokenizer's.
    ///   - stopTokenIds: usually `LoadedModel.stopTokenIds`.
    public init(tools: ToolSet, tokenizer: any Tokenizer, vocabularySize: Int? = nil, stopTokenIds: Set<Int32> = []) {
        grammar = PlanGrammar(tools: tools)
        vocabulary = PlanVocabulary(tokenizer: tokenizer, count: vocabularySize)
        self.stopTokenIds = stopTokenIds
        var bits = [UInt64](repeating: 0, count: vocabulary.words)
        for id in stopTokenIds where id >= 0 && Int(id) < vocabulary.count { bits[Int(id) >> 6] |= 1 << UInt64(id & 63) }
        stopBits = bits
    }

    /// A fresh constraint at the start of a plan.
    public func make() -> PlanConstraint { PlanConstraint(factory: self) }

    /// Allowed tokens of `state` (cached), stop tokens included once the plan is complete.
    func mask(for state: PlanAutomaton) -> PlanMask {
        if state.isComplete { return PlanMask(bits: stopBits, worstCompletion: 0) }
        return cache.mask(for: state) { vocabulary.allowed(from: state, grammar: grammar) }
    }

    /// Cache hits, misses and entries so far (for benchmarks).
    public var cacheStatistics: (hits: Int, misses: Int, entries: Int) { cache.statistics }

    /// Tokens accepted by this factory's constraints and the seconds spent in `accept` (automaton, mask
    /// lookup or computation, budget filter): the constraint's own cost per generated token.
    public var acceptTiming: (tokens: Int, seconds: Double) { cache.timing }
}

/// Only allows tokens that keep the generated text a prefix of a plan valid for the factory's tool set
/// (step numbers in order, known tools, argument count and types per schema, `$N` only to earlier steps,
/// `join()` last, then `<END_OF_PLAN>`); stop tokens only after the end marker, where ``isComplete`` is true.
///
/// With a token budget (``setTokenBudget(_:)``) it also refuses any token after which the plan could no
/// longer be finished within the budget (fewest bytes to finish, one byte per token), so generation always
/// ends with a complete plan. This needs single-byte tokens for printable ASCII and `\n`, which byte-level
/// BPE, byte-fallback SentencePiece and the byte tokenizer all have.
public struct PlanConstraint: TokenBudgetConstraint, Sendable {
    let factory: PlanConstraintFactory
    /// The automaton after the accepted tokens.
    public private(set) var state = PlanAutomaton()
    private var mask: [UInt64]
    private var budget: Int?
    /// Tokens accepted so far.
    public private(set) var acceptedTokens = 0
    /// A token the constraint did not allow was accepted (the caller ignored ``allows(_:)``); from then on
    /// nothing is allowed.
    public private(set) var violated = false

    init(factory: PlanConstraintFactory) {
        self.factory = factory
        mask = factory.mask(for: state).bits
    }

    public func allows(_ token: Int32) -> Bool {
        let i = Int(token)
        guard i >= 0 && i < factory.vocabulary.count else { return false }
        return mask[i >> 6] >> UInt64(i & 63) & 1 != 0
    }

    public mutating func accept(_ token: Int32) {
        guard !violated else { return }
        if factory.stopTokenIds.contains(token) {
            if !state.isComplete { markViolated() }
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { factory.cache.record(nanoseconds: DispatchTime.now().uptimeNanoseconds - start) }
        let i = Int(token)
        var next = state
        guard i >= 0 && i < factory.vocabulary.count, next.feed(Array(factory.vocabulary.tokenBytes(i)), factory.grammar) else {
            markViolated()
            return
        }
        state = next
        acceptedTokens += 1
        refreshMask()
    }

    public var isComplete: Bool { state.isComplete }

    public mutating func setTokenBudget(_ tokens: Int) {
        budget = acceptedTokens + max(0, tokens)
        refreshMask()
    }

    private mutating func markViolated() {
        violated = true
        mask = [UInt64](repeating: 0, count: factory.vocabulary.words)
    }

    private mutating func refreshMask() {
        let entry = factory.mask(for: state)
        mask = entry.bits
        guard let budget, !state.isComplete else { return }
        // Tokens left after the next one; only when some allowed token would leave more to write than that is
        // the (uncached) filtered walk needed.
        let left = budget - acceptedTokens - 1
        if left >= entry.worstCompletion { return }
        mask = left < 0 ? [UInt64](repeating: 0, count: mask.count)
            : factory.vocabulary.allowed(from: state, grammar: factory.grammar, limit: left).bits
    }
}
