/// One request template family: an intent with many phrasings and a builder that samples slot values
/// and writes the gold plan.
struct DataGenIntent: Sendable {
    /// Short stable name (part of every template id: `<name>/<k>`).
    let name: String
    /// Request phrasings with `{slot}` placeholders; each one is a separate template.
    let phrasings: [String]
    /// Samples slot values into `ctx.slots` and appends the gold steps (without `join`).
    let build: @Sendable (inout DataGenContext) -> Void
}

/// The state of one example being generated: random stream, "now", slot values, plan steps.
struct DataGenContext {
    var rng: SplitMix64
    let now: DataGenDateTime
    /// The phrasing being filled: builders use ``uses(_:)`` to write only what the request says.
    var phrasing: String
    var slots: [String: String] = [:]
    var steps: [PlanStep] = []
    private var usedNames: Set<String> = []

    init(rng: SplitMix64, now: DataGenDateTime, phrasing: String) {
        self.rng = rng
        self.now = now
        self.phrasing = phrasing
    }

    /// The phrasing mentions `{slot}`.
    func uses(_ slot: String) -> Bool { phrasing.contains("{\(slot)}") }

    /// The phrasing contains `text` (case-insensitive), e.g. "high priority".
    func says(_ text: String) -> Bool { phrasing.lowercased().contains(text) }

    /// `k` distinct people (k in `range`); `slot` gets "A, B and C".
    mutating func people(_ slot: String, _ range: ClosedRange<Int>) -> [String] {
        let k = rng.int(range)
        var names: [String] = []
        for i in 0..<k { names.append(person("\(slot)#\(i)")) }
        for i in 0..<k { slots["\(slot)#\(i)"] = nil }
        slots[slot] = names.spokenList
        return names
    }

    /// `get_email_address` for each name; the `"$k"` references in order.
    mutating func emails(_ names: [String]) -> [PlanValue] {
        names.map { call("get_email_address", [.string($0)]) }
    }

    /// `get_phone_number` for each name; the `"$k"` references in order.
    mutating func phones(_ names: [String]) -> [PlanValue] {
        names.map { call("get_phone_number", [.string($0)]) }
    }

    /// `pool` value in `slot` if the phrasing uses it, else `fallback`.
    mutating func optional(_ slot: String, _ pool: [String], else fallback: String = "") -> String {
        uses(slot) ? pick(slot, pool) : fallback
    }

    /// Appends `tool(args)` as the next step and returns the `"$k"` string that refers to its output.
    @discardableResult
    mutating func call(_ tool: String, _ args: [PlanValue]) -> PlanValue {
        steps.append(PlanStep(index: steps.count + 1, tool: tool, arguments: args))
        return .string("$\(steps.count)")
    }

    // MARK: people

    /// A contact name not yet used in this example ("Sam" or "Sam Lee"), stored in `slot`.
    @discardableResult
    mutating func person(_ slot: String) -> String {
        var name = ""
        repeat {
            let first = rng.pick(DataGenValues.firstNames)
            name = rng.chance(0.3) ? "\(first) \(rng.pick(DataGenValues.lastNames))" : first
        } while usedNames.contains(name.split(separator: " ")[0].lowercased())
        usedNames.insert(name.split(separator: " ")[0].lowercased())
        slots[slot] = name
        return name
    }

    /// A phone number in one of several common formats, stored in `slot`.
    @discardableResult
    mutating func phone(_ slot: String) -> String {
        let a = rng.pick(["415", "510", "650", "408", "212", "617", "312", "206", "512", "303"])
        let b = rng.int(200...999), c = rng.int(0...9999)
        let cs = String(repeating: "0", count: 4 - String(c).count) + String(c)
        let n = rng.pick(["+1 \(a) \(b) \(cs)", "\(a)-\(b)-\(cs)", "(\(a)) \(b)-\(cs)", "+1\(a)\(b)\(cs)", "\(a).\(b).\(cs)"])
        slots[slot] = n
        return n
    }

    /// An email address, stored in `slot`.
    @discardableResult
    mutating func emailAddress(_ slot: String) -> String {
        let first = rng.pick(DataGenValues.firstNames).lowercased().filter { $0.isLetter && $0.isASCII }
        let last = rng.pick(DataGenValues.lastNames).lowercased().filter { $0.isLetter && $0.isASCII }
        let local = rng.pick(["\(first).\(last)", "\(first)", "\(first)\(rng.int(1...99))", "\(first.prefix(1))\(last)"])
        let e = "\(local)@\(rng.pick(DataGenValues.emailDomains))"
        slots[slot] = e
        return e
    }

