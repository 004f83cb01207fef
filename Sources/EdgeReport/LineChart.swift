/// Lines of (x, y) data, one colour per series, with grid, ticks, axis labels, title and legend.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { (self.name, self.points) = (name, points) }
    }

    public var title: String, xLabel: String, yLabel: String
    public var series: [Series]
    /// Moving-average window (1 = raw data). With a window above 1 the raw line is drawn faintly behind the smoothed one.
    public var smoothing: Int
    public var style: ChartStyle

    public init(title: String, xLabel: String, yLabel: String, series: [Series], smoothing: Int = 1, style: ChartStyle = ChartStyle()) {
        (self.title, self.xLabel, self.yLabel, self.series, self.smoothing, self.style) = (title, xLabel, yLabel, series, max(1, smoothing), style)
    }

    /// Axes covering every finite point (raw points, so the faint raw lines fit too). When points fall under the
    /// legend's columns, the y axis grows so they stay below the legend box.
    public var frame: PlotFrame {
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let area = style.plotArea
        let x = Axis(minimum: all.map(\.x).min() ?? 0, maximum: all.map(\.x).max() ?? 1, target: 8)
        let (low, high) = (all.map(\.y).min() ?? 0, all.map(\.y).max() ?? 1)
        let legend = style.legendBox(series.map(\.name), area: area)
        let probe = PlotFrame(area: area, x: x, y: Axis(minimum: low, maximum: high))
        let under = all.filter { probe.point($0.x, $0.y).x >= Double(legend.x) - 4 }.map(\.y).max()
        let top = under.map { max(high, style.upperClearingLegend(series.map(\.name), lower: low, top: $0)) } ?? high
        return PlotFrame(area: area, x: x, y: Axis(minimum: low, maximum: top, target: 6))
    }

    /// Trailing moving average over `window` points (fewer at the start).
    public static func movingAverage(_ values: [Double], window: Int) -> [Double] {
        guard window > 1 else { return values }
        var out: [Double] = [], sum = 0.0
        out.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            sum += v
            if i >= window { sum -= values[i - window] }
            out.append(sum / Double(min(i + 1, window)))
        }
        return out
    }

    public func render() -> Canvas {
        var canvas = Canvas(width: style.width, height: style.height)
        let frame = self.frame
        canvas.drawFrame(frame, style: style, title: title, xLabel: xLabel, yLabel: yLabel)
        let plotted = series.filter { !$0.points.isEmpty }
        if plotted.isEmpty {
            canvas.drawText("no data", anchorX: frame.area.x + frame.area.width / 2, y: frame.area.y + frame.area.height / 2,
                            align: .center, scale: style.labelScale, .muted)
        }
        canvas.clip = Rect(x: frame.area.x, y: frame.area.y - 2, width: frame.area.width + 2, height: frame.area.height + 2)
        for (k, s) in series.enumerated() {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            let raw = points.map { frame.point($0.x, $0.y) }
            if smoothing > 1 {
                canvas.strokePolyline(raw, width: 1.5, Color.series(k).withAlpha(70))
                let smooth = Self.movingAverage(points.map(\.y), window: smoothing)
                canvas.strokePolyline(zip(points, smooth).map { frame.point($0.x, $1) }, width: style.lineWidth, Color.series(k))
            } else {
                canvas.strokePolyline(raw, width: style.lineWidth, Color.series(k))
            }
        }
        canvas.clip = Rect(x: 0, y: 0, width: canvas.width, height: canvas.height)
        let lw = style.lineWidth
        canvas.drawLegend(series.map(\.name), area: frame.area, style: style) { c, box, k in
            let mid = Double(box.y) + Double(box.height) / 2
            c.strokeLine(Point(Double(box.x), mid), Point(Double(box.maxX), mid), width: lw + 0.5, Color.series(k))
        }
        return canvas
    }
}
