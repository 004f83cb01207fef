/// A point in canvas pixels: x to the right, y down; pixel (i, j) covers [i, i+1) × [j, j+1).
public struct Point: Sendable, Equatable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) { (self.x, self.y) = (x, y) }
}

/// An axis-aligned rectangle in canvas pixels.
public struct Rect: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { (self.x, self.y, self.width, self.height) = (x, y, width, height) }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public func contains(_ px: Int, _ py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
}

/// A small RGBA raster: filled rectangles, anti-aliased polylines of any width, bitmap text (`BitmapFont`).
/// Drawing blends source-over and is clipped to `clip` (the whole canvas unless set).
public struct Canvas: Sendable {
    public let width: Int, height: Int
    /// Row-major RGBA bytes.
    public private(set) var pixels: [UInt8]
    public var clip: Rect

    public init(width: Int, height: Int, background: Color = .white) {
        precondition(width > 0 && height > 0, "canvas of \(width)×\(height)")
        (self.width, self.height) = (width, height)
        pixels = [UInt8](repeating: 0, count: width * height * 4)
        clip = Rect(x: 0, y: 0, width: width, height: height)
        for i in 0..<(width * height) {
            (pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2], pixels[4 * i + 3]) = (background.r, background.g, background.b, background.a)
        }
    }

    public func pixel(_ x: Int, _ y: Int) -> Color {
        let i = 4 * (y * width + x)
        return Color(pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }

    /// Blends `color` over pixel (x, y) with `coverage` in 0…1 (scaled alpha); outside the clip does nothing.
    public mutating func blend(_ x: Int, _ y: Int, _ color: Color, coverage: Double = 1) {
        guard clip.contains(x, y), x >= 0, y >= 0, x < width, y < height else { return }
        let alpha = Double(color.a) / 255 * min(max(coverage, 0), 1)
        guard alpha > 0 else { return }
        let i = 4 * (y * width + x)
        let dstA = Double(pixels[i + 3]) / 255
        let outA = alpha + dstA * (1 - alpha)
        func mix(_ s: UInt8, _ d: UInt8) -> UInt8 {
            UInt8(((Double(s) * alpha + Double(d) * dstA * (1 - alpha)) / outA).rounded())
        }
        (pixels[i], pixels[i + 1], pixels[i + 2]) = (mix(color.r, pixels[i]), mix(color.g, pixels[i + 1]), mix(color.b, pixels[i + 2]))
        pixels[i + 3] = UInt8((outA * 255).rounded())
    }

    public mutating func fill(_ rect: Rect, _ color: Color) {
        let (x0, x1) = (max(rect.x, clip.x, 0), min(rect.maxX, clip.maxX, width))
        let (y0, y1) = (max(rect.y, clip.y, 0), min(rect.maxY, clip.maxY, height))
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 { blend(x, y, color) }
        }
    }

    /// A rectangle outline `thickness` pixels wide, inside `rect`.
    public mutating func stroke(_ rect: Rect, _ color: Color, thickness: Int = 1) {
        fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: thickness), color)
        fill(Rect(x: rect.x, y: rect.maxY - thickness, width: rect.width, height: thickness), color)
        fill(Rect(x: rect.x, y: rect.y + thickness, width: thickness, height: rect.height - 2 * thickness), color)
        fill(Rect(x: rect.maxX - thickness, y: rect.y + thickness, width: thickness, height: rect.height - 2 * thickness), color)
    }

    /// An anti-aliased polyline `width` pixels wide with round joins and caps. A pixel's coverage is
    /// `clamp(width/2 + 0.5 − d, 0, 1)` where `d` is the distance from its centre to the nearest segment, so
    /// joins are not drawn twice.
    public mutating func strokePolyline(_ points: [Point], width lineWidth: Double, _ color: Color) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !finite.isEmpty else { return }
        let reach = lineWidth / 2 + 0.5
        let minX = max(clip.x, Int((finite.map(\.x).min()! - reach).rounded(.down)))
        let maxX = min(clip.maxX - 1, Int((finite.map(\.x).max()! + reach).rounded(.up)))
        let minY = max(clip.y, Int((finite.map(\.y).min()! - reach).rounded(.down)))
        let maxY = min(clip.maxY - 1, Int((finite.map(\.y).max()! + reach).rounded(.up)))
        guard minX <= maxX, minY <= maxY else { return }
        let w = maxX - minX + 1
        var coverage = [Double](repeating: 0, count: w * (maxY - minY + 1))
        let segments = finite.count == 1 ? [(finite[0], finite[0])] : zip(finite, finite.dropFirst()).map { ($0, $1) }
        for (a, b) in segments {
            let x0 = max(minX, Int((min(a.x, b.x) - reach).rounded(.down))), x1 = min(maxX, Int((max(a.x, b.x) + reach).rounded(.up)))
            let y0 = max(minY, Int((min(a.y, b.y) - reach).rounded(.down))), y1 = min(maxY, Int((max(a.y, b.y) + reach).rounded(.up)))
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 {
                    let d = Self.distance(Point(Double(x) + 0.5, Double(y) + 0.5), a, b)
                    let c = min(max(reach - d, 0), 1)
                    let k = (y - minY) * w + (x - minX)
                    if c > coverage[k] { coverage[k] = c }
                }
            }
        }
        for y in minY...maxY {
            for x in minX...maxX {
                let c = coverage[(y - minY) * w + (x - minX)]
                if c > 0 { blend(x, y, color, coverage: c) }
            }
        }
    }

    public mutating func strokeLine(_ a: Point, _ b: Point, width: Double, _ color: Color) {
        strokePolyline([a, b], width: width, color)
    }

    /// Distance from `p` to the segment `a`–`b`.
    static func distance(_ p: Point, _ a: Point, _ b: Point) -> Double {
        let (dx, dy) = (b.x - a.x, b.y - a.y)
        let length2 = dx * dx + dy * dy
        var t = length2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2 : 0
        t = min(max(t, 0), 1)
        let (ex, ey) = (p.x - (a.x + t * dx), p.y - (a.y + t * dy))
        return (ex * ex + ey * ey).squareRoot()
    }
}
