/// A zlib stream (RFC 1950) around DEFLATE data (RFC 1951), written by our own code.
///
/// Two modes: `.stored` (uncompressed blocks of ≤ 65,535 bytes) and `.fixedHuffman` (one block with the fixed
/// Huffman codes of RFC 1951 §3.2.6 and LZ77 matches found through a 3-byte hash chain). Charts are mostly flat
/// colour, so after PNG row filtering `.fixedHuffman` shrinks them by 20–100×; `.stored` is the simplest valid
/// stream and what tests use to read pixels back without an inflater.
public enum Deflate {
    public enum Mode: Sendable { case stored, fixedHuffman }

    /// `data` as a zlib stream: 2-byte header, DEFLATE blocks, Adler-32 of `data` (big-endian).
    public static func zlib(_ data: [UInt8], mode: Mode = .fixedHuffman) -> [UInt8] {
        // CMF 0x78 = deflate with a 32 KiB window; FLG makes (CMF·256 + FLG) a multiple of 31.
        var out: [UInt8] = [0x78, mode == .stored ? 0x01 : 0x9C]
        switch mode {
        case .stored: out += stored(data)
        case .fixedHuffman: out += fixedHuffman(data)
        }
        let adler = Checksums.adler32(data)
        out += [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
        return out
    }

    /// Stored blocks: header byte (BFINAL, BTYPE 00), LEN and ~LEN little-endian, then the bytes.
    static func stored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 65535 * 5 + 5)
        var start = 0
        repeat {
            let n = min(65535, data.count - start)
            let final = start + n == data.count
            out.append(final ? 1 : 0)
            out += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8 & 0xFF)]
            out += data[start..<(start + n)]
            start += n
        } while start < data.count
        return out
    }

    // RFC 1951 §3.2.5: base values and extra bits of length codes 257…285 and distance codes 0…29.
    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                                    131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                                      2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static let window = 32768, minMatch = 3, maxMatch = 258, maxChain = 48

    /// One final block with the fixed codes: greedy LZ77 over a hash chain of 3-byte prefixes.
    static func fixedHuffman(_ data: [UInt8]) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)   // BFINAL
        bits.write(1, count: 2)   // BTYPE 01: fixed Huffman codes
        let n = data.count
        let hashSize = 1 << 15   // Self.hash gives 15 bits
        // head[h]: newest position whose 3-byte prefix hashes to h; previous[p % window]: the one before p.
        var head = [Int32](repeating: -1, count: hashSize)
        var previous = [Int32](repeating: -1, count: window)
        data.withUnsafeBufferPointer { d in
            head.withUnsafeMutableBufferPointer { head in
                previous.withUnsafeMutableBufferPointer { previous in
                    var i = 0
                    while i < n {
                        var bestLength = 0, bestDistance = 0
                        if i + minMatch <= n {
                            var candidate = Int(head[Self.hash(d, i)])
                            var chain = maxChain
                            let limit = min(maxMatch, n - i)
                            while candidate >= 0 && i - candidate <= window && chain > 0 {
                                var length = 0
                                while length < limit && d[candidate + length] == d[i + length] { length += 1 }
                                if length > bestLength {
                                    (bestLength, bestDistance) = (length, i - candidate)
                                    if length == limit { break }
                                }
                                let next = Int(previous[candidate & (window - 1)])
                                if next >= candidate { break }   // the slot was reused by a newer position
                                candidate = next
                                chain -= 1
                            }
                        }
                        if bestLength >= minMatch {
                            writeLength(bestLength, to: &bits)
                            writeDistance(bestDistance, to: &bits)
                        } else {
                            writeLiteral(Int(d[i]), to: &bits)
                        }
                        // Index every position the step covered (a literal covers one).
                        let end = i + (bestLength >= minMatch ? bestLength : 1)
                        while i < end {
                            if i + minMatch <= n {
                                let h = Self.hash(d, i)
                                previous[i & (window - 1)] = head[h]
                                head[h] = Int32(i)
                            }
                            i += 1
                        }
                    }
                }
            }
        }
        writeLiteral(256, to: &bits)   // end of block
        return bits.finish()
    }

    /// Hash-chain bucket of the 3 bytes at `i` (15 bits).
    @inline(__always) static func hash(_ d: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        (Int(d[i]) << 10 ^ Int(d[i + 1]) << 5 ^ Int(d[i + 2])) & 0x7FFF
    }

    /// Fixed literal/length code of `symbol` (0…287), RFC 1951 §3.2.6.
    static func writeLiteral(_ symbol: Int, to bits: inout BitWriter) {
        switch symbol {
        case 0...143: bits.writeCode(0x30 + symbol, length: 8)
        case 144...255: bits.writeCode(0x190 + symbol - 144, length: 9)
        case 256...279: bits.writeCode(symbol - 256, length: 7)
        default: bits.writeCode(0xC0 + symbol - 280, length: 8)
        }
    }

    static func writeLength(_ length: Int, to bits: inout BitWriter) {
        var code = lengthBase.count - 1
        while lengthBase[code] > length { code -= 1 }
        writeLiteral(257 + code, to: &bits)
        bits.write(UInt64(length - lengthBase[code]), count: lengthExtra[code])
    }

    static func writeDistance(_ distance: Int, to bits: inout BitWriter) {
        var code = distanceBase.count - 1
        while distanceBase[code] > distance { code -= 1 }
        bits.writeCode(code, length: 5)
        bits.write(UInt64(distance - distanceBase[code]), count: distanceExtra[code])
    }
}

/// DEFLATE's bit order: values least-significant bit first, Huffman codes most-significant bit first.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var used = 0

    mutating func write(_ value: UInt64, count: Int) {
        guard count > 0 else { return }
        buffer |= (value & (1 << UInt64(count) - 1)) << UInt64(used)
        used += count
        while used >= 8 {
            bytes.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            used -= 8
        }
    }

    /// A Huffman code of `length` bits, sent from its most significant bit.
    mutating func writeCode(_ code: Int, length: Int) {
        var reversed: UInt64 = 0
        for k in 0..<length where code >> k & 1 != 0 { reversed |= 1 << UInt64(length - 1 - k) }
        write(reversed, count: length)
    }

    /// Pads the last byte with zero bits and returns everything written.
    mutating func finish() -> [UInt8] {
        if used > 0 { bytes.append(UInt8(buffer & 0xFF)) }
        (buffer, used) = (0, 0)
        return bytes
    }
}
