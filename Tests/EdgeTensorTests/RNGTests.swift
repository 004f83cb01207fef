import EdgeTensor
import Testing

@Suite struct RNGTests {
    /// Pinned values from reference/optimizers.md §8.1 (also reproducible with a 10-line Python loop).
    @Test func splitMixFirstValuesArePinned() {
        var r = SplitMix64(seed: 1)
        #expect(r.next() == 10451216379200822465)
        var u = SplitMix64(seed: 1)
        #expect(u.uniformSigned() == 0.1331231503445618)
        #expect(u.uniformSigned() == 0.49156351452540226)
        #expect(u.uniformSigned() == 0.9420055071735924)
    }

    @Test func normalHasUnitMomentsAndIsDeterministic() {
        var r = SplitMix64(seed: 42)
        var s = 0.0, s2 = 0.0
        let n = 20000
        for _ in 0..<n { let z = r.normal(); s += z; s2 += z * z }
        #expect(abs(s / Double(n)) < 0.03)
        #expect(abs(s2 / Double(n) - 1) < 0.05)
        var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
        #expect(Tensor.normal([5], rng: &a) == Tensor.normal([5], rng: &b))
    }

    @Test func nextIntStaysInRange() {
        var r = SplitMix64(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 { let v = r.nextInt(below: 7); #expect(v >= 0 && v < 7); seen.insert(v) }
        #expect(seen.count == 7)
    }
}
