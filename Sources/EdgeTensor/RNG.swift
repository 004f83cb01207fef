#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: a tiny, portable, deterministic generator (Steele, Lea & Flood 2014).
///
/// Each draw: `state += 0x9E3779B97F4A7C15`, then
/// ```
/// z = state
/// z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
/// z = (z ^ (z >> 27)) * 0x94D049BB133111EB
/// out = z ^ (z >> 31)                       (all arithmetic mod 2^64)
/// ```
/// Conversions (reproducible in Python with plain integers and floats):
/// - `nextDouble()`  = (out >> 11) · 2^-53, in [0, 1);
/// - `uniformSigned()` = 2·nextDouble() − 1, in [−1, 1) — the portable fixture input of reference/optimizers.md §8.1;
/// - `normal()` = Box–Muller on two draws u1 = 1 − nextDouble() (in (0, 1]), u2 = nextDouble():
///   sqrt(−2 ln u1) · cos(2π u2); one normal per two draws (the sine half is discarded, so the
///   sequence does not depend on call history).
/// Seed 1 gives out = 10451216379200822465 first, and uniformSigned() = 0.1331231503445618, 0.49156351452540226, …
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable, Codable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform Double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform Double in [−1, 1).
    @inlinable
    public mutating func uniformSigned() -> Double { 2 * nextDouble() - 1 }

    /// Standard normal Double by Box–Muller (consumes two draws).
    @inlinable
    public mutating func normal() -> Double {
        let u1 = 1 - nextDouble()
        let u2 = nextDouble()
        return (-2 * Glibc.log(u1)).squareRoot() * Glibc.cos(2 * Double.pi * u2)
    }

    /// Uniform integer in 0..<n (n > 0) by multiply-shift on the high bits; negligible bias for small n.
    @inlinable
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0, "nextInt(below:) needs a positive bound")
        return Int((UInt128(next()) &* UInt128(n)) >> 64)
    }
}

extension DenseTensor {
    /// A tensor of uniform values in [−scale, scale), drawn row-major with `uniformSigned()`.
    public static func uniform(_ shape: [Int], scale: Double = 1, rng: inout SplitMix64) -> Self {
        var t = Self(zeros: shape)
        for i in 0..<t.count { t.scalars[i] = Scalar(scale * rng.uniformSigned()) }
        return t
    }

    /// A tensor of normal values with standard deviation `std`, drawn row-major with `normal()`.
    public static func normal(_ shape: [Int], std: Double = 1, rng: inout SplitMix64) -> Self {
        var t = Self(zeros: shape)
        for i in 0..<t.count { t.scalars[i] = Scalar(std * rng.normal()) }
        return t
    }
}