    // MARK: time

    /// A future moment phrased relative to `now`; the slot gets the phrase.
    @discardableResult
    mutating func moment(_ slot: String) -> DataGenDateTime {
        let m = DataGenDates.moment(after: now, &rng)
        slots[slot] = m.phrase
        return m.at
    }

    /// A duration; the slot gets the phrase ("half an hour").
    @discardableResult
    mutating func duration(_ slot: String) -> Int {
        let d = DataGenDates.duration(&rng)
        slots[slot] = d.phrase
        return d.minutes
    }

    // MARK: things

    /// A value from `pool` stored in `slot`.
    @discardableResult
    mutating func pick(_ slot: String, _ pool: [String]) -> String {
        let v = rng.pick(pool)
        slots[slot] = v
        return v
    }

    /// A PDF file name.
    @discardableResult
    mutating func pdf(_ slot: String = "file") -> String { pick(slot, DataGenValues.pdfFiles) }

    /// Any file name (PDF or not).
    @discardableResult
    mutating func anyFile(_ slot: String = "file") -> String {
        rng.chance(0.5) ? pdf(slot) : pick(slot, DataGenValues.otherFiles)
    }

    /// An email topic: `slot` gets the phrase, the return value is the subject line.
    @discardableResult
    mutating func topic(_ slot: String = "topic") -> String {
        let t = rng.pick(DataGenValues.emailTopics)
        slots[slot] = t.0
        return t.1
    }

    /// A place; `slot` gets it as written in the request.
    @discardableResult
    mutating func place(_ slot: String = "place") -> String { pick(slot, DataGenValues.places) }

    /// A transport mode: `slot` gets the phrase, the return value is TinyAgent's code (d, w, r).
    @discardableResult
    mutating func transport(_ slot: String = "mode") -> String {
        let t = rng.pick(DataGenValues.transports)
        slots[slot] = t.0
        return t.1
    }

    // MARK: common call shapes

    /// `compose_new_email(recipients, cc, subject, context, attachments)` with every argument written.
    @discardableResult
    mutating func email(_ to: [PlanValue], cc: [PlanValue] = [], subject: String, context: PlanValue = .string(""),
                        attachments: [PlanValue] = []) -> PlanValue {
        call("compose_new_email", [.list(to), .list(cc), .string(subject), context, .list(attachments)])
    }

    /// `create_calendar_event(title, start, end, location, invitees, notes, calendar)`.
    @discardableResult
    mutating func event(_ title: String, start: DataGenDateTime, minutes: Int, location: PlanValue = .string(""),
                        invitees: [PlanValue] = [], notes: PlanValue = .string(""), calendar: String? = nil) -> PlanValue {
        call("create_calendar_event", [.string(title), .string(start.iso), .string(start.adding(minutes: minutes).iso),
                                       location, .list(invitees), notes, calendar.map(PlanValue.string) ?? .none])
    }

    /// `create_reminder(name, due_date, notes, list_name, priority, all_day)`.
    @discardableResult
    mutating func reminder(_ name: String, due: DataGenDateTime?, notes: String = "", list: String = "",
                           priority: Int = 0, allDay: Bool = false) -> PlanValue {
        let dueText = due.map { allDay ? $0.at(0, 0).iso : $0.iso } ?? ""
        return call("create_reminder", [.string(name), .string(dueText), .string(notes), .string(list),
                                         .int(priority), .bool(allDay)])
    }

    /// `get_zoom_meeting_link(topic, start_time, duration, meeting_invitees)`.
    @discardableResult
    mutating func zoom(_ topic: String, start: DataGenDateTime, minutes: Int, invitees: [PlanValue]) -> PlanValue {
        call("get_zoom_meeting_link", [.string(topic), .string(start.iso), .int(minutes), .list(invitees)])
    }

    /// Capitalizes the first letter (for subjects and titles taken from phrases).
    static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}

extension [String] {
    /// "A", "A and B", "A, B and C".
    var spokenList: String {
        count <= 1 ? (first ?? "") : dropLast().joined(separator: ", ") + " and " + (last ?? "")
    }
}
