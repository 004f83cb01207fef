/// An 8-bit sRGB colour with straight (not premultiplied) alpha.
public struct Color: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        (self.r, self.g, self.b, self.a) = (r, g, b, a)
    }

    /// `0xRRGGBB`, opaque.
    public init(hex: UInt32) {
        self.init(UInt8(hex >> 16 & 0xFF), UInt8(hex >> 8 & 0xFF), UInt8(hex & 0xFF))
    }

    public func withAlpha(_ a: UInt8) -> Color { Color(r, g, b, a) }

    public var description: String { "rgba(\(r), \(g), \(b), \(a))" }

    public static let white = Color(255, 255, 255)
    public static let black = Color(0, 0, 0)
    public static let clear = Color(0, 0, 0, 0)
    /// Text and axes.
    public static let ink = Color(hex: 0x262626)
    /// Grid lines.
    public static let grid = Color(hex: 0xE3E3E3)
    /// Secondary text (tick labels, notes).
    public static let muted = Color(hex: 0x555555)

    /// Tableau 10: distinct, print-friendly series colours (used in order, then repeated).
    public static let palette: [Color] = [0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948, 0xB07AA1, 0xFF9DA7,
                                          0x9C755F, 0xBAB0AC].map { Color(hex: $0) }

    public static func series(_ k: Int) -> Color { palette[k % palette.count] }
}
