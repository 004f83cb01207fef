import EdgePlan

/// SplitMix64 (same constants as EdgeTensor's), so the tests need no other target.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) * 0x1.0p-53 < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
}

/// Random valid plans over a tool set: 1–6 tool steps, references to earlier steps only, optional
/// thoughts, awkward strings (quotes, backslashes, control characters, non-ASCII, `$`), then join().
struct PlanGenerator {
    let tools: ToolSet
    var rng: TestRNG

    static let pieces = ["Sam", "O'Brien", "say \"hi\"", "back\\slash", "tab\there", "new\nline", "cr\rx", "\u{7}bell",
                         "café", "日本", "😀", "$x", "cost $ 5", "{x}", "#tag", ")", "(", ",", "]", "<END_OF_PLAN>", "", " ", "2024-05-01 14:00:00"]

    mutating func text() -> String {
        (0..<rng.int(4)).map { _ in rng.pick(Self.pieces) }.joined(separator: rng.chance(0.5) ? " " : "")
    }

    /// A string, possibly with references to steps 1..<step.
    mutating func string(before step: Int) -> PlanValue {
        guard step > 1, rng.chance(0.4) else { return .string(text()) }
        let ref = PlanReference(step: 1 + rng.int(step - 1), braced: rng.chance(0.2))
        switch rng.int(3) {
        case 0: return .string(ref.description)
        case 1: return rng.chance(0.5) ? .reference(ref) : .string(ref.description)
        default: return .string(text() + ref.description + " " + text())   // a space: "$1" + "2024" would be $12024
        }
    }

    mutating func value(_ type: ToolValueType, before step: Int) -> PlanValue {
        switch type {
        case .string, .any: return string(before: step)
        case .integer: return .int(rng.pick([0, 1, -1, 30, Int.max, Int.min, rng.int(1000) - 500]))
        case .number:
            return rng.chance(0.5) ? .int(rng.int(100)) : .float(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF))
        case .boolean: return .bool(rng.chance(0.5))
        case .array(let items):
            let values = (0..<rng.int(4)).map { _ in value(items, before: step) }
            return rng.chance(0.1) ? .tuple(values) : .list(values)
        }
    }

    mutating func plan() -> Plan {
        let callable = tools.tools.filter { !$0.isJoinTool }
        var items: [PlanItem] = []
        let count = 1 + rng.int(6)
        for i in 1...(count + 1) {
            if rng.chance(0.2) { items.append(.thought(PlanThought(rng.chance(0.1) ? "" : thought()))) }
            guard i <= count else { break }
            let tool = rng.pick(callable)
            var given = tool.arguments.count
            if rng.chance(0.3) { given = tool.minimumArgumentCount + rng.int(tool.arguments.count - tool.minimumArgumentCount + 1) }
            let args = tool.arguments.prefix(given).map { arg -> PlanValue in
                !arg.isRequired && rng.chance(0.15) ? .none : value(arg.type, before: i)
            }
            items.append(.step(PlanStep(index: i, tool: tool.name, arguments: Array(args))))
        }
        items.append(.step(PlanStep(index: count + 1, tool: "join")))
        return Plan(items: items, hasEndMarker: rng.chance(0.8))
    }

    /// Thought text: anything but line breaks; now and then one that mentions a step number.
    mutating func thought() -> String {
        var t = text().filter { !$0.isNewline }
        if rng.chance(0.1) { t += " then step 2. " }
        return rng.chance(0.5) ? "  " + t : t
    }
}

extension ToolSchema {
    var isJoinTool: Bool { name == ToolSet.joinName }
}
