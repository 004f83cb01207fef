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

    /// Every scanline as filter byte + filtered bytes.
    static func filteredRows(_ canvas: Canvas, channels: Int) -> [UInt8] {
        let stride = canvas.width * channels
        var out: [UInt8] = []
        out.reserveCapacity((stride + 1) * canvas.height)
        var previous = [UInt8](repeating: 0, count: stride)
        var row = [UInt8](repeating: 0, count: stride)
        var candidate = [UInt8](repeating: 0, count: stride)
        for y in 0..<canvas.height {
            for x in 0..<canvas.width {
                let p = canvas.pixel(x, y)
                row[x * channels] = p.r
                row[x * channels + 1] = p.g
                row[x * channels + 2] = p.b
                if channels == 4 { row[x * channels + 3] = p.a }
            }
            var best: (filter: UInt8, bytes: [UInt8], cost: Int)? = nil
            for filter: UInt8 in [0, 1, 2, 4] {
                var cost = 0
                for i in 0..<stride {
                    let a = i >= channels ? row[i - channels] : 0
                    let b = previous[i]
                    let c = i >= channels ? previous[i - channels] : 0
                    let predictor: UInt8
                    switch filter {
                    case 1: predictor = a
                    case 2: predictor = b
                    case 4: predictor = paeth(a, b, c)
                    default: predictor = 0
                    }
                    let v = row[i] &- predictor
                    candidate[i] = v
                    cost += abs(Int(Int8(bitPattern: v)))
                }
                if best == nil || cost < best!.cost { best = (filter, candidate, cost) }
            }
            out.append(best!.filter)
            out += best!.bytes
            swap(&previous, &row)
        }
        return out
    }

    /// The Paeth predictor (PNG §9.4): whichever of left, up, upper-left is closest to left + up − upper-left.
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
