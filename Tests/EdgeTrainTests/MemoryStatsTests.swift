import Testing
import EdgeTrain

@Suite struct MemoryStatsTests {
    @Test func readsProcessMemory() {
        // Current first: the peak read afterwards can only be ≥ it (RSS may grow between the two reads while
        // other suites run in parallel).
        let now = MemoryStats.currentRSS
        let peak = MemoryStats.peakRSS
        #expect(peak != nil && now != nil)
        #expect(peak! >= now! && now! > 1 << 20)
    }
}
