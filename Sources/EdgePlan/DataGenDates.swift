/// A calendar date and minute, with the arithmetic the generator needs (proleptic Gregorian, no time
/// zones, no Foundation: identical on every platform).
public struct DataGenDateTime: Sendable, Equatable, Comparable {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `dayNumber` days after 1970-01-01 at hour:minute (civil_from_days).
    public init(dayNumber z0: Int, hour: Int = 0, minute: Int = 0) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d, hour: hour, minute: minute)
    }

    /// 0 = Monday … 6 = Sunday.
    public var weekday: Int { ((dayNumber % 7) + 7 + 3) % 7 }

    public func adding(days: Int) -> DataGenDateTime { DataGenDateTime(dayNumber: dayNumber + days, hour: hour, minute: minute) }

    public func adding(minutes: Int) -> DataGenDateTime {
        let total = hour * 60 + minute + minutes
        let days = total >= 0 ? total / 1440 : (total - 1439) / 1440
        let rest = total - days * 1440
        return DataGenDateTime(dayNumber: dayNumber + days, hour: rest / 60, minute: rest % 60)
    }

    public func at(_ hour: Int, _ minute: Int = 0) -> DataGenDateTime {
        DataGenDateTime(year: year, month: month, day: day, hour: hour, minute: minute)
    }

    /// `YYYY-MM-DD HH:MM:SS`, the format TinyAgent's tools parse (`datetime.fromisoformat`).
    public var iso: String { "\(isoDate) \(pad(hour)):\(pad(minute)):00" }
    /// `YYYY-MM-DD`.
    public var isoDate: String { "\(year)-\(pad(month))-\(pad(day))" }
    /// `Monday 2024-05-20 09:00`, the prompt's "today" line (TinyAgent: `%A %Y-%m-%d %H:%M`).
    public var promptNow: String { "\(Self.weekdays[weekday]) \(isoDate) \(pad(hour)):\(pad(minute))" }
    /// `2024-05-20 09:00`, the dataset's `now` field.
    public var stamp: String { "\(isoDate) \(pad(hour)):\(pad(minute))" }

    public static func < (a: Self, b: Self) -> Bool {
        (a.dayNumber, a.hour, a.minute) < (b.dayNumber, b.hour, b.minute)
    }

    public static let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    public static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                                "September", "October", "November", "December"]

    private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Ways of saying a day and a time relative to "now", with the resolved value.
enum DataGenDates {
    /// "3pm", "3:30 PM", "15:00", "noon", "9 in the morning", …
    static func time(_ h: Int, _ m: Int, _ rng: inout SplitMix64) -> String {
        let h12 = h % 12 == 0 ? 12 : h % 12
        let ap = h < 12 ? "am" : "pm"
        let mm = m < 10 ? "0\(m)" : "\(m)"
        if h == 12 && m == 0 && rng.chance(0.5) { return "noon" }
        switch rng.below(m == 0 ? 7 : 4) {
        case 0: return m == 0 ? "\(h12)\(ap)" : "\(h12):\(mm)\(ap)"
        case 1: return m == 0 ? "\(h12) \(ap.uppercased())" : "\(h12):\(mm) \(ap.uppercased())"
        case 2: return "\(h < 10 ? "0" : "")\(h):\(mm)"
        case 3: return "\(h12):\(mm) \(ap == "am" ? "a.m." : "p.m.")"
        case 4: return "\(h12) o'clock"   + (h < 12 ? " in the morning" : h < 17 ? " in the afternoon" : " in the evening")
        case 5: return "\(h12)" + (h < 12 ? " in the morning" : h < 17 ? " in the afternoon" : " in the evening")
        default: return "\(h12)\(ap)"
        }
    }

    static func ordinal(_ d: Int) -> String {
        let suffix = (11...13).contains(d % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][d % 10] ?? "th"
        return "\(d)\(suffix)"
    }

    /// A future day within ~3 weeks of `now`, and how to say it.
    static func day(after now: DataGenDateTime, _ rng: inout SplitMix64) -> (phrase: String, date: DataGenDateTime) {
        let offset = rng.int(0...20)
        let d = now.adding(days: offset)
        let wd = DataGenDateTime.weekdays[d.weekday]
        let mon = DataGenDateTime.months[d.month - 1]
        var forms: [String] = ["on \(mon) \(ordinal(d.day))", "on \(mon) \(d.day)", "on \(d.isoDate)",
                               "on the \(ordinal(d.day)) of \(mon)", "on \(wd), \(mon) \(ordinal(d.day))",
                               "on \(d.month)/\(d.day)", "on \(String(mon.prefix(3))) \(d.day)"]
        switch offset {
        case 0: forms += ["today", "today", "later today", "this \(["morning", "afternoon", "evening"][rng.below(3)])"]
        case 1: forms += ["tomorrow", "tomorrow", "tmrw"]
        case 2: forms += ["the day after tomorrow", "in two days", "in 2 days"]
        case 3...6: forms += ["on \(wd)", "this \(wd)", "in \(offset) days"]
        case 7...13: forms += ["next \(wd)", "a week from \(offset == 7 ? "today" : wd)"]
        default: break
        }
        return (rng.pick(forms), d)
    }

    /// A start time of day (business-ish hours, quarter hours).
    static func clock(_ rng: inout SplitMix64) -> (Int, Int) {
        (rng.pick([8, 9, 9, 10, 10, 11, 12, 13, 14, 14, 15, 16, 17, 18, 19]), rng.pick([0, 0, 0, 0, 15, 30, 30, 45]))
    }

    /// A moment ("tomorrow at 3pm", "at 10:30 on Friday"), always after `now`.
    static func moment(after now: DataGenDateTime, _ rng: inout SplitMix64) -> (phrase: String, at: DataGenDateTime) {
        var (dayPhrase, d) = day(after: now, &rng)
        var (h, m) = clock(&rng)
        if d.dayNumber == now.dayNumber && (h * 60 + m) <= now.hour * 60 + now.minute + 30 {
            // Too soon for "today": move to tomorrow.
            d = now.adding(days: 1)
            dayPhrase = rng.pick(["tomorrow", "tomorrow", "on \(DataGenDateTime.weekdays[d.weekday])"])
            if h < 8 { h = 9; m = 0 }
        }
        let at = d.at(h, m)
        let t = time(h, m, &rng)
        let phrase = rng.chance(0.7) ? "\(dayPhrase) at \(t)" : "at \(t) \(dayPhrase)"
        return (phrase, at)
    }

    /// A duration in minutes and how to say it.
    static func duration(_ rng: inout SplitMix64) -> (phrase: String, minutes: Int) {
        let minutes = rng.pick([15, 30, 30, 45, 60, 60, 60, 90, 120])
        let forms: [Int: [String]] = [
            15: ["15 minutes", "a quarter of an hour", "15 min"],
            30: ["30 minutes", "half an hour", "30 mins"],
            45: ["45 minutes", "three quarters of an hour"],
            60: ["an hour", "one hour", "60 minutes", "1 hour"],
            90: ["an hour and a half", "90 minutes", "1.5 hours"],
            120: ["two hours", "2 hours", "120 minutes"],
        ]
        return (rng.pick(forms[minutes] ?? ["\(minutes) minutes"]), minutes)
    }

    /// A random "now" in 2024–2025 during waking hours.
    static func now(_ rng: inout SplitMix64) -> DataGenDateTime {
        let start = DataGenDateTime(year: 2024, month: 1, day: 1).dayNumber
        return DataGenDateTime(dayNumber: start + rng.below(731), hour: rng.int(7...20), minute: rng.pick([0, 5, 12, 20, 30, 41, 50]))
    }
}
