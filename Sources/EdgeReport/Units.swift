import Foundation

/// Human units for the report table: binary byte sizes, m:ss durations, percentages; "–" for missing values.
public enum Units {
    public static let missing = "–"

    /// 1023 → "1023 B", 1536 → "1.5 KiB", 150 MiB → "150.0 MiB", 2.5 GiB → "2.50 GiB".
    public static func bytes(_ n: Int?) -> String {
        guard let n else { return missing }
        let v = Double(n)
        switch v {
        case ..<1024: return "\(n) B"
        case ..<1_048_576: return String(format: "%.1f KiB", v / 1024)
        case ..<1_073_741_824: return String(format: "%.1f MiB", v / 1_048_576)
        default: return String(format: "%.2f GiB", v / 1_073_741_824)
        }
    }

    /// 75.4 s → "1:15", 3725 s → "1:02:05" (rounded to the second).
    public static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return missing }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// 0.8309 → "83.1%".
    public static func percent(_ rate: Double?) -> String {
        guard let rate, rate.isFinite else { return missing }
        return String(format: "%.1f%%", rate * 100)
    }

    public static func number(_ v: Double?, decimals: Int) -> String {
        guard let v, v.isFinite else { return missing }
        return String(format: "%.\(decimals)f", v)
    }
}
