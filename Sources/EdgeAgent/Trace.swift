import EdgeModel
import Foundation

/// One recorded model call: which module made it, the prompt, the output, tokens and latency.
public struct TraceEntry: Sendable {
    /// 1-based position in the trace.
    public var id: Int
    /// The module that made the call (`planner`, `joiner`, `compose_email`, …).
    public var module: String
    public var messages: [ChatMessage]
    /// The model's text (empty when the call failed).
    public var output: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// Seconds.
    public var latency: Double
    /// The error text when the call or the parsing of its output failed.
    public var error: String?
    public var date: Date
}

/// The record of every model call of a run, for debugging and the REPL's `:trace`.
///
/// A reference type shared by all modules of one program run (``ModuleContext/trace``); safe to use from
/// concurrent tasks (a lock guards the entries).
public final class Trace: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [TraceEntry] = []

    public init() {}

    /// The entries so far, oldest first.
    public var entries: [TraceEntry] { lock.withLock { items } }

    /// Appends a call and returns its entry id.
    @discardableResult
    public func record(module: String, messages: [ChatMessage], output: String, promptTokens: Int,
                       completionTokens: Int, latency: Double, error: String? = nil) -> Int {
        lock.withLock {
            let id = items.count + 1
            items.append(TraceEntry(id: id, module: module, messages: messages, output: output,
                                    promptTokens: promptTokens, completionTokens: completionTokens,
                                    latency: latency, error: error, date: Date()))
            return id
        }
    }

    /// Marks entry `id` as failed after the fact (e.g. its output did not parse).
    public func markFailed(_ id: Int, error: String) {
        lock.withLock { if id >= 1 && id <= items.count { items[id - 1].error = error } }
    }

    /// Forgets every entry.
    public func clear() { lock.withLock { items.removeAll() } }

    /// Total prompt and completion tokens and seconds over all entries.
    public var totals: (promptTokens: Int, completionTokens: Int, latency: Double) {
        entries.reduce((0, 0, 0.0)) { ($0.0 + $1.promptTokens, $0.1 + $1.completionTokens, $0.2 + $1.latency) }
    }

    /// A readable dump: one header line per call, then (if `verbose`) the prompt and the output.
    public func render(verbose: Bool = false) -> String {
        var out = ""
        for e in entries {
            let status = e.error.map { " ERROR: \($0)" } ?? ""
            out += "#\(e.id) \(e.module): \(e.promptTokens) prompt + \(e.completionTokens) output tokens, "
            out += String(format: "%.3f s", e.latency) + status + "\n"
            if verbose {
                for m in e.messages { out += "  [\(m.role)]\n" + Self.indent(m.content) }
                out += "  [output]\n" + Self.indent(e.output)
            }
        }
        return out
    }

    private static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)\n" }.joined()
    }
}
