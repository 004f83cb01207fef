import EdgeTestSupport
import Foundation
import Testing

/// `edgeagent repl` driven through a pseudo-terminal (`script` from util-linux/bsdutils), so readline,
/// its history file and the confirmation prompt run exactly as for a user. The model is the hidden
/// test-only `--scripted-model` (a JSON script), which makes the plan and answer deterministic.
@Suite(.serialized) struct ReplCommandTests {
    static let plan = "1. get_phone_number(\"Sam\")\n2. send_sms([\"$1\"], \"Running late\")\n3. join()<END_OF_PLAN>"
    static let finish = "Thought: Done.\nAction: Finish(I drafted a text to Sam.)<END_OF_RESPONSE>"

    /// A workspace folder and a model script: planner calls (their system message describes `join()`) get
    /// the plan, joiner calls (one user message with the transcript) the answer.
    static func setUp() throws -> (workspace: URL, script: URL) {
        let dir = try TestSupport.temporaryDirectory("edgeagent-repl")
        let workspace = dir.appendingPathComponent("ws")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        let script = dir.appendingPathComponent("model.json")
        let rules: [[String: Any]] = [["contains": "join()", "role": "system", "replies": [plan]],
                                      ["contains": "Observation", "role": "user", "replies": [finish]]]
        try JSONSerialization.data(withJSONObject: ["rules": rules]).write(to: script)
        return (workspace, script)
    }

    @Test func requestPlanAnswerQuitThroughAPseudoTerminal() throws {
        let (workspace, script) = try Self.setUp()
        let session = try PseudoTerminal(["repl", "--model", "preset:tiny", "--workspace", workspace.path, "--yes",
                                          "--scripted-model", script.path])
        try session.waitFor("edgeagent> ")
        session.type("Text Sam that I'm running late\n")
        try session.waitFor("=== answer ===")
        try session.waitFor("edgeagent> ", occurrences: 2)
        session.type(":quit\n")
        let status = try session.waitForExit()
        let out = session.output
        #expect(status == 0, "exit status \(status); output:\n\(out)")
        let plan = try #require(out.range(of: "=== plan ===\r\n1. get_phone_number(\"Sam\")"), "output:\n\(out)")
        let run = try #require(out.range(of: "=== run ==="))
        let answer = try #require(out.range(of: "=== answer ===\r\nI drafted a text to Sam."))
        #expect(plan.upperBound <= run.lowerBound && run.upperBound <= answer.lowerBound)
        #expect(out.contains("✓ 2. send_sms([\"+1415-555-0101\"], \"Running late\") → SMS draft composed"))
        #expect(!out.contains("[y/N]"))                                       // --yes: never asked
        // readline saved the history in the workspace.
        let history = try String(contentsOf: workspace.appendingPathComponent(".edgeagent/history"), encoding: .utf8)
        #expect(history.contains("Text Sam that I'm running late") && history.contains(":quit"))
    }

    @Test func confirmationIsReadThroughReadlineAndCtrlDQuits() throws {
        let (workspace, script) = try Self.setUp()
        let session = try PseudoTerminal(["repl", "--model", "preset:tiny", "--workspace", workspace.path,
                                          "--scripted-model", script.path])
        try session.waitFor("edgeagent> ")
        session.type("Text Sam that I'm running late\n")
        try session.waitFor("Run send_sms([\"+1415-555-0101\"], \"Running late\")? [y/N] ")
        session.type("n\n")
        try session.waitFor("edgeagent> ", occurrences: 2)
        session.type(":tools\n")
        try session.waitFor("get_zoom_meeting_link")
        session.type("\u{04}")                                                 // Ctrl-D on an empty line
        let status = try session.waitForExit()
        let out = session.output
        #expect(status == 0, "exit status \(status); output:\n\(out)")
        #expect(out.contains("✗ 2. send_sms([\"+1415-555-0101\"], \"Running late\") declined: not run"))
        #expect(out.contains("=== answer ==="))
    }
}

/// The built `edgeagent` under `script -qfec`, with a typed-input pipe and the terminal's output collected.
final class PseudoTerminal: @unchecked Sendable {
    static let script = "/usr/bin/script"
    private let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var buffer = Data()

    init(_ arguments: [String], timeout: Double = 120) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.script) else {
            throw PseudoTerminalError.missing("\(Self.script) (Debian package bsdutils / util-linux)")
        }
        let command = ([CLI.binary.path] + arguments).map(Self.quote).joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: Self.script)
        process.arguments = ["-qfec", command, "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "dumb"                       // no colour or cursor escapes from readline
        process.environment = env
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.buffer.append(data) }
        }
        try process.run()
    }

    deinit { if process.isRunning { process.terminate() } }

    /// Everything the terminal showed so far.
    var output: String { lock.withLock { String(decoding: buffer, as: UTF8.self) } }

    /// Sends keystrokes.
    func type(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    /// Waits until `text` has appeared at least `occurrences` times.
    func waitFor(_ text: String, occurrences: Int = 1, timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while output.components(separatedBy: text).count - 1 < occurrences {
            guard Date() < deadline, process.isRunning || output.contains(text) else {
                throw PseudoTerminalError.timeout(waitingFor: text, output: output)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Waits for the program to end and returns its exit status (`script -e` passes the child's on).
    func waitForExit(timeout: Double = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                process.terminate()
                throw PseudoTerminalError.timeout(waitingFor: "exit", output: output)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.1)          // let the reader drain the last bytes
        return process.terminationStatus
    }

    /// Single-quoted for `sh -c`.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

enum PseudoTerminalError: Error, CustomStringConvertible {
    case missing(String)
    case timeout(waitingFor: String, output: String)

    var description: String {
        switch self {
        case .missing(let what): return "cannot drive a pseudo-terminal: \(what) is not installed"
        case .timeout(let text, let output): return "timed out waiting for \(text.debugDescription); output so far:\n\(output)"
        }
    }
}
