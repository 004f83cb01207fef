import Testing
import EdgeTrain

@Suite struct MemoryStatsTests {
    @Test func readsProcessMemory() {
        let peak = MemoryStats.peakRSS, now = MemoryStats.currentRSS
        #expect(peak != nil && now != nil)
        #expect(peak! >= now! && now! > 1 << 20)
    }
}
