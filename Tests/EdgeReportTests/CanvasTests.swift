import Testing
@testable import EdgeReport

/// Rectangles, anti-aliased lines and bitmap text land on the expected pixels.
@Suite struct CanvasTests {
    static let red = Color(255, 0, 0)

    @Test func fillCoversExactlyTheRectangleAndClips() {
        var c = Canvas(width: 10, height: 8)
        c.fill(Rect(x: 2, y: 3, width: 4, height: 2), Self.red)
        c.fill(Rect(x: 8, y: 6, width: 10, height: 10), Self.red)   // partly outside: no crash, clipped
        for y in 0..<8 {
            for x in 0..<10 {
                let inside = (2..<6).contains(x) && (3..<5).contains(y) || x >= 8 && y >= 6
                #expect(c.pixel(x, y) == (inside ? Self.red : .white), "(\(x), \(y))")
            }
        }
        c.clip = Rect(x: 0, y: 0, width: 5, height: 5)
        c.fill(Rect(x: 0, y: 0, width: 10, height: 8), .black)
        #expect(c.pixel(4, 4) == .black)
        #expect(c.pixel(5, 4) == Self.red && c.pixel(6, 4) == .white && c.pixel(4, 5) == .white)   // outside the clip: as before
        c.fill(Rect(x: 3, y: 3, width: -2, height: 5), .black)   // empty: nothing happens
    }

    @Test func blendingIsSourceOver() {
        var c = Canvas(width: 2, height: 1)
        c.blend(0, 0, .black, coverage: 0.5)
        #expect(c.pixel(0, 0) == Color(128, 128, 128))
        c.blend(1, 0, Color(0, 0, 0, 51))   // 20% black over white
        #expect(c.pixel(1, 0) == Color(204, 204, 204))
    }

    @Test func aLinePassesThroughItsPointsAndNowhereElse() {
        var c = Canvas(width: 100, height: 60)
        c.strokeLine(Point(10.5, 10.5), Point(90.5, 50.5), width: 2, Self.red)
        // Pixel centres on the segment are fully covered: the ends, the middle, a quarter of the way.
        for (x, y) in [(10, 10), (50, 30), (90, 50), (30, 20)] { #expect(c.pixel(x, y) == Self.red, "(\(x), \(y))") }
        // Far from it: untouched. One pixel below it (distance 0.89 px, reach 1.5): partly covered, so anti-aliased.
        for (x, y) in [(50, 10), (10, 50), (95, 55), (5, 5)] { #expect(c.pixel(x, y) == .white, "(\(x), \(y))") }
        let edge = c.pixel(50, 29)
        #expect(edge.r == 255 && edge.g > 0 && edge.g < 255, "\(edge)")
    }

    @Test func polylineJoinsAreNotDrawnTwice() {
        // A half-transparent V: at the joint the colour must be the same as along one arm.
        var c = Canvas(width: 40, height: 40)
        let colour = Color(0, 0, 255, 128)
        c.strokePolyline([Point(5.5, 5.5), Point(20.5, 30.5), Point(35.5, 5.5)], width: 3, colour)
        #expect(c.pixel(20, 30) == c.pixel(12, 17), "joint \(c.pixel(20, 30)) vs arm \(c.pixel(12, 17))")
        #expect(c.pixel(20, 30) == Color(127, 127, 255))
    }

    @Test func theFontHasEveryPrintableASCIIGlyph() {
        #expect(BitmapFont.glyphs.count == 95 * 5)
        #expect(Array(BitmapFont.columns("A")) == [0x7E, 0x11, 0x11, 0x11, 0x7E])
        #expect(BitmapFont.columns("é") == BitmapFont.columns("?"))
        #expect(BitmapFont.columns("–") == BitmapFont.columns("-"))
        #expect(BitmapFont.width("ab", scale: 2) == 22)   // (2 × 6 − 1) × 2
    }

    @Test func textDrawsTheGlyphBits() {
        var c = Canvas(width: 20, height: 10)
        c.drawText("L", x: 1, y: 1, .black)   // L: column 0 full (rows 0–6), row 6 full (columns 0–4)
        for y in 0..<10 {
            for x in 0..<20 {
                let on = x == 1 && (1...7).contains(y) || y == 7 && (1...5).contains(x)
                #expect(c.pixel(x, y) == (on ? .black : .white), "(\(x), \(y))")
            }
        }
        var big = Canvas(width: 20, height: 20)
        big.drawText("L", x: 0, y: 0, scale: 2, .black)
        #expect(big.pixel(1, 13) == .black && big.pixel(9, 13) == .black && big.pixel(2, 11) == .white)
    }

    @Test func verticalTextRunsBottomToTop() {
        var c = Canvas(width: 10, height: 10)
        c.drawText("L", x: 1, y: 8, .black, vertical: true)
        // Column 0 of "L" (its stem) becomes the bottom row; row 6 (its foot) becomes the right column.
        for x in 1...7 { #expect(c.pixel(x, 7) == .black, "stem (\(x), 7)") }
        for y in 3...7 { #expect(c.pixel(7, y) == .black, "foot (7, \(y))") }
        #expect(c.pixel(2, 5) == .white)
    }
}
