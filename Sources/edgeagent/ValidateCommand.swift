import ArgumentParser
import EdgePlan
import Foundation

/// `edgeagent validate [--tools DIR] (--plan F | -) [--json]`: checks a plan against tool schemas.
///
/// Exit status: 0 valid; 1 invalid plan or unreadable input (one-line summary on stderr);
/// 2 usage error (neither or both of `--plan F` and `-`).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an LLMCompiler plan against tool schemas; report every problem with its line.",
        discussion: """
            Without --json, each problem prints as FILE:LINE[:COLUMN]: MESSAGE on stdout.
            With --json, stdout gets {"valid": bool, "errors": [{"line": n, "message": "…"}]}.
            """
    )

    @Option(help: "A tool-schema file or a directory of *.json files (default: ./tools if it holds schema files, else the built-in TinyAgent set).")
    var tools: String?

    @Option(help: "The plan file to check.")
    var plan: String?

    @Argument(help: "'-' to read the plan from standard input.")
    var stdin: String?

    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false

    /// Default tool set: the checkout's `tools/` when run from the repo, else the built-in copy.
    static let defaultToolsDirectory = "tools"

    func run() throws {
        let (name, text) = try readPlan()
        let toolSet: ToolSet
        do {
            toolSet = try loadTools()
        } catch {
            try fail("\(error)")
        }
        let report = PlanValidator(tools: toolSet).validate(text)
        if json {
            try Console.printJSON(report)
        } else if report.valid {
            print("\(name): valid plan (\(report.plan.steps.count) steps)")
        } else {
            for e in report.errors {
                print("\(name):\(e.line):\(e.column.map { "\($0):" } ?? "") \(e.message)")
            }
        }
        if !report.valid {
            let n = report.errors.count
            try fail("\(name): invalid plan (\(n) problem\(n == 1 ? "" : "s")); first: line \(report.errors[0].line): \(report.errors[0].message)")
        }
    }

    private func readPlan() throws -> (name: String, text: String) {
        let usage = "give the plan as --plan FILE or '-' for standard input (not both)"
        if let stdin, stdin != "-" { try usageError("unexpected argument '\(stdin)': \(usage)") }
        let data: Data
        let name: String
        switch (plan, stdin) {
        case (let path?, nil):
            name = path
            guard let contents = FileManager.default.contents(atPath: path) else {
                try fail("\(path): cannot read the plan file")
            }
            data = contents
        case (nil, "-"?):
            name = "<stdin>"
            data = FileHandle.standardInput.readDataToEndOfFile()
        default:
            try usageError(usage)
        }
        guard let text = String(data: data, encoding: .utf8) else { try fail("\(name): the plan is not UTF-8 text") }
        return (name, text)
    }

    private func loadTools() throws(EdgePlanError) -> ToolSet {
        if let tools { return try ToolSet.load(path: tools) }
        let dir = Self.defaultToolsDirectory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue,
           let names = try? FileManager.default.contentsOfDirectory(atPath: dir), names.contains(where: { $0.hasSuffix(".json") }) {
            return try ToolSet.load(directory: dir)
        }
        return try ToolSet.tinyAgent
    }

    /// One line on stderr, exit status 1.
    private func fail(_ message: String) throws -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        throw ExitCode(1)
    }

    /// One line on stderr, exit status 2.
    private func usageError(_ message: String) throws -> Never {
        FileHandle.standardError.write(Data("usage error: \(message)\nUsage: edgeagent validate [--tools DIR] (--plan FILE | -) [--json]\n".utf8))
        throw ExitCode(2)
    }
}
