import EdgePlan
import EdgeTestSupport
import Foundation
@testable import EdgeAgent

/// Shared fixtures of the agent tests: a fresh workspace + seeded database, a pinned clock, test tools.
enum AgentFixture {
    /// 2024-05-01 10:00:00 UTC; tests use a UTC clock so naive "now" is this exact time.
    static let fixedNow = Date(timeIntervalSince1970: 1_714_557_600)

    static func environment(beforeLog: (@Sendable (String) throws -> Void)? = nil,
                            programSearchPath: [String]? = nil) throws -> ToolEnvironment {
        let dir = try TestSupport.temporaryDirectory("edgeagent-agent")
        let workspace = try Workspace(root: dir.path)
        let database = try ToolDatabase(workspace: workspace, seed: true, beforeLog: beforeLog)
        var env = ToolEnvironment(workspace: workspace, database: database, clock: { fixedNow })
        if let programSearchPath { env.programSearchPath = programSearchPath }
        return env
    }

    static func runtime(_ env: ToolEnvironment, extra: [AgentTool] = []) throws -> ToolRuntime {
        var runtime = try ToolRuntime.tinyAgent(environment: env)
        for tool in extra { try runtime.register(tool) }
        return runtime
    }

    /// A schema for a test tool taking `arguments` (name, type) pairs, all required.
    static func schema(_ name: String, _ arguments: [(String, ToolValueType)]) -> ToolSchema {
        ToolSchema(name: name, description: "test tool \(name)",
                   arguments: arguments.map { ToolArgument(name: $0.0, type: $0.1, description: $0.0) }, returns: .string)
    }

    static func plan(_ text: String) throws -> Plan { try Plan.parse(text) }

    static func context(_ lm: any LanguageModel = ScriptedLanguageModel([]), trace: Trace = Trace(),
                        observer: (@Sendable (AgentEvent) -> Void)? = nil) -> ModuleContext {
        ModuleContext(lm: lm, trace: trace, observer: observer)
    }
}

/// Records calls and events from concurrent tasks.
final class Recorder<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []

    func append(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}

/// An async barrier: `arrive()` returns once `parties` tasks have arrived, or after `limit` seconds
/// (returning false), so a test that runs steps sequentially fails instead of hanging.
actor Barrier {
    private let parties: Int
    private var arrived = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive(limit: Double = 10) async -> Bool {
        arrived += 1
        if arrived >= parties {
            for w in waiters { w.resume() }
            waiters.removeAll()
            return true
        }
        let deadline = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(limit * 1e9))
            await self?.releaseAll()
        }
        await withCheckedContinuation { waiters.append($0) }
        deadline.cancel()
        return arrived >= parties
    }

    private func releaseAll() {
        for w in waiters { w.resume() }
        waiters.removeAll()
    }
}
