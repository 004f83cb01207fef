import EdgeTestSupport
import EdgeTrain
import Foundation
import Testing
@testable import EdgeReport

/// Run directories written the way `finetune` and `eval --result` write them → table rows, units, plots, errors.
@Suite struct RunReportTests {
    static let mib = 1 << 20, gib = 1 << 30

    static func summary(optimizer: String, loss: Double, peak: Int?, state: Int, wall: Double) -> FinetuneSummary {
        FinetuneSummary(steps: 4, finalLoss: loss, bestLoss: loss, peakRSSBytes: peak, parameterCount: 134_515_008,
                        parameterBytes: 513 * mib, gradientBytes: 513 * mib, optimizerStateBytes: state, activationBytes: 300 * mib,
                        tokensPerSecond: 812.46, wallSeconds: wall, examples: 100, skippedTooLong: 0, optimizer: optimizer)
    }

    /// Two runs: `adamw` with log and eval, `natural-galore` with a log only.
    static func fabricate() throws -> (root: URL, runs: [String]) {
        let root = try TestSupport.temporaryDirectory("report")
        let a = root.appendingPathComponent("adamw").path, b = root.appendingPathComponent("natural-galore").path
        try RunDirectory(a).prepare()
        try RunDirectory(b).prepare()
        try RunDirectory(a).writeSummary(summary(optimizer: "adamw", loss: 0.41234, peak: Int(2.5 * Double(gib)), state: 1026 * mib, wall: 754.4))
        try RunDirectory(b).writeSummary(summary(optimizer: "natural-galore", loss: 0.5, peak: nil, state: 40 * mib, wall: 3725))
        func log(_ dir: String, _ losses: [Double]) throws {
            let lines = losses.enumerated().map { k, loss in
                #"{"grad_norm":1.5,"loss":\#(loss),"lr":0.001,"rss":1000,"skipped":false,"step":\#(k + 1),"tokens_per_s":800}"#
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/train_log.jsonl", atomically: true, encoding: .utf8)
        }
        try log(a, [2.0, 1.2, 0.8, 0.41234])
        try log(b, [2.1, 1.5, 0.9, 0.5])
        try EvalResult(n: 1000, successRate: 0.8309, toolRecall: 0.97, validPlanRate: 1, meanEditDistance: 0.2, plansPerSecond: 3.5,
                       data: "datasets/test.jsonl", model: a, promptStyle: "compact", wallSeconds: 285.7).write(to: a + "/eval.json")
        return (root, [a, b])
    }

    @Test func tableRowsCarryTheRunsFiguresInHumanUnits() throws {
        let (_, runs) = try Self.fabricate()
        let table = RunTable(try RunRecord.loadAll(runs))
        #expect(table.cells == [
            ["adamw", "adamw", "83.1%", "97.0%", "100.0%", "0.4123", "2.50 GiB", "1.00 GiB", "812.5", "12:34"],
            ["natural-galore", "natural-galore", "–", "–", "–", "0.5000", "–", "40.0 MiB", "812.5", "1:02:05"],
        ])
        let lines = table.markdown.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("| run            | optimizer      | success |"))
        #expect(lines[1].hasPrefix("| -------------- | -------------- | ------: |"))
        #expect(lines[2].hasPrefix("| adamw          | adamw          |   83.1% |"))
        #expect(lines.allSatisfy { $0.count == lines[0].count })   // padded columns
    }

    @Test func jsonRowsHaveRawNumbersAndExplicitNulls() throws {
        let (_, runs) = try Self.fabricate()
        let rows = RunTable(try RunRecord.loadAll(runs)).rows
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(rows)) as? [[String: Any]]
        let json = try #require(object)
        #expect(json.count == 2)
        #expect(Set(json[0].keys) == Set(json[1].keys))
        #expect(json[0]["success_rate"] as? Double == 0.8309)
        #expect(json[0]["eval_n"] as? Int == 1000)
        #expect(json[0]["peak_rss_bytes"] as? Int == Int(2.5 * Double(Self.gib)))
        #expect(json[1]["success_rate"] is NSNull)
        #expect(json[1]["peak_rss_bytes"] is NSNull)
        #expect(json[1]["wall_s"] as? Double == 3725)
    }

    @Test func unitsFormatting() {
        #expect(Units.bytes(1023) == "1023 B")
        #expect(Units.bytes(1536) == "1.5 KiB")
        #expect(Units.bytes(150 * Self.mib) == "150.0 MiB")
        #expect(Units.bytes(Self.gib) == "1.00 GiB")
        #expect(Units.bytes(nil) == "–")
        #expect(Units.duration(75.4) == "1:15")
        #expect(Units.duration(59.6) == "1:00")
        #expect(Units.duration(3600) == "1:00:00")
        #expect(Units.duration(.nan) == "–")
        #expect(Units.percent(0.8309) == "83.1%")
        #expect(Units.number(.infinity, decimals: 2) == "–")
    }

    @Test func reportWritesMarkdownAndDecodablePlots() throws {
        let (root, runs) = try Self.fabricate()
        let report = RunReport(runs: try RunRecord.loadAll(runs), smoothing: 2)
        let out = root.appendingPathComponent("out/nested").path
        let files = try report.write(to: out)
        #expect(files == [out + "/report.md", out + "/loss.png", out + "/memory.png"])
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains(report.table.markdown))
        #expect(md.contains("![Training loss](loss.png)") && md.contains("![Memory by component](memory.png)"))
        for name in ["loss.png", "memory.png"] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/" + name)))
            let image = try TestPNGReader.read(bytes)
            #expect((image.width, image.height) == (900, 540))
            #expect(bytes.count < 60_000, "\(name) is \(bytes.count) bytes")   // compressed, fit for docs/
        }
        // Both loss curves are drawn: each run's colour appears in the plot area.
        let loss = try TestPNGReader.read([UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/loss.png"))))
        let start = report.lossChart.frame.point(1, 2.0)
        #expect(loss.pixel(Int(start.x), Int(start.y)) == Color.series(0))
        // Memory bars are in MiB (largest stack 2.5 GiB < 4 GiB); the adamw bar has its peak marker.
        #expect(report.memoryChart.unit == 1_048_576)
        #expect(report.memoryChart.bars.map(\.marker) == [2.5 * Double(Self.gib), nil])
        #expect(report.memoryChart.bars[0].values == [513, 513, 1026, 300].map { Double($0 * Self.mib) })
    }

    @Test func aMissingOrGarbledSummaryIsAnErrorNamingTheFile() throws {
        let root = try TestSupport.temporaryDirectory("report-bad")
        let empty = root.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(throws: ReportError.missingSummary(path: empty + "/summary.json")) { try RunRecord.load(empty) }

        let garbled = root.appendingPathComponent("garbled").path
        try FileManager.default.createDirectory(atPath: garbled, withIntermediateDirectories: true)
        try "{\"steps\": 3".write(toFile: garbled + "/summary.json", atomically: true, encoding: .utf8)
        #expect(throws: ReportError.garbled(path: garbled + "/summary.json", reason: "not valid JSON")) { try RunRecord.load(garbled) }
        try "{\"steps\": 3}".write(toFile: garbled + "/summary.json", atomically: true, encoding: .utf8)
        #expect(throws: ReportError.garbled(path: garbled + "/summary.json", reason: "no \"final_loss\" field")) { try RunRecord.load(garbled) }

        #expect(throws: ReportError.notADirectory(path: root.path + "/absent")) { try RunRecord.load(root.path + "/absent") }
        let message = ReportError.missingSummary(path: "runs/x/summary.json").description
        #expect(message.hasPrefix("runs/x/summary.json is missing"))
    }

    @Test func aGarbledLogOrEvalNamesTheFileAndLine() throws {
        let (_, runs) = try Self.fabricate()
        let log = runs[1] + "/train_log.jsonl"
        try "{\"step\": 1}\n".write(toFile: log, atomically: true, encoding: .utf8)
        #expect(throws: ReportError.garbled(path: log + " line 1", reason: "no \"loss\" field")) { try RunRecord.load(runs[1]) }
        try FileManager.default.removeItem(atPath: log)
        let unlogged = try RunRecord.load(runs[1])
        #expect(unlogged.log == nil)   // absent is fine
        #expect(RunReport(runs: [unlogged]).lossChart.series.map(\.name) == ["natural-galore (no log)"])
        try "[]".write(toFile: runs[0] + "/eval.json", atomically: true, encoding: .utf8)
        #expect(throws: ReportError.self) { try RunRecord.load(runs[0]) }
    }

    @Test func clashingDirectoryNamesAreQualified() throws {
        let (root, runs) = try Self.fabricate()
        let copy = root.appendingPathComponent("second/adamw").path
        try FileManager.default.createDirectory(atPath: root.appendingPathComponent("second").path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: runs[0], toPath: copy)
        let names = try RunRecord.loadAll([runs[0], copy, runs[1] + "/"]).map(\.name)
        #expect(names == [root.lastPathComponent + "/adamw", "second/adamw", "natural-galore"])
    }

    @Test func evalResultOmitsAbsentProvenance() throws {
        let r = EvalResult(n: 2, successRate: 0.5, toolRecall: 1, validPlanRate: 1, meanEditDistance: 0, plansPerSecond: 2)
        let keys = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any]).keys
        #expect(Set(keys) == ["n", "success_rate", "tool_recall", "valid_plan_rate", "mean_edit_distance", "plans_per_s"])
        #expect(throws: ReportError.self) { try EvalResult.checkWritable("/proc/none/eval.json") }
    }
}
