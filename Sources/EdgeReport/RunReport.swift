import Foundation

/// `edgeagent report`: the table and the two plots for a set of runs, written into one directory.
public struct RunReport: Sendable {
    public var runs: [RunRecord]
    /// Moving-average window of the loss plot (1 = raw).
    public var smoothing: Int

    public init(runs: [RunRecord], smoothing: Int = 1) { (self.runs, self.smoothing) = (runs, max(1, smoothing)) }

    public var table: RunTable { RunTable(runs) }

    public static let memoryComponents = ["parameters", "gradients", "optimizer state", "activations"]

    /// Training loss against step, one line per run.
    public var lossChart: LineChart {
        let title = smoothing > 1 ? "Training loss (moving average of \(smoothing) steps)" : "Training loss"
        return LineChart(title: title, xLabel: "step", yLabel: "loss",
                         series: runs.map { .init(name: $0.log == nil ? $0.name + " (no log)" : $0.name, points: $0.lossPoints) },
                         smoothing: smoothing)
    }

    /// Memory by component per run (stacked, from summary.json), with the measured peak RSS marked.
    public var memoryChart: StackedBarChart {
        let bars = runs.map { r in
            StackedBarChart.Bar(name: r.name, values: [r.summary.parameterBytes, r.summary.gradientBytes, r.summary.optimizerStateBytes,
                                                       r.summary.activationBytes].map(Double.init),
                                marker: r.summary.peakRSSBytes.map(Double.init), markerLabel: r.summary.peakRSSBytes.map(Units.bytes))
        }
        let largest = bars.map(\.top).max() ?? 0
        let (unit, name) = largest >= 4 * 1_073_741_824 ? (1_073_741_824.0, "GiB") : (1_048_576.0, "MiB")
        return StackedBarChart(title: "Memory by component", xLabel: "", yLabel: "memory (\(name))",
                               components: Self.memoryComponents, markerName: "peak RSS", bars: bars, unit: unit)
    }

    /// report.md (heading, table, the two images).
    public var markdown: String {
        "# Run report\n\n" + table.markdown + "\n"
            + "Success, tool recall and valid plans come from each run's eval.json (`edgeagent eval --result`); "
            + "the rest from summary.json. \(Units.missing) marks a missing file.\n\n"
            + "![Training loss](loss.png)\n\n![Memory by component](memory.png)\n"
    }

    /// Writes `report.md`, `loss.png` and `memory.png` into `directory` (created if needed); returns their paths.
    @discardableResult
    public func write(to directory: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError.unwritable(path: directory, reason: error.localizedDescription)
        }
        let md = directory + "/report.md", loss = directory + "/loss.png", memory = directory + "/memory.png"
        do {
            try Data(markdown.utf8).write(to: URL(fileURLWithPath: md), options: .atomic)
        } catch {
            throw ReportError.unwritable(path: md, reason: error.localizedDescription)
        }
        try PNG.write(lossChart.render(), to: loss)
        try PNG.write(memoryChart.render(), to: memory)
        return [md, loss, memory]
    }
}
