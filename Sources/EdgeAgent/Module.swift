import EdgeModel
import Foundation

// LLM-program modules in the spirit of DSPy, with Swift types (STYLE §13):
//
//   Module                 typed Input → typed Output, async; `callAsFunction(_:in:)`
//   Signature              a prompt's typed contract: how an input becomes messages, how text becomes output
//   Predict<S: Signature>  the only holder of learnable state: instructions + demos (+ a demo selector)
//   DemoSelector           picks the k training examples most similar to the input (bag-of-words cosine)
//   Chain / .then(_:)      sequential composition when one module's output is the next one's input
//   Planner, Joiner        Predict-based modules for plans and finish/replan decisions
//   PlanExecutor           the non-LM module that runs a plan's DAG
//   Agent                  planner → executor → joiner with the replan loop
//
// Nothing is global: the model, the trace and the event observer travel in `ModuleContext`.

/// Something the program reports while it runs (the REPL prints these; tests may collect them).
public enum AgentEvent: Sendable {
    /// A piece of model output as it streams (`module` is the caller, e.g. `planner`).
    case modelText(module: String, text: String)
    /// The planner's plan for `round` (1-based), valid or not.
    case plan(round: Int, PlannerResult)
    /// A step is about to run, with its arguments after `$N` substitution.
    case stepStarted(index: Int, tool: String, arguments: [String])
    /// A step finished (success, failure or skipped).
    case stepFinished(StepResult)
    /// The joiner's decision for `round`.
    case decision(round: Int, JoinerDecision)
}

/// What every module call receives: the model to use, the trace to record into, and an optional observer.
public struct ModuleContext: Sendable {
    public var lm: any LanguageModel
    public var trace: Trace
    /// Called for each ``AgentEvent``; must be cheap and thread-safe.
    public var observer: (@Sendable (AgentEvent) -> Void)?

    public init(lm: any LanguageModel, trace: Trace = Trace(), observer: (@Sendable (AgentEvent) -> Void)? = nil) {
        self.lm = lm
        self.trace = trace
        self.observer = observer
    }

    /// Sends `event` to the observer, if any.
    public func emit(_ event: AgentEvent) { observer?(event) }
}

/// A step of an LLM program: typed input to typed output.
public protocol Module: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable

    /// Runs the module.
    func callAsFunction(_ input: Input, in context: ModuleContext) async throws -> Output
}

/// `first` then `second`: the output of one is the input of the other.
public struct Chain<First: Module, Second: Module>: Module where First.Output == Second.Input {
    public let first: First
    public let second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public func callAsFunction(_ input: First.Input, in context: ModuleContext) async throws -> Second.Output {
        try await second(try await first(input, in: context), in: context)
    }
}

extension Module {
    /// This module followed by `next`.
    public func then<Next: Module>(_ next: Next) -> Chain<Self, Next> where Next.Input == Output {
        Chain(self, next)
    }
}

/// A module made from a closure (adapters between modules whose types do not line up).
public struct FunctionModule<Input: Sendable, Output: Sendable>: Module {
    private let body: @Sendable (Input, ModuleContext) async throws -> Output

    public init(_ body: @escaping @Sendable (Input, ModuleContext) async throws -> Output) {
        self.body = body
    }

    public func callAsFunction(_ input: Input, in context: ModuleContext) async throws -> Output {
        try await body(input, context)
    }
}

/// A worked example shown to the model: an input rendered as the user would write it, and the output
/// the model should produce (e.g. a query and its plan).
public struct Demo: Sendable, Equatable, Codable {
    public var input: String
    public var output: String

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }
}

/// The typed contract of one prompt: fields in, fields out.
public protocol Signature: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable

    /// The module name used in traces.
    static var name: String { get }
    /// The instructions (prompt template text) a fresh ``Predict`` starts with.
    static var defaultInstructions: String { get }
    /// Generation settings a fresh ``Predict`` starts with.
    static var defaultOptions: CompletionOptions { get }

    /// The chat messages for `input`, given the current instructions and demos.
    static func messages(for input: Input, instructions: String, demos: [Demo]) throws -> [ChatMessage]
    /// The typed output read from the model's text.
    static func parse(_ text: String, for input: Input) throws -> Output
    /// The text demos are matched against (for ``DemoSelector``); nil = no selection.
    static func demoKey(for input: Input) -> String?
}

extension Signature {
    public static func demoKey(for input: Input) -> String? { nil }
}
