import Foundation
@testable import EdgeReport

/// A minimal PNG reader written independently of the encoder, to check what it writes: chunk CRCs, IHDR,
/// a zlib stream (header, stored and fixed-Huffman DEFLATE blocks, Adler-32) and all five row filters.
enum TestPNGReader {
    struct Failure: Error, CustomStringConvertible { var description: String }

    struct Image {
        var width: Int, height: Int, channels: Int
        var bytes: [UInt8]   // row-major, `channels` bytes per pixel
        var chunkTypes: [String]
        func pixel(_ x: Int, _ y: Int) -> Color {
            let i = (y * width + x) * channels
            return Color(bytes[i], bytes[i + 1], bytes[i + 2], channels == 4 ? bytes[i + 3] : 255)
        }
    }

    static func read(_ file: [UInt8]) throws -> Image {
        guard file.count > 8, Array(file[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Failure(description: "no PNG signature")
        }
        var at = 8, types: [String] = [], idat: [UInt8] = []
        var header: [UInt8] = []
        func u32(_ i: Int) -> UInt32 { UInt32(file[i]) << 24 | UInt32(file[i + 1]) << 16 | UInt32(file[i + 2]) << 8 | UInt32(file[i + 3]) }
        while at < file.count {
            guard at + 12 <= file.count else { throw Failure(description: "truncated chunk at \(at)") }
            let length = Int(u32(at))
            let type = String(decoding: file[(at + 4)..<(at + 8)], as: UTF8.self)
            guard at + 12 + length <= file.count else { throw Failure(description: "chunk \(type) overruns the file") }
            let body = Array(file[(at + 8)..<(at + 8 + length)])
            let crc = u32(at + 8 + length)
            guard crc == referenceCRC(Array(file[(at + 4)..<(at + 8 + length)])) else { throw Failure(description: "bad CRC in \(type)") }
            types.append(type)
            if type == "IHDR" { header = body }
            if type == "IDAT" { idat += body }
            at += 12 + length
            if type == "IEND" { break }
        }
        guard types.first == "IHDR", types.last == "IEND", header.count == 13 else { throw Failure(description: "chunks \(types)") }
        let width = Int(UInt32(header[0]) << 24 | UInt32(header[1]) << 16 | UInt32(header[2]) << 8 | UInt32(header[3]))
        let height = Int(UInt32(header[4]) << 24 | UInt32(header[5]) << 16 | UInt32(header[6]) << 8 | UInt32(header[7]))
        guard header[8] == 8, header[9] == 2 || header[9] == 6, header[10] == 0, header[11] == 0, header[12] == 0 else {
            throw Failure(description: "unsupported IHDR \(header)")
        }
        let channels = header[9] == 6 ? 4 : 3
        let raw = try inflateZlib(idat)
        let stride = width * channels
        guard raw.count == height * (stride + 1) else { throw Failure(description: "\(raw.count) bytes for \(width)×\(height)") }
        var out = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            for i in 0..<stride {
                let x = raw[y * (stride + 1) + 1 + i]
                let a = i >= channels ? Int(out[y * stride + i - channels]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + i]) : 0
                let c = i >= channels && y > 0 ? Int(out[(y - 1) * stride + i - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw Failure(description: "filter \(filter) in row \(y)")
                }
                out[y * stride + i] = UInt8((Int(x) + predictor) & 0xFF)
            }
        }
        return Image(width: width, height: height, channels: channels, bytes: out, chunkTypes: types)
    }

    /// Bitwise CRC-32 (no table), to check the encoder's table-driven one.
    static func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    /// Adler-32 reduced after every byte.
    static func referenceAdler(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in bytes { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    static func inflateZlib(_ stream: [UInt8]) throws -> [UInt8] {
        guard stream.count >= 6, stream[0] & 0x0F == 8, (Int(stream[0]) << 8 | Int(stream[1])) % 31 == 0, stream[1] & 0x20 == 0 else {
            throw Failure(description: "bad zlib header")
        }
        var reader = BitReader(bytes: stream, position: 2)
        let out = try inflate(&reader)
        let at = (reader.position + 7) / 8
        guard at + 4 == stream.count else { throw Failure(description: "\(stream.count - at) bytes after the deflate data") }
        let adler = UInt32(stream[at]) << 24 | UInt32(stream[at + 1]) << 16 | UInt32(stream[at + 2]) << 8 | UInt32(stream[at + 3])
        guard adler == referenceAdler(out) else { throw Failure(description: "bad Adler-32") }
        return out
    }

    struct BitReader {
        var bytes: [UInt8]
        var position: Int   // in bits
        init(bytes: [UInt8], position byte: Int) { (self.bytes, self.position) = (bytes, byte * 8) }
        mutating func bit() throws -> Int {
            guard position / 8 < bytes.count else { throw Failure(description: "deflate data ends early") }
            defer { position += 1 }
            return Int(bytes[position / 8] >> UInt8(position % 8)) & 1
        }
        mutating func bits(_ n: Int) throws -> Int {
            var v = 0
            for k in 0..<n { v |= try bit() << k }
            return v
        }
    }

    static func inflate(_ r: inout BitReader) throws -> [UInt8] {
        var out: [UInt8] = []
        var final = 0
        repeat {
            final = try r.bits(1)
            switch try r.bits(2) {
            case 0:
                r.position = (r.position + 7) / 8 * 8
                let len = try r.bits(16), nlen = try r.bits(16)
                guard len ^ nlen == 0xFFFF else { throw Failure(description: "stored block LEN/NLEN mismatch") }
                for _ in 0..<len { out.append(UInt8(try r.bits(8))) }
            case 1:
                while true {
                    let symbol = try fixedLiteral(&r)
                    if symbol < 256 { out.append(UInt8(symbol)); continue }
                    if symbol == 256 { break }
                    guard symbol <= 285 else { throw Failure(description: "length symbol \(symbol)") }
                    let k = symbol - 257
                    let length = Deflate.lengthBase[k] + (try r.bits(Deflate.lengthExtra[k]))
                    var dcode = 0
                    for _ in 0..<5 { dcode = dcode << 1 | (try r.bit()) }
                    guard dcode < 30 else { throw Failure(description: "distance code \(dcode)") }
                    let distance = Deflate.distanceBase[dcode] + (try r.bits(Deflate.distanceExtra[dcode]))
                    guard distance <= out.count else { throw Failure(description: "distance \(distance) before the start") }
                    for _ in 0..<length { out.append(out[out.count - distance]) }
                }
            default:
                throw Failure(description: "block type not written by our encoder")
            }
        } while final == 0
        return out
    }

    /// Reads one fixed-Huffman literal/length symbol (RFC 1951 §3.2.6), code bits most-significant first.
    static func fixedLiteral(_ r: inout BitReader) throws -> Int {
        var code = 0
        for _ in 0..<7 { code = code << 1 | (try r.bit()) }
        if code <= 0x17 { return 256 + code }                        // 7 bits: 256…279
        code = code << 1 | (try r.bit())
        if code >= 0x30 && code <= 0xBF { return code - 0x30 }        // 8 bits: 0…143
        if code >= 0xC0 && code <= 0xC7 { return 280 + code - 0xC0 }  // 8 bits: 280…287
        code = code << 1 | (try r.bit())
        return 144 + code - 0x190                                      // 9 bits: 144…255
    }
}
