import ArgumentParser
import EdgeTensor

/// `edgeagent`: the command-line entry point. Commands stay thin: they parse flags and call the libraries.
@main
struct EdgeAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeagent",
        abstract: "Fine-tune, serve, check and run function-calling plans on a CPU, with no cloud.",
        // One line per command; each command lives in its own file.
        subcommands: [
            BenchCommand.self,
            ValidateCommand.self,
        ]
    )
}
