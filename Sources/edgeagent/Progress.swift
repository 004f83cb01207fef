import Dispatch
import Foundation

/// A one-line progress bar on stderr: `label [#####-----] 40/100 rate unit/s ETA 1m20s  extra`.
/// Redraws at most 10 times a second; silent when stderr is not a terminal unless `force`.
final class ProgressBar {
    let label: String, total: Int, unit: String
    let start = DispatchTime.now().uptimeNanoseconds
    var lastDraw: UInt64 = 0
    let enabled: Bool

    /// `enabled: false` silences the bar (e.g. on MPI ranks other than 0).
    init(_ label: String, total: Int, unit: String = "it", force: Bool = false, enabled: Bool = true) {
        (self.label, self.total, self.unit) = (label, max(1, total), unit)
        self.enabled = enabled && (force || isatty(2) != 0)
    }

    func update(_ done: Int, rate: Double? = nil, extra: String = "") {
        let now = DispatchTime.now().uptimeNanoseconds
        guard enabled, done >= total || now - lastDraw > 100_000_000 else { return }
        lastDraw = now
        let elapsed = Double(now - start) / 1e9
        let r = rate ?? (elapsed > 0 ? Double(done) / elapsed : 0)
        let perItem = done > 0 ? elapsed / Double(done) : 0
        let eta = Self.duration(perItem * Double(total - done))
        let width = 24, filled = min(width, width * done / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        Console.status(String(format: "%@ [%@] %d/%d %.1f %@/s ETA %@ %@", label, bar, done, total, r, unit, eta, extra))
    }

    func finish() { if enabled { Console.clearStatus() } }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
