import Foundation

/// One stacked bar per category (e.g. memory by component per run), with an optional marker value per bar
/// (e.g. peak RSS) drawn as a black tick across it.
public struct StackedBarChart: Sendable {
    public struct Bar: Sendable {
        public var name: String
        /// One value per entry of `components`, stacked bottom to top.
        public var values: [Double]
        public var marker: Double?
        /// Text above the marker (e.g. "2.70 GiB").
        public var markerLabel: String?
        public init(name: String, values: [Double], marker: Double? = nil, markerLabel: String? = nil) {
            (self.name, self.values, self.marker, self.markerLabel) = (name, values, marker, markerLabel)
        }

        var top: Double { max(values.filter(\.isFinite).reduce(0, +), marker.flatMap { $0.isFinite ? $0 : nil } ?? 0) }
    }

    /// An empty `xLabel` leaves room for two-line category labels.
    public var title: String, xLabel: String, yLabel: String
    public var components: [String]
    public var markerName: String
    public var bars: [Bar]
    /// Values are divided by this before plotting (e.g. 2^20 for MiB); tick labels are in the divided unit.
    public var unit: Double
    public var style: ChartStyle

    public init(title: String, xLabel: String, yLabel: String, components: [String], markerName: String, bars: [Bar],
                unit: Double = 1, style: ChartStyle = ChartStyle()) {
        (self.title, self.xLabel, self.yLabel, self.components, self.markerName) = (title, xLabel, yLabel, components, markerName)
        (self.bars, self.unit, self.style) = (bars, unit, style)
    }

    public static let componentColors: [Color] = [0x4E79A7, 0xF28E2B, 0x59A14F, 0xB07AA1, 0x76B7B2, 0xEDC948].map { Color(hex: $0) }
    public static func componentColor(_ k: Int) -> Color { componentColors[k % componentColors.count] }

    /// The y axis leaves room for marker labels, and bars under the legend's columns stay below the legend box.
    public var frame: PlotFrame {
        let area = style.plotArea
        let legend = style.legendBox(components + [markerName], area: area)
        var top = 1e-9
        for (k, bar) in bars.enumerated() {
            let value = bar.top / unit * 1.1
            let (left, width) = barSpan(k, in: area)
            let underLegend = left + width + 10 >= legend.x
            top = max(top, underLegend ? style.upperClearingLegend(components + [markerName], lower: 0, top: value) : value)
        }
        return PlotFrame(area: area, x: Axis(minimum: 0, maximum: Double(max(bars.count, 1))), y: Axis(minimum: 0, maximum: top, target: 7))
    }

    /// The slot (horizontal extent) of bar `k` and the bar rectangle's left edge and width inside it.
    public func barSpan(_ k: Int, in area: Rect) -> (left: Int, width: Int) {
        let slot = Double(area.width) / Double(max(bars.count, 1))
        let width = Int(min(slot * 0.55, 120))
        return (area.x + Int(slot * (Double(k) + 0.5)) - width / 2, width)
    }

    /// A category label in at most two lines of `width` pixels: whole at `scale`, else split after a '-', '_' or
    /// space, else at half the scale, else truncated with '~'.
    static func labelLines(_ name: String, width: Int, scale: Int) -> (text: [String], scale: Int) {
        func fits(_ s: String, _ scale: Int) -> Bool { BitmapFont.width(s, scale: scale) <= width }
        if fits(name, scale) { return ([name], scale) }
        let breaks = name.indices.filter { "-_ ".contains(name[$0]) }
        // The break that makes the longer line shortest.
        let splits = breaks.map { i -> [String] in
            [String(name[...i]).trimmingCharacters(in: .whitespaces), String(name[name.index(after: i)...])]
        }.filter { $0.allSatisfy { !$0.isEmpty } }
        if let best = splits.min(by: { $0.map(\.count).max()! < $1.map(\.count).max()! }), best.allSatisfy({ fits($0, scale) }) {
            return (best, scale)
        }
        let small = max(1, scale / 2)
        var text = name
        while text.count > 1 && !fits(text, small) { text = String(text.dropLast(2)) + "~" }
        return ([text], small)
    }

    public func render() -> Canvas {
        var canvas = Canvas(width: style.width, height: style.height)
        let frame = self.frame, area = frame.area
        canvas.drawFrame(frame, style: style, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: false)
        let slot = area.width / max(bars.count, 1)
        for (k, bar) in bars.enumerated() {
            let (left, width) = barSpan(k, in: area)
            var base = 0.0
            for (c, v) in bar.values.enumerated() where v.isFinite && v > 0 {
                let y0 = Int(frame.point(0, base).y.rounded()), y1 = Int(frame.point(0, base + v / unit).y.rounded())
                canvas.fill(Rect(x: left, y: y1, width: width, height: y0 - y1), Self.componentColor(c))
                base += v / unit
            }
            if let m = bar.marker, m.isFinite {
                let y = Int(frame.point(0, m / unit).y.rounded())
                canvas.fill(Rect(x: left - 10, y: y - 2, width: width + 20, height: 4), .black)
                if let label = bar.markerLabel {
                    canvas.drawText(label, anchorX: left + width / 2, y: y - 8 - BitmapFont.height(scale: style.tickScale), align: .center,
                                    scale: style.tickScale, .ink)
                }
            }
            let lines = Self.labelLines(bar.name, width: slot - 8, scale: style.tickScale)
            for (i, line) in lines.text.enumerated() {
                canvas.drawText(line, anchorX: left + width / 2, y: area.maxY + 10 + i * BitmapFont.lineHeight * lines.scale,
                                align: .center, scale: lines.scale, .ink)
            }
        }
        let names = components + [markerName]
        let n = components.count
        canvas.drawLegend(names, area: area, style: style) { c, box, k in
            if k < n {
                c.fill(box, Self.componentColor(k))
            } else {
                c.fill(Rect(x: box.x, y: box.y + box.height / 2 - 2, width: box.width, height: 4), .black)
            }
        }
        return canvas
    }
}
