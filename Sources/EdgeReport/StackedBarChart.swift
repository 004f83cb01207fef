/// One stacked bar per category (e.g. memory by component per run), with an optional marker value per bar
/// (e.g. peak RSS) drawn as a black tick across it.
public struct StackedBarChart: Sendable {
    public struct Bar: Sendable {
        public var name: String
        /// One value per entry of `components`, stacked bottom to top.
        public var values: [Double]
        public var marker: Double?
        public init(name: String, values: [Double], marker: Double? = nil) { (self.name, self.values, self.marker) = (name, values, marker) }
    }

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

    public var frame: PlotFrame {
        var top = 0.0
        for bar in bars {
            top = max(top, bar.values.filter(\.isFinite).reduce(0, +) / unit, (bar.marker ?? 0) / unit)
        }
        // Room above the tallest bar for the legend.
        let y = Axis(minimum: 0, maximum: max(top * 1.3, 1e-9), target: 6)
        return PlotFrame(area: style.plotArea, x: Axis(minimum: 0, maximum: Double(max(bars.count, 1))), y: y)
    }

    /// The slot (horizontal extent) of bar `k` and the bar rectangle's left edge and width inside it.
    public func barSpan(_ k: Int, in area: Rect) -> (left: Int, width: Int) {
        let slot = Double(area.width) / Double(max(bars.count, 1))
        let width = Int(min(slot * 0.55, 120))
        return (area.x + Int(slot * (Double(k) + 0.5)) - width / 2, width)
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
            }
            // Category label under the bar: scale 2 if it fits the slot, else 1, else truncated.
            var scale = style.tickScale, name = bar.name
            if BitmapFont.width(name, scale: scale) > slot - 8 { scale = 1 }
            while name.count > 1 && BitmapFont.width(name, scale: scale) > slot - 8 { name = String(name.dropLast(2)) + "~" }
            canvas.drawText(name, anchorX: left + width / 2, y: area.maxY + 10, align: .center, scale: scale, .ink)
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
