/// Sizes shared by the charts (pixels at the default 900×540 canvas).
public struct ChartStyle: Sendable {
    public var width = 900, height = 540
    /// Space around the plot area for the title, tick labels and axis labels.
    public var marginLeft = 96, marginRight = 28, marginTop = 60, marginBottom = 74
    public var titleScale = 3, labelScale = 2, tickScale = 2, legendScale = 2
    public var lineWidth = 2.5

    public init() {}

    public var plotArea: Rect {
        Rect(x: marginLeft, y: marginTop, width: width - marginLeft - marginRight, height: height - marginTop - marginBottom)
    }
}

extension Canvas {
    /// Title, grid, axes, tick labels and axis labels around `frame` (the part every chart shares).
    /// `xTicks: false` leaves the x axis without numbers (bar charts label their categories themselves).
    mutating func drawFrame(_ frame: PlotFrame, style: ChartStyle, title: String, xLabel: String, yLabel: String,
                            xTicks: Bool = true) {
        let area = frame.area
        drawText(title, anchorX: width / 2, y: (style.marginTop - BitmapFont.height(scale: style.titleScale)) / 2,
                 align: .center, scale: style.titleScale, .ink)
        // Horizontal grid lines and y tick labels.
        for t in frame.y.ticks {
            let y = Int(frame.point(frame.x.lower, t).y.rounded())
            fill(Rect(x: area.x, y: y, width: area.width, height: 1), .grid)
            drawText(frame.y.label(t), anchorX: area.x - 10, y: y - BitmapFont.height(scale: style.tickScale) / 2, align: .right,
                     scale: style.tickScale, .muted)
        }
        if xTicks {
            for t in frame.x.ticks {
                let x = Int(frame.point(t, frame.y.lower).x.rounded())
                fill(Rect(x: x, y: area.y, width: 1, height: area.height), .grid)
                fill(Rect(x: x, y: area.maxY, width: 1, height: 6), .ink)
                drawText(frame.x.label(t), anchorX: x, y: area.maxY + 10, align: .center, scale: style.tickScale, .muted)
            }
        }
        // Axes: left and bottom, 2 px.
        fill(Rect(x: area.x - 1, y: area.y, width: 2, height: area.height + 1), .ink)
        fill(Rect(x: area.x - 1, y: area.maxY - 1, width: area.width + 1, height: 2), .ink)
        if !xLabel.isEmpty {
            drawText(xLabel, anchorX: area.x + area.width / 2, y: height - 8 - BitmapFont.height(scale: style.labelScale),
                     align: .center, scale: style.labelScale, .ink)
        }
        let yw = BitmapFont.width(yLabel, scale: style.labelScale)
        drawText(yLabel, x: 10, y: area.y + area.height / 2 + yw / 2, scale: style.labelScale, .ink, vertical: true)
    }

    /// A legend box in the top-right corner of `area`: a swatch per entry (drawn by `swatch` in a 28×14 box) and its name.
    mutating func drawLegend(_ names: [String], area: Rect, style: ChartStyle, swatch: (inout Canvas, Rect, Int) -> Void) {
        guard !names.isEmpty else { return }
        let box = style.legendBox(names, area: area)
        fill(box, Color.white.withAlpha(235))
        stroke(box, Color(hex: 0xB0B0B0))
        for (k, name) in names.enumerated() {
            let top = box.y + 8 + k * style.legendRowHeight
            swatch(&self, Rect(x: box.x + 8, y: top, width: 28, height: BitmapFont.height(scale: style.legendScale)), k)
            drawText(name, x: box.x + 8 + 28 + 8, y: top, scale: style.legendScale, .ink)
        }
    }
}

extension ChartStyle {
    var legendRowHeight: Int { BitmapFont.height(scale: legendScale) + 10 }

    /// Where the legend of `names` sits: the top-right corner of the plot area.
    func legendBox(_ names: [String], area: Rect) -> Rect {
        let textWidth = names.map { BitmapFont.width($0, scale: legendScale) }.max() ?? 0
        return Rect(x: area.maxX - textWidth - 28 - 34, y: area.y + 12, width: textWidth + 28 + 24, height: legendRowHeight * names.count + 10)
    }

    /// The highest value an axis from `lower` must reach so that data up to `top` under the legend stays below it
    /// (with a little air): the legend covers the top `legendBox.maxY − area.y` pixels of the plot.
    func upperClearingLegend(_ names: [String], lower: Double, top: Double) -> Double {
        let area = plotArea
        let covered = Double(legendBox(names, area: area).maxY - area.y + 12) / Double(area.height)
        return lower + (top - lower) / max(1 - covered, 0.2)
    }
}
