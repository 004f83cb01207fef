import Foundation

/// Runs the built `edgeagent` binary (tests of the command-line contract: stdout, stderr, exit status).
public enum CLI {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `edgeagent` built next to the test bundle (`swift build --build-tests` builds both).
    public static var binary: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        // Linux: .build/<config>/EdgeAgentPackageTests.xctest; macOS: …/EdgeAgentPackageTests.xctest/Contents/MacOS/…
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("edgeagent").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("edgeagent")
    }

    /// Runs `edgeagent args…` with optional stdin text; waits for it to exit.
    public static func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
