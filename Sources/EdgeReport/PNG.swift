import Foundation

/// A PNG encoder (ISO/IEC 15948) for `Canvas`: signature, IHDR, one IDAT, IEND; 8-bit RGB or RGBA, no interlace.
///
/// Each row is filtered with whichever of None, Sub, Up or Paeth gives the smallest sum of absolute byte values
/// (the heuristic libpng recommends), then the rows go through our zlib stream (`Deflate`).
public enum PNG {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG bytes of `canvas`. Without `alpha` the image is RGB (colour type 2) and alpha is dropped.
    public static func encode(_ canvas: Canvas, alpha: Bool = false, compression: Deflate.Mode = .fixedHuffman) -> [UInt8] {
        let channels = alpha ? 4 : 3
        var header: [UInt8] = []
        header += bigEndian(UInt32(canvas.width))
        header += bigEndian(UInt32(canvas.height))
        header += [8, alpha ? 6 : 2, 0, 0, 0]   // bit depth, colour type, deflate, adaptive filtering, no interlace
        var out = signature
        out += chunk("IHDR", header)
        out += chunk("IDAT", Deflate.zlib(filteredRows(canvas, channels: channels), mode: compression))
        out += chunk("IEND", [])
        return out
    }

    /// Writes the PNG of `canvas` to `path` atomically.
    public static func write(_ canvas: Canvas, to path: String) throws {
        do {
            try Data(encode(canvas)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportError.unwritable(path: path, reason: error.localizedDescription)
        }
    }

    /// Length, type, data, CRC-32 of type + data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        precondition(typeBytes.count == 4, "PNG chunk types have four letters")
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(Checksums.crc32(typeBytes + data))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// Every scanline as filter byte + filtered bytes. One pass scores the four filters, a second writes the winner.
    static func filteredRows(_ canvas: Canvas, channels: Int) -> [UInt8] {
        let stride = canvas.width * channels
        var out = [UInt8](repeating: 0, count: (stride + 1) * canvas.height)
        var rows = [UInt8](repeating: 0, count: 2 * stride)   // previous row, then current row
        canvas.pixels.withUnsafeBufferPointer { rgba in
            out.withUnsafeMutableBufferPointer { out in
                rows.withUnsafeMutableBufferPointer { rows in
                    var (previous, row) = (0, stride)   // offsets into `rows`
                    for y in 0..<canvas.height {
                        let source = y * canvas.width * 4
                        for x in 0..<canvas.width {
                            for k in 0..<channels { rows[row + x * channels + k] = rgba[source + x * 4 + k] }
                        }
                        // Cost of each filter: Σ |byte as Int8| of its output (None, Sub, Up, Paeth).
                        var costs = (0, 0, 0, 0)
                        for i in 0..<stride {
                            let v = rows[row + i]
                            let a = i >= channels ? rows[row + i - channels] : 0
                            let b = rows[previous + i]
                            let c = i >= channels ? rows[previous + i - channels] : 0
                            costs.0 += magnitude(v)
                            costs.1 += magnitude(v &- a)
                            costs.2 += magnitude(v &- b)
                            costs.3 += magnitude(v &- paeth(a, b, c))
                        }
                        var filter: UInt8 = 0, best = costs.0
                        if costs.1 < best { (filter, best) = (1, costs.1) }
                        if costs.2 < best { (filter, best) = (2, costs.2) }
                        if costs.3 < best { (filter, best) = (4, costs.3) }
                        let base = y * (stride + 1)
                        out[base] = filter
                        for i in 0..<stride {
                            let v = rows[row + i]
                            let a = i >= channels ? rows[row + i - channels] : 0
                            let b = rows[previous + i]
                            let c = i >= channels ? rows[previous + i - channels] : 0
                            switch filter {
                            case 1: out[base + 1 + i] = v &- a
                            case 2: out[base + 1 + i] = v &- b
                            case 4: out[base + 1 + i] = v &- paeth(a, b, c)
                            default: out[base + 1 + i] = v
                            }
                        }
                        swap(&previous, &row)
                    }
                }
            }
        }
        return out
    }

    /// |v| with v read as a signed byte (libpng's "minimum sum of absolute differences" heuristic).
    @inline(__always) static func magnitude(_ v: UInt8) -> Int {
        v < 128 ? Int(v) : 256 - Int(v)
    }

    /// The Paeth predictor (PNG §9.4): whichever of left, up, upper-left is closest to left + up − upper-left.
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let (da, db, dc) = (p - Int(a), p - Int(b), p - Int(c))
        let pa = da < 0 ? -da : da, pb = db < 0 ? -db : db, pc = dc < 0 ? -dc : dc
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
