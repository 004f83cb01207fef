import EdgeTestSupport
import Foundation
import Testing

/// `mpirun -np 2 edgeagent finetune --distributed mpi` on `preset:tiny` against one process over the same global
/// batches (issue #11). Skipped, with a message, when `mpirun` is not installed (`scripts/lib.sh` installs
/// openmpi-bin and libopenmpi-dev on CI).
@Suite(.serialized) struct DistributedFinetuneTests {
    static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Open MPI refuses to run as root without this flag.
    static let mpiFlags = ["-np", "2", "--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])

    /// Short examples (one call + join, a one-word system prompt: ~100 byte tokens each) so that the six
    /// debug-build runs take seconds: each run (re)writes the data file and prompt directory of this process.
    static func fixture() throws -> (data: String, prompts: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dist-fixture-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let names = ["Sam", "Ming", "Eva", "Ali", "Jo", "Kim", "Lea", "Max", "Noa", "Ola", "Pia", "Raj", "Sia", "Tom", "Uma", "Vic"]
        let lines = names.enumerated().map { i, n in
            let (tool, verb) = i % 2 == 0 ? ("get_phone_number", "Call") : ("get_email_address", "Email")
            let plan = "1. \(tool)(\\\"\(n)\\\")\\n2. join()\\n<END_OF_PLAN>"
            return #"{"id":"s\#(i)","now":"2025-01-01 08:00","query":"\#(verb) \#(n)","plan":"\#(plan)","source":"test","tools":["\#(tool)"]}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("short.jsonl"), atomically: true, encoding: .utf8)
        try "Plan {{today}}".write(to: dir.appendingPathComponent("planner_minimal.txt"), atomically: true, encoding: .utf8)
        try "Question: {{query}}".write(to: dir.appendingPathComponent("planner_user.txt"), atomically: true, encoding: .utf8)
        return (dir.appendingPathComponent("short.jsonl").path, dir.path)
    }

    /// Options every run shares: 20 steps of 4 sequences (one process) = 2 ranks × 2, one BLAS thread per process.
    static func common(out: String) throws -> [String] {
        let fixture = try fixture()
        return ["finetune", "--model", "preset:tiny", "--data", fixture.data, "--prompts", fixture.prompts, "--prompt-style", "minimal",
         "--steps", "20", "--max-seq", "128", "--lr", "3e-3", "--warmup", "2", "--threads", "1", "--save-every", "0", "--out", out]
    }

    static func temp(_ tag: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dist-\(tag)-\(UUID().uuidString)").path
    }

    /// Runs `mpirun … edgeagent args`; kills it after `timeout` seconds.
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func runMPI(_ args: [String], timeout: Double = 120) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun!)
        p.arguments = mpiFlags + [CLI.binary.path] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        let killer = Thread { while p.isRunning { if Date() > deadline { p.terminate() }; Thread.sleep(forTimeInterval: 0.2) } }
        killer.start()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func losses(_ dir: String) throws -> [Double] {
        try String(contentsOfFile: dir + "/train_log.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return obj["loss"] as! Double
        }
    }

    static func summary(_ dir: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
    }

    /// Per tensor ‖a − b‖ / ‖b‖ of two F32 safetensors files with the same names (the largest over tensors).
    static func maxRelativeDifference(_ a: String, _ b: String) throws -> (Double, Int) {
        let ta = try SafetensorsF32.read(a), tb = try SafetensorsF32.read(b)
        #expect(Set(ta.keys) == Set(tb.keys))
        var worst = 0.0
        for (name, x) in ta {
            let y = try #require(tb[name])
            #expect(x.count == y.count, "\(name)")
            var d = 0.0, n = 0.0
            for i in 0..<min(x.count, y.count) { d += Double(x[i] - y[i]) * Double(x[i] - y[i]); n += Double(y[i]) * Double(y[i]) }
            worst = max(worst, (d / max(n, 1e-30)).squareRoot())
        }
        return (worst, ta.count)
    }

    /// 2 ranks × batch 2 equal 1 process × batch 4: losses and final weights within 1e-5 relative (worst tensor's
    /// ‖Δ‖/‖W‖). The ranks sum their gradients in another order than one process does, so only float rounding
    /// differs — but GaLore's projector refresh (an SVD, whose subspace moves by rounding/gap between the r-th
    /// and (r+1)-th singular values, and whose old moments are re-read in the new basis) and Natural GaLore's
    /// (λI + GGᵀ)⁻¹ amplify rounding by the conditioning of the problem. Measured on this fixture (identical
    /// algorithms, rounding only): GaLore r=4 gap 5: 9e-7; r=16 gap 5: 9e-5; r=64 (full rank, near-degenerate
    /// trailing singular vectors): 1e-1. Natural GaLore r=4 gap 5 exact history, λ=0.1: 1e-6; λ=1e-3: 5e-5; BF16
    /// history (one rounding flip = 4e-3): 4e-3. AdamW: 2e-7. Hence the well-conditioned settings below: they
    /// still refresh at steps 0, 5, 10, 15 (full all-reduce + broadcast of the basis) and all-reduce only
    /// projected gradients in between, and clipping (AdamW) runs on the all-reduced global norm.
    @Test(arguments: [
        ("adamw", ["--max-grad-norm", "1"]),
        ("galore", ["--rank", "4", "--update-gap", "5", "--scale", "1", "--max-grad-norm", "0"]),
        ("natural-galore", ["--rank", "4", "--update-gap", "5", "--scale", "1", "--max-grad-norm", "0", "--damping", "0.1",
                            "--history-precision", "exact"]),
        // Layer-wise updates: each layer is all-reduced on the communication thread while the next one's backward
        // runs, and updated at the following layer's hook; the other cases overlap in the normal form.
        ("galore", ["--rank", "4", "--update-gap", "5", "--scale", "1", "--max-grad-norm", "0", "--layer-wise"]),
        ("adamw", ["--max-grad-norm", "1", "--layer-wise", "--no-comm-overlap"]),
    ])
    func twoRanksEqualOneProcess(optimizer: String, extra: [String]) throws {
        guard Self.mpirun != nil else {
            print("skipped: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)")
            return
        }
        let single = Self.temp("one"), multi = Self.temp("two")
        defer { for d in [single, multi] { try? FileManager.default.removeItem(atPath: d) } }
        let opt = ["--optimizer", optimizer] + extra
        let one = try CLI.run(Self.common(out: single) + opt + ["--batch", "4"])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try Self.runMPI(Self.common(out: multi) + opt + ["--batch", "2", "--distributed", "mpi"])
        #expect(two.status == 0, "\(two.stderr)")
        guard one.status == 0, two.status == 0 else { return }

        let l1 = try Self.losses(single), l2 = try Self.losses(multi)
        #expect(l1.count == 20 && l2.count == 20)
        for (a, b) in zip(l1, l2) { #expect(abs(a - b) <= 1e-5 * abs(a), "loss \(a) vs \(b)") }
        #expect(l1.last! < l1.first!, "the run did not train: \(l1)")

        let (rel, tensors) = try Self.maxRelativeDifference(multi + "/model.safetensors", single + "/model.safetensors")
        #expect(tensors > 10)
        #expect(rel <= 1e-5, "final weights differ by \(rel) relative")

        let lowRank = optimizer != "adamw"
        let s = try Self.summary(multi)
        #expect(s["world_size"] as? Int == 2)
        #expect(s["grad_comm"] as? String == (lowRank ? "low-rank" : "full"))
        let bytes = try #require(s["comm_bytes_per_step"] as? Double)
        // Measured bytes equal `bench comm`'s shape-only figure (20 steps = 4 whole refresh periods of 5).
        var estimateArgs = ["bench", "comm", "--model", "preset:tiny", "--optimizer", optimizer, "--json",
                            "--grad-comm", lowRank ? "low-rank" : "full"]
        for flag in ["--rank", "--update-gap"] { if let i = extra.firstIndex(of: flag) { estimateArgs += [flag, extra[i + 1]] } }
        let estimate = try CLI.run(estimateArgs)
        #expect(estimate.status == 0, "\(estimate.stderr)")
        let e = try JSONSerialization.jsonObject(with: Data(estimate.stdout.utf8)) as! [String: Any]
        #expect(e["mean_bytes_per_step"] as? Double == bytes, "bench comm \(estimate.stdout) vs measured \(bytes)")
        // Low-rank steps all-reduce less than the full gradient (4 bytes a parameter), full ones at least that.
        let params = try #require(Self.summary(single)["parameter_count"] as? Int)
        if lowRank { #expect(bytes < Double(params * 4)) } else { #expect(bytes >= Double(params * 4)) }
    }

    /// The pid of the rank `rank` process under `mpirun` (its environment has OMPI_COMM_WORLD_RANK).
    static func rankPID(_ rank: Int, under mpirun: Int32) -> Int32? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for e in entries {
            guard let pid = Int32(e),
                  let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == mpirun,
                  let env = FileManager.default.contents(atPath: "/proc/\(e)/environ") else { continue }
            if env.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }) { return pid }
        }
        return nil
    }

