import Foundation

/// Process memory as the kernel reports it (Linux /proc/self/status).
public enum MemoryStats {
    /// Peak resident set size (VmHWM) in bytes, or nil when unavailable.
    public static var peakRSS: Int? { field("VmHWM") }
    /// Current resident set size (VmRSS) in bytes.
    public static var currentRSS: Int? { field("VmRSS") }

    static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            // "VmHWM:\t 1234 kB" — a tab, then spaces that vanish once the number has 8 digits (≥ 10 GB).
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return nil
    }
}
