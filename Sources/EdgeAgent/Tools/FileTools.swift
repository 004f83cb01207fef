import EdgePlan
import Foundation

/// `open_and_get_file_path` and `summarize_pdf` (reference §1.3 Files), inside the workspace only.
///
/// Finding a file (TinyAgent's `ensure_file_paths` + Spotlight, on the workspace): a path that resolves
/// to an existing file in the workspace is used as is; otherwise the workspace is searched for the exact
/// file name (then ignoring case), then the closest relative path by ``FuzzyMatch``. A path that leaves
/// the workspace (`..`, an absolute path elsewhere, a symlink out) is refused, never searched.
/// Nothing is "opened" on Linux; the tool returns the file's absolute path.
public enum FileTools {
    /// The file `name` refers to; throws ``AgentError/sandboxEscape(path:)`` or ``AgentError/fileNotFound(_:)``.
    public static func resolveFile(_ name: String, _ ctx: ToolContext) throws(AgentError) -> URL {
        try resolveFile(name, in: ctx.workspace)
    }

    /// As ``resolveFile(_:_:)`` for a workspace.
    public static func resolveFile(_ name: String, in workspace: Workspace) throws(AgentError) -> URL {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .fileNotFound(name) }
        if let url = try workspace.existingFile(trimmed) { return url }
        if trimmed.hasPrefix("/") { throw .fileNotFound(name) }   // an absolute path inside: no fuzzy guess
        let files = workspace.files()
        let base = (trimmed as NSString).lastPathComponent
        if let exact = files.first(where: { $0.lastPathComponent == base })
            ?? files.first(where: { $0.lastPathComponent.lowercased() == base.lowercased() }) {
            return exact
        }
        let relative = files.map(workspace.relativePath)
        guard let best = FuzzyMatch.best(trimmed, in: relative) else { throw .fileNotFound(name) }
        return try workspace.resolve(best)
    }

    static func openAndGetFilePath(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: false) { args, ctx in
            let name = try args.string("file_name")
            do {
                return try resolveFile(name, ctx).path
            } catch AgentError.fileNotFound {
                return ctx.workspace.files().isEmpty ? "No file found with exact or fuzzy name." : "No file found after fuzzy matching."
            }
        }
    }

    static func summarizePDF(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: false, timeout: AgentTool.subAgentTimeout) { args, ctx in
            let path = try args.string("pdf_path")
            let invalid = "The PDF file path is invalid or the file doesn't exist."
            let spotlightFailures = ["No file found after fuzzy matching.", "No file found with exact or fuzzy name."]
            guard !path.trimmingCharacters(in: .whitespaces).isEmpty, !spotlightFailures.contains(path) else { return invalid }
            let url: URL
            do { url = try resolveFile(path, ctx) } catch AgentError.fileNotFound { return invalid }
            let text: String
            do {
                text = try await extractText(url, environment: ctx.environment)
            } catch AgentError.programFailed(_, _, let message) {
                return "An error occurred while extracting the content from the PDF file: \(message)"
            }
            let flat = text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !flat.isEmpty else { return "The PDF file is empty or the content couldn't be extracted." }
            if ctx.dryRun {
                return "[dry run] would summarize \(url.path) (\(flat.count) characters of text) with the summarizer sub-agent."
            }
            let agents = ctx.environment.subAgents
            let summary = try await agents.summarizePDF(String(flat.prefix(agents.maxPDFCharacters)), in: ctx.module)
            ctx.environment.summaries.store(summary)
            return summary
        }
    }

    /// The text of a PDF via poppler's `pdftotext` (UTF-8); a clear error when it is not installed.
    public static func extractText(_ url: URL, environment: ToolEnvironment) async throws(AgentError) -> String {
        guard let program = environment.program("pdftotext") else {
            throw .missingProgram(name: "pdftotext",
                                  hint: "summarize_pdf needs poppler-utils: install it with `apt-get install poppler-utils`")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("edgeagent-pdf-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, stderr) = try await run(program, ["-enc", "UTF-8", url.path, out.path])
        guard status == 0 else { throw .programFailed(name: "pdftotext", status: status, message: stderr) }
        guard let data = FileManager.default.contents(atPath: out.path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a program off the cooperative pool; returns its exit status and standard error.
    static func run(_ program: String, _ arguments: [String]) async throws(AgentError) -> (Int32, String) {
        let result: Result<(Int32, String), AgentError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: program)
                process.arguments = arguments
                let errPipe = Pipe()
                process.standardError = errPipe
                process.standardOutput = FileHandle.nullDevice
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    let name = (program as NSString).lastPathComponent
                    continuation.resume(returning: .failure(.programFailed(name: name, status: -1, message: "\(error)")))
                    return
                }
                let err = errPipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                continuation.resume(returning: .success((process.terminationStatus, text)))
            }
        }
        return try result.get()
    }
}