    /// Starts a long 2-rank run that checkpoints every 3 steps, waits for its first checkpoint, does `fault` to
    /// rank 1, and returns mpirun's exit status, stderr and the seconds from the fault to mpirun's exit.
    static func faultedRun(out: String, extra: [String] = [], fault: (Int32) -> Void) throws -> (Int32, String, Double)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun!)
        p.arguments = mpiFlags + [CLI.binary.path] + (try common(out: out)).map { $0 == "20" ? "100000" : $0 }
            + ["--optimizer", "adamw", "--batch", "2", "--distributed", "mpi", "--save-every", "3"] + extra
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        let state = out + "/checkpoint/trainer_state.json"
        var waited = 0.0
        while !FileManager.default.fileExists(atPath: state) && p.isRunning && waited < 60 {
            Thread.sleep(forTimeInterval: 0.1)
            waited += 0.1
        }
        guard FileManager.default.fileExists(atPath: state), let victim = rankPID(1, under: p.processIdentifier) else {
            Issue.record("no checkpoint or rank-1 process after \(waited) s")
            return nil
        }
        let t0 = Date()
        fault(victim)
        while p.isRunning && Date().timeIntervalSince(t0) < 45 { Thread.sleep(forTimeInterval: 0.1) }
        let seconds = Date().timeIntervalSince(t0)
        if p.isRunning { p.terminate(); kill(victim, SIGKILL) }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), seconds)
    }

    /// Killing one rank ends the job: mpirun terminates the survivor, which says so in one line; the last
    /// checkpoint (written atomically by rank 0) still resumes.
    @Test func killingOneRankEndsTheJobAndKeepsTheCheckpoint() throws {
        guard Self.mpirun != nil else { print("skipped: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"); return }
        let out = Self.temp("kill")
        defer { try? FileManager.default.removeItem(atPath: out) }
        guard let (status, stderr, seconds) = try Self.faultedRun(out: out, fault: { kill($0, SIGKILL) }) else { return }
        #expect(status != 0)
        #expect(seconds < 30, "the job took \(seconds) s to end")
        #expect(stderr.contains("error: rank 0: the MPI job was terminated"), "\(stderr)")

        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/checkpoint/trainer_state.json"))) as! [String: Any]
        let step = try #require(state["step"] as? Int)
        #expect(step >= 3 && step % 3 == 0)
        let resumed = try CLI.run(Self.common(out: out).map { $0 == "20" ? "\(step + 1)" : $0 } + ["--optimizer", "adamw", "--batch", "4", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed at step \(step)"), "\(resumed.stderr)")
    }

    /// A rank that hangs (stopped, so mpirun sees no exit) is caught by the survivor's collective timeout.
    @Test func aHangingRankTimesOut() throws {
        guard Self.mpirun != nil else { print("skipped: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"); return }
        let out = Self.temp("hang")
        defer { try? FileManager.default.removeItem(atPath: out) }
        guard let (status, stderr, seconds) = try Self.faultedRun(out: out, extra: ["--comm-timeout", "2"], fault: { kill($0, SIGSTOP) })
        else { return }
        #expect(status != 0)
        #expect(seconds < 30, "the job took \(seconds) s to end")
        #expect(stderr.contains("error: rank 0: MPI_Allreduce has not completed after"), "\(stderr)")
    }

    /// Without MPI the flag is a one-line error, not a crash (EDGEAGENT_LIBMPI points the loader at a missing library).
    @Test func missingMPIIsAClearError() throws {
        let out = Self.temp("nompi")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(Self.common(out: out) + ["--distributed", "mpi"], environment: ["EDGEAGENT_LIBMPI": "/nonexistent/libmpi.so.40"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: MPI not available: install openmpi-bin libopenmpi-dev"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}

/// Just enough of safetensors to read F32 tensors: u64 header length, JSON header, data.
enum SafetensorsF32 {
    static func read(_ path: String) throws -> [String: [Float]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8 ..< 8 + Int(n))) as! [String: Any]
        var out: [String: [Float]] = [:]
        for (name, v) in header where name != "__metadata__" {
            let info = v as! [String: Any]
            #expect(info["dtype"] as? String == "F32", "\(name)")
            let off = (info["data_offsets"] as! [Int]).map { $0 + 8 + Int(n) }
            out[name] = data.subdata(in: off[0] ..< off[1]).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        return out
    }
}
