import Foundation
import EdgeTensor
import Testing
@testable import EdgeReport

/// Checksums against published values, DEFLATE/zlib and PNG round trips through an independent reader.
@Suite struct PNGTests {
    @Test func crc32MatchesPublishedValues() {
        #expect(Checksums.crc32(Array("IEND".utf8)) == 0xAE42_6082)   // the constant CRC of every PNG's IEND chunk
        #expect(Checksums.crc32(Array("123456789".utf8)) == 0xCBF4_3926)   // the CRC-32 check value
        #expect(Checksums.crc32([UInt8]()) == 0)
        let data: [UInt8] = (0..<3000).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 7 + i / 13) }
        #expect(Checksums.crc32(data) == TestPNGReader.referenceCRC(data))
    }

    @Test func adler32MatchesPublishedValuesAndTheNaiveSum() {
        #expect(Checksums.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Checksums.adler32([UInt8]()) == 1)
        // 20,000 × 0xFF crosses the 5,552-byte reduction boundary several times.
        let ones = [UInt8](repeating: 0xFF, count: 20000)
        #expect(Checksums.adler32(ones) == TestPNGReader.referenceAdler(ones))
    }

    /// Data with long runs, distant repeats (> 258 and up to the 32 KiB window) and incompressible stretches.
    static var samples: [[UInt8]] {
        var seeded = SplitMix64(seed: 7)
        let noise = (0..<40000).map { _ in UInt8.random(in: 0...255, using: &seeded) }
        let runs = [UInt8](repeating: 9, count: 1000) + [UInt8](repeating: 10, count: 3) + [UInt8](repeating: 9, count: 600)
        let far = Array(noise[0..<5000]) + Array(noise[20000..<30000]) + Array(noise[0..<5000])   // repeat 15,000 back
        let window = Array(noise[0..<32768]) + Array(noise[0..<1000])                              // exactly 32 KiB back
        return [[], [42], Array("abcabcabcabcabc".utf8), runs, noise, far, window, noise + noise[0..<30000]]   // last: 40,000 back, beyond the window
    }

    @Test(arguments: [Deflate.Mode.stored, .fixedHuffman])
    func zlibRoundTrips(mode: Deflate.Mode) throws {
        for data in Self.samples {
            let stream = Deflate.zlib(data, mode: mode)
            #expect(try TestPNGReader.inflateZlib(stream) == data, "\(data.count) bytes, \(mode)")
        }
    }

    @Test func fixedHuffmanCompressesRepetitiveData() {
        let runs = [UInt8](repeating: 200, count: 100_000)
        #expect(Deflate.zlib(runs).count < 1000)
        #expect(Deflate.zlib(runs, mode: .stored).count > 100_000)
    }

    /// A canvas whose every pixel differs, so each filter and each byte position is exercised.
    static func patterned(width: Int, height: Int) -> Canvas {
        var c = Canvas(width: width, height: height, background: .clear)
        for y in 0..<height {
            for x in 0..<width {
                c.fill(Rect(x: x, y: y, width: 1, height: 1), Color(UInt8(x * 37 & 0xFF), UInt8(y * 11 & 0xFF), UInt8((x ^ y) & 0xFF),
                                                                     UInt8(128 + (x + y) % 128)))
            }
        }
        return c
    }

    @Test(arguments: [(Deflate.Mode.stored, false), (.stored, true), (.fixedHuffman, false), (.fixedHuffman, true)])
    func pngRoundTripsPixels(mode: Deflate.Mode, alpha: Bool) throws {
        let canvas = Self.patterned(width: 37, height: 23)
        let image = try TestPNGReader.read(PNG.encode(canvas, alpha: alpha, compression: mode))
        #expect(image.chunkTypes == ["IHDR", "IDAT", "IEND"])
        #expect((image.width, image.height, image.channels) == (37, 23, alpha ? 4 : 3))
        for y in 0..<23 {
            for x in 0..<37 {
                let want = canvas.pixel(x, y)
                #expect(image.pixel(x, y) == (alpha ? want : want.withAlpha(255)), "pixel (\(x), \(y))")
            }
        }
    }

    @Test func theIENDChunkIsTheStandardTwelveBytes() {
        let png = PNG.encode(Canvas(width: 2, height: 2))
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
        #expect(Array(png.prefix(8)) == PNG.signature)
    }

    @Test func paethPicksTheClosestNeighbour() {
        #expect(PNG.paeth(10, 20, 10) == 20)   // p = 20: up is exact
        #expect(PNG.paeth(20, 10, 10) == 20)   // p = 20: left is exact
        #expect(PNG.paeth(10, 10, 10) == 10)
        #expect(PNG.paeth(100, 50, 200) == 50)   // p = −50: up (50) is closest
    }
}

