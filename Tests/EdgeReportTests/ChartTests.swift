import Testing
@testable import EdgeReport

/// Axes pick readable ticks; charts put data where the axes say.
@Suite struct ChartTests {
    @Test func axesUseNiceSteps() {
        let unit = Axis(minimum: 0, maximum: 1)
        #expect((unit.lower, unit.upper, unit.step) == (0, 1, 0.2))
        #expect(unit.ticks.map(unit.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let loss = Axis(minimum: 0.53, maximum: 2.91)
        #expect((loss.lower, loss.upper, loss.step) == (0.5, 3, 0.5))
        let steps = Axis(minimum: 1, maximum: 300, target: 8)
        #expect((steps.lower, steps.upper, steps.step) == (0, 300, 50))
        #expect(steps.label(150) == "150")
        let flat = Axis(minimum: 2, maximum: 2)   // one value: widened, still contains it
        #expect(flat.lower < 2 && flat.upper > 2)
        let zero = Axis(minimum: 0, maximum: 0)
        #expect(zero.lower <= -1 && zero.upper >= 1)
        #expect(Axis(minimum: -0.3, maximum: 0.3).label(-1e-17) == "0.0")
        #expect(Axis(minimum: .nan, maximum: 5).upper == 1)   // non-finite input falls back to 0…1
    }

    static let twoLines = LineChart(title: "Training loss", xLabel: "step", yLabel: "loss", series: [
        .init(name: "a", points: [(0, 3.0), (10, 1.0)]),
        .init(name: "b", points: [(0, 2.0), (10, 0.5)]),
    ])

    @Test func lineChartDrawsEachSeriesThroughItsDataPoints() {
        let chart = Self.twoLines
        let frame = chart.frame
        #expect((frame.y.lower, frame.y.upper) == (0.5, 3))
        #expect(frame.area == Rect(x: 96, y: 60, width: 776, height: 406))
        let canvas = chart.render()
        func at(_ x: Double, _ y: Double) -> Color {
            let p = frame.point(x, y)
            return canvas.pixel(Int(p.x), Int(p.y))
        }
        // Series a from (0, 3) to (10, 1): its midpoint (5, 2) and a point a quarter along; series b likewise.
        #expect(at(5, 2) == Color.series(0))
        #expect(at(2.5, 2.5) == Color.series(0))
        #expect(at(5, 1.25) == Color.series(1))
        #expect(at(7.5, 0.875) == Color.series(1))
        // Data space maps onto the plot area: (0, 0.5) is its bottom-left corner, (10, 3) its top-right.
        #expect(frame.point(0, 0.5) == Point(96, 466))
        #expect(frame.point(10, 3) == Point(872, 60))
        // Empty plot space stays white; the axis line is ink.
        #expect(at(7, 2.2) == .white)
        #expect(canvas.pixel(95, 300) == .ink)
        // Legend box in the top-right corner (default style: x 800…862, rows 24 px apart from y 80): one swatch per series.
        #expect(canvas.pixel(822, 87) == Color.series(0))
        #expect(canvas.pixel(822, 111) == Color.series(1))
    }

    @Test func dataUnderTheLegendRaisesTheAxis() {
        var chart = Self.twoLines
        chart.series[0].points = [(0, 1.0), (10, 3.0)]   // rising into the top-right corner
        let frame = chart.frame
        #expect(frame.y.upper > 3)
        let legend = chart.style.legendBox(["a", "b"], area: frame.area)
        #expect(frame.point(10, 3).y > Double(legend.maxY), "the last point is drawn below the legend box")
    }

