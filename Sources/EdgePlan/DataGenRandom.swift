/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose output is identical on every
/// platform and Swift version, so generated datasets are reproducible byte for byte.
///
///     state += 0x9E3779B97F4A7C15
///     z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB
///     return z ^ (z >> 31)
///
/// (EdgePlan keeps its own copy so it does not depend on the tensor targets.)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n` (n > 0) by Lemire's multiply-shift with rejection: no modulo bias, and
    /// no dependence on the standard library's unspecified `random(in:)` algorithm.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(0)")
        let bound = UInt64(n)
        while true {
            let r = next().multipliedFullWidth(by: bound)
            if r.low >= (0 &- bound) % bound { return Int(r.high) }
        }
    }

    /// Uniform in a closed range.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * 0x1.0p-53 < p
    }

    /// A uniformly chosen element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// `k` distinct elements (k ≤ count), in random order.
    public mutating func sample<T>(_ items: [T], _ k: Int) -> [T] {
        var pool = items
        var out: [T] = []
        for _ in 0..<min(k, pool.count) { out.append(pool.remove(at: below(pool.count))) }
        return out
    }

    /// A seed for an independent stream, derived from this one and a label (FNV-1a of the label).
    public static func derive(_ seed: UInt64, _ label: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        var g = SplitMix64(seed: seed ^ h)
        return g.next()
    }
}

/// FNV-1a 64-bit of a string: a stable hash (Swift's `Hasher` is randomly seeded per process).
public func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}
