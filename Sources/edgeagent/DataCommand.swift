import ArgumentParser
import EdgePlan
import Foundation

/// `edgeagent data generate|split|import|stats`: planning data in the JSONL format of DESIGN.md.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate, split, import and count planning data (JSONL {\"id\",\"query\",\"plan\",\"tools\",\"source\"}).",
        subcommands: [Generate.self, Split.self, Import.self, Stats.self]
    )

    /// Defaults, in one place.
    enum Defaults {
        static let seed: UInt64 = 0
        static let testFraction = 0.1
        static let unseenFraction = 0.1
        static let compoundFraction = 0.15
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write synthetic TinyAgent-style examples (seeded, deterministic).",
            discussion: """
                Three splits (datasets/README.md): train; test, held-out requests of the train templates (a stable
                hash of the request text picks --test-fraction of them); unseen, requests phrased by templates
                training never sees (--unseen-fraction of all examples). With --test-out (and --unseen-out) each
                split goes to its own file; without --unseen-out no unseen requests are made. Without --test-out,
                --out gets every example (split later with `data split`).
                """)

        @Option(help: "Number of examples (all splits together).")
        var count: Int
        @Option(help: "Random seed; the same seed gives the same file.")
        var seed: UInt64 = Defaults.seed
        @Option(help: "Output JSONL file (the train split when --test-out is given).")
        var out: String
        @Option(help: "Write the test split (held-out requests of train templates) to this file instead of --out.")
        var testOut: String?
        @Option(help: "Write the unseen split (requests phrased by held-out templates) to this file.")
        var unseenOut: String?
        @Option(help: "Fraction of train-template requests held out as the test split.")
        var testFraction: Double = Defaults.testFraction
        @Option(help: "Fraction of examples phrased by unseen templates (with --unseen-out, or without --test-out).")
        var unseenFraction: Double = Defaults.unseenFraction
        @Option(help: "Chance that an example joins two requests (\"…, and also …\"); same-intent pairs and plans over six steps are redrawn, so fewer come out compound (12 % at 0.15, 34 % at 0.4).")
        var compoundFraction: Double = Defaults.compoundFraction
        @Flag(help: "Write only the train split to --out: requests that would be test or unseen are dropped, so extra training data (another seed, another mix) never holds a test request.")
        var trainOnly = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
            guard (0...1).contains(testFraction) else { throw ValidationError("--test-fraction must be in [0, 1], got \(testFraction)") }
            guard (0...1).contains(unseenFraction) else { throw ValidationError("--unseen-fraction must be in [0, 1], got \(unseenFraction)") }
            guard (0...1).contains(compoundFraction) else { throw ValidationError("--compound-fraction must be in [0, 1], got \(compoundFraction)") }
            guard unseenOut == nil || testOut != nil else { throw ValidationError("--unseen-out needs --test-out") }
            guard !trainOnly || testOut == nil else { throw ValidationError("--train-only writes no test split; drop --test-out") }
            let start = Date()
            let makesUnseen = !trainOnly && (unseenOut != nil || testOut == nil)
            let generator = DataGenerator(.init(count: count, seed: seed, testFraction: testFraction,
                                                unseenFraction: makesUnseen ? unseenFraction : 0, compoundFraction: compoundFraction))
            let showProgress = !output.json && isatty(2) != 0
            let examples = generator.generate { done, total in
                if showProgress { Console.status("data generate: \(done)/\(total)") }
            }
            if showProgress { Console.clearStatus() }
            var files: [String: Int] = [:]
            if testOut != nil || trainOnly {
                // Each split to its file; with --train-only only --out is given, so test and unseen are dropped.
                let parts = Dictionary(grouping: examples) { generator.split($0) ?? .train }
                let outputs: [(String?, DataGenerator.Split)] = [(out, .train), (testOut, .test), (unseenOut, .unseen)]
                for case let (path?, split) in outputs {
                    try JSONLines.write(parts[split] ?? [], to: path)
                    files[path] = parts[split]?.count ?? 0
                }
            } else {
                try JSONLines.write(examples, to: out)
                files = [out: examples.count]
            }
            let seconds = Date().timeIntervalSince(start)
            if output.json {
                struct Summary: Encodable { var files: [String: Int]; var seconds: Double }
                try Console.printJSON(Summary(files: files, seconds: seconds))
            } else {
                for (f, n) in files.sorted(by: { $0.key < $1.key }) { print("wrote \(n) examples to \(f)") }
                print(String(format: "%.2f s", seconds))
            }
        }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split a synthetic dataset into train, test and unseen (recovered from `source` and the request text).")

        @Option(help: "Input JSONL file.")
        var data: String
        @Option(help: "Train output JSONL file.")
        var train: String
        @Option(help: "Test output JSONL file (held-out requests of train templates).")
        var test: String
        @Option(help: "Unseen output JSONL file (requests of unseen templates); without it they are left out.")
        var unseen: String?
        @Option(help: "Fraction of train-template requests that are test (as given to `data generate`).")
        var testFraction: Double = Defaults.testFraction

        func run() throws {
            guard (0...1).contains(testFraction) else { throw ValidationError("--test-fraction must be in [0, 1], got \(testFraction)") }
            let examples = try JSONLines.examples(data)
            var parts: [DataGenerator.Split: [DatasetExample]] = [:]
            for e in examples {
                guard let s = DataGenerator.split(of: e, testFraction: testFraction) else {
                    throw DatasetError.invalidArgument("\(data): example \"\(e.id)\" has source \"\(e.source)\", not a known synthetic template; only generated data can be split this way")
                }
                parts[s, default: []].append(e)
            }
            try JSONLines.write(parts[.train] ?? [], to: train)
            try JSONLines.write(parts[.test] ?? [], to: test)
            if let unseen { try JSONLines.write(parts[.unseen] ?? [], to: unseen) }
            var line = "train \(parts[.train]?.count ?? 0) → \(train), test \(parts[.test]?.count ?? 0) → \(test)"
            if let unseen { line += ", unseen \(parts[.unseen]?.count ?? 0) → \(unseen)" }
            print(line)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert TinyAgent's training_data.json / testing_data.json into dataset JSONL.")

        @Option(help: "TinyAgent data file (JSON object keyed by UUID).")
        var tinyagent: String
        @Option(help: "Output JSONL file.")
        var out: String
        @Flag(help: "Skip invalid entries (reported on stderr) instead of stopping at the first.")
        var skipInvalid = false

        func run() throws {
            let result = try TinyAgentImport.read(path: tinyagent, skipInvalid: skipInvalid)
            try JSONLines.write(result.examples, to: out)
            for s in result.skipped.prefix(20) {
                FileHandle.standardError.write(Data("skipped \(s.key): \(s.reason)\n".utf8))
            }
            print("imported \(result.examples.count) examples to \(out)" + (result.skipped.isEmpty ? "" : ", skipped \(result.skipped.count)"))
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Counts per tool, per plan length, per split and source.")

        @Option(help: "Dataset JSONL file.")
        var data: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let stats = DatasetStats(try JSONLines.examples(data))
            if output.json { try Console.printJSON(stats) } else { print(stats.text, terminator: "") }
        }
    }
}