    @Test func smoothingAveragesTrailingPoints() {
        #expect(LineChart.movingAverage([1, 2, 3, 4], window: 2) == [1, 1.5, 2.5, 3.5])
        #expect(LineChart.movingAverage([1, 2, 3, 4], window: 1) == [1, 2, 3, 4])
        #expect(LineChart.movingAverage([3, 6, 9], window: 10) == [3, 4.5, 6])
        var chart = Self.twoLines
        chart.series[0].points = [(0, 1), (5, 3), (10, 1)]
        chart.smoothing = 2
        let canvas = chart.render(), frame = chart.frame
        // Smoothed a: (0, 1), (5, 2), (10, 2). Its flat right half is solid; the raw peak (5, 3) is only faint.
        let flat = frame.point(7.5, 2), peak = frame.point(5, 3)
        #expect(canvas.pixel(Int(flat.x), Int(flat.y)) == Color.series(0))
        let faint = canvas.pixel(Int(peak.x), Int(peak.y))
        #expect(faint != Color.series(0) && faint != .white, "\(faint)")
    }

    @Test func emptyChartsSayNoData() {
        let chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "none", points: [])])
        let canvas = chart.render()
        #expect((canvas.width, canvas.height) == (900, 540))
        // "no data" in the middle of the plot area, in the muted text colour.
        let area = chart.frame.area
        let middle = (area.x + area.width / 2 - 60..<area.x + area.width / 2 + 60).flatMap { x in
            (area.y + area.height / 2..<area.y + area.height / 2 + 14).map { canvas.pixel(x, $0) }
        }
        #expect(middle.contains(.muted))
        let bars = StackedBarChart(title: "t", xLabel: "x", yLabel: "y", components: ["c"], markerName: "m", bars: []).render()
        #expect(!bars.pixels.isEmpty)
        let plot = (100..<500).map { bars.pixel($0, 400) }
        #expect(!plot.contains(StackedBarChart.componentColor(0)))
    }

    @Test func stackedBarsStackComponentsAndMarkThePeak() {
        let mib = 1_048_576.0
        let chart = StackedBarChart(title: "Memory", xLabel: "run", yLabel: "MiB", components: ["p", "g", "o", "a"], markerName: "peak",
                                    bars: [.init(name: "one", values: [100, 50, 0, 25].map { $0 * mib }, marker: 200 * mib),
                                           .init(name: "two", values: [100, 100, 40, 0].map { $0 * mib }, marker: nil)],
                                    unit: mib)
        let frame = chart.frame
        #expect((frame.y.lower, frame.y.upper) == (0, 300))   // tallest 240 + 10% for marker labels → 264 → step 50
        let canvas = chart.render()
        func at(_ bar: Int, _ value: Double) -> Color {
            let (left, width) = chart.barSpan(bar, in: frame.area)
            return canvas.pixel(left + width / 2, Int(frame.point(0, value).y))
        }
        #expect(at(0, 50) == StackedBarChart.componentColor(0))
        #expect(at(0, 125) == StackedBarChart.componentColor(1))
        #expect(at(0, 160) == StackedBarChart.componentColor(3))   // component 2 is empty
        #expect(at(0, 200) == .black)                              // peak RSS marker
        #expect(at(0, 190) == .white)                              // above the stack, below the marker
        #expect(at(1, 220) == StackedBarChart.componentColor(2))
        #expect(at(1, 245) == .white)
        let (left, _) = chart.barSpan(0, in: frame.area)
        #expect(canvas.pixel(left - 4, Int(frame.point(0, 75).y)) == .white)   // the bar has edges (75: off the grid lines)
    }

    @Test func longBarLabelsWrapAtDashesThenShrink() {
        #expect(StackedBarChart.labelLines("adamw", width: 140, scale: 2) == (["adamw"], 2))
        #expect(StackedBarChart.labelLines("natural-galore", width: 140, scale: 2) == (["natural-", "galore"], 2))
        #expect(StackedBarChart.labelLines("a-b-verylongname", width: 150, scale: 2) == (["a-b-", "verylongname"], 2))
        #expect(StackedBarChart.labelLines("abcdefghijklmnopq", width: 140, scale: 2) == (["abcdefghijklmnopq"], 1))
        let cut = StackedBarChart.labelLines(String(repeating: "x", count: 40), width: 140, scale: 2)
        #expect(cut.scale == 1 && cut.text[0].hasSuffix("~") && BitmapFont.width(cut.text[0], scale: 1) <= 140)
    }
}
