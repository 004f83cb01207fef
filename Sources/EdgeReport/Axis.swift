import Foundation

/// A linear axis with "nice" ticks (1, 2 or 5 × 10^k) that cover the data range.
public struct Axis: Sendable, Equatable {
    public var lower: Double, upper: Double, step: Double

    /// Ticks for values in `minimum…maximum`, about `target` of them. An empty or single-valued range is widened.
    public init(minimum: Double, maximum: Double, target: Int = 6) {
        var (lo, hi) = minimum.isFinite && maximum.isFinite ? (minimum, maximum) : (0, 1)
        if lo > hi { swap(&lo, &hi) }
        if hi - lo < 1e-12 * max(abs(lo), abs(hi), 1) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            (lo, hi) = (lo - pad, hi + pad)
        }
        let step = Self.niceStep((hi - lo) / Double(max(target, 1)))
        (lower, upper, self.step) = ((lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step, step)
    }

    /// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let normal = raw / magnitude
        let nice: Double = normal <= 1 ? 1 : normal <= 2 ? 2 : normal <= 5 ? 5 : 10
        return nice * magnitude
    }

    public var ticks: [Double] {
        let n = Int(((upper - lower) / step).rounded())
        return (0...n).map { lower + Double($0) * step }
    }

    /// Fraction 0…1 of `value` along the axis.
    public func fraction(_ value: Double) -> Double { (value - lower) / (upper - lower) }

    /// A tick label with as many decimals as the step needs ("0.25" → 2, "500" → 0).
    public func label(_ value: Double) -> String {
        var decimals = 0
        while decimals < 6 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { break }
            decimals += 1
        }
        let v = abs(value) < step * 1e-9 ? 0 : value   // no "-0"
        return String(format: "%.\(decimals)f", v)
    }
}

/// Where a chart's plot area sits on its canvas and how data maps onto it.
public struct PlotFrame: Sendable {
    public var area: Rect
    public var x: Axis, y: Axis

    /// Canvas position of the data point (x, y); y grows upwards in data space.
    public func point(_ px: Double, _ py: Double) -> Point {
        Point(Double(area.x) + x.fraction(px) * Double(area.width), Double(area.maxY) - y.fraction(py) * Double(area.height))
    }
}
