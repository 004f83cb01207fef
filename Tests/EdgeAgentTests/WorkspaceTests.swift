import EdgePlan
import Foundation
import Testing
@testable import EdgeAgent

@Suite struct WorkspaceTests {
    /// A workspace with docs/report.pdf, notes.txt, a symlink to a file outside, a symlink to a folder
    /// outside, an inside symlink and a dangling symlink; plus a secret file next to (outside) the workspace.
    func makeWorkspace() throws -> (ToolEnvironment, URL) {
        let env = try AgentFixture.environment()
        let root = env.workspace.root
        let fm = FileManager.default
        let outside = root.deletingLastPathComponent().appendingPathComponent("outside-\(UUID().uuidString)")
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try "secret".write(to: outside.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try fm.createDirectory(at: root.appendingPathComponent("docs"), withIntermediateDirectories: true)
        try "pdf".write(to: root.appendingPathComponent("docs/report.pdf"), atomically: true, encoding: .utf8)
        try "notes".write(to: root.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("leak.txt").path,
                                  withDestinationPath: outside.appendingPathComponent("secret.txt").path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("outdir").path, withDestinationPath: outside.path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("alias.txt").path, withDestinationPath: "notes.txt")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("dangling").path,
                                  withDestinationPath: outside.appendingPathComponent("nothing/here").path)
        return (env, outside)
    }

    @Test func escapesAreRefused() throws {
        let (env, outside) = try makeWorkspace()
        let ws = env.workspace
        let escapes = ["../secret.txt", "docs/../../secret.txt", "/etc/passwd", outside.appendingPathComponent("secret.txt").path,
                       "leak.txt", "outdir/secret.txt", "outdir", "outdir/new.txt", "dangling", "dangling/x",
                       "~/secret.txt", "docs/new/../../../x", ".edgeagent/tools.sqlite", "", "a\0b"]
        for path in escapes {
            #expect(throws: AgentError.self, "\(path) must be refused") { _ = try ws.resolve(path) }
        }
    }

    @Test func insidePathsResolve() throws {
        let (env, _) = try makeWorkspace()
        let ws = env.workspace
        let root = ws.root.path
        #expect(try ws.resolve("docs/report.pdf").path == root + "/docs/report.pdf")
        #expect(try ws.resolve("docs/../notes.txt").path == root + "/notes.txt")
        #expect(try ws.resolve(root + "/notes.txt").path == root + "/notes.txt")
        #expect(try ws.resolve("alias.txt").path == root + "/notes.txt")      // symlink inside: allowed
        #expect(try ws.resolve("docs/new/file.txt").path == root + "/docs/new/file.txt")
        #expect(ws.files().map(ws.relativePath) == ["docs/report.pdf", "notes.txt"])
    }

    /// The file tool refuses escapes as error observations and finds inside files by name.
    @Test func fileToolStaysInside() async throws {
        let (env, outside) = try makeWorkspace()
        let executor = PlanExecutor(runtime: try AgentFixture.runtime(env))
        let plan = try Plan.parse("""
            1. open_and_get_file_path("../\(outside.lastPathComponent)/secret.txt")
            2. open_and_get_file_path("\(outside.appendingPathComponent("secret.txt").path)")
            3. open_and_get_file_path("leak.txt")
            4. open_and_get_file_path("report.pdf")
            5. open_and_get_file_path("reprot")
            6. summarize_pdf("/etc/passwd")
            7. join()
            """)
        let r = try await executor(PlanExecution(plan: plan, query: "q"), in: AgentFixture.context())
        for i in [0, 1, 2, 5] {
            #expect(r.steps[i].observation.hasPrefix("Error: the path"), "step \(i + 1): \(r.steps[i].observation)")
            #expect(r.steps[i].observation.contains("outside the workspace"))
        }
        #expect(r.steps[3].observation == env.workspace.root.path + "/docs/report.pdf")
        #expect(r.steps[4].observation == env.workspace.root.path + "/docs/report.pdf")
    }
}
