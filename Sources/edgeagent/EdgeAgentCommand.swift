import ArgumentParser
import EdgeTensor
import Foundation

/// `edgeagent`: the command-line entry point. Commands stay thin: they parse flags and call the libraries.
@main
struct EdgeAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeagent",
        abstract: "Fine-tune, serve, check and run function-calling plans on a CPU, with no cloud.",
        // One line per command; each command lives in its own file.
        subcommands: [
            ModelCommand.self,
            FinetuneCommand.self,
            ExportCommand.self,
            GenerateCommand.self,
            TokenizeCommand.self,
            BenchCommand.self,
            ValidateCommand.self,
            ScoreCommand.self,
            DataCommand.self,
            PlanCommand.self,
            EvalCommand.self,
            ServeCommand.self,
            ToolRAGCommand.self,
            ReplCommand.self,
            ReportCommand.self,
        ]
    )

    /// Exit status contract (DESIGN.md): 0 success, 1 user error (one line on stderr, no stack trace),
    /// 2 usage error (ArgumentParser's own code for these is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {   // --help, --version
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            if let exit = error as? ExitCode {   // a command chose its own status
                Foundation.exit(exit.rawValue)
            }
            var line = fullMessage(for: error)
            if line.isEmpty { line = String(describing: error) }
            if line.hasPrefix("Error: ") { line.removeFirst("Error: ".count) }
            FileHandle.standardError.write(Data("error: \(line.split(separator: "\n").first.map(String.init) ?? line)\n".utf8))
            Foundation.exit(1)
        }
    }
}
