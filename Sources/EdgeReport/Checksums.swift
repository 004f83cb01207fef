/// The two checksums a PNG file needs: CRC-32 over each chunk (ISO 3309 / ITU-T V.42, as in zlib's `crc32`)
/// and Adler-32 over the uncompressed zlib payload (RFC 1950).
public enum Checksums {
    /// CRC-32 with the reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF.
    /// `CRC32("IEND") = 0xAE426082`, `CRC32("123456789") = 0xCBF43926`.
    public static func crc32<C: Collection<UInt8>>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }

    /// Adler-32: `s1 = 1 + Σ bytes`, `s2 = Σ s1` (both mod 65521), result `s2 << 16 | s1`.
    /// `adler32("Wikipedia") = 0x11E60398`.
    public static func adler32<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
        let mod: UInt32 = 65521
        var s1: UInt32 = 1, s2: UInt32 = 0
        var pending = 0
        for b in bytes {
            s1 += UInt32(b)
            s2 += s1
            pending += 1
            // 5552 bytes is the most that cannot overflow 32 bits before reducing (zlib's NMAX).
            if pending == 5552 { s1 %= mod; s2 %= mod; pending = 0 }
        }
        return (s2 % mod) << 16 | (s1 % mod)
    }

    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
