/// Synthetic TinyAgent-style planning data: requests over the 16 tools with realistic values, 1–6 steps,
/// chains and fan-outs, every tool covered, gold plans in TinyAgent's exact plan conventions.
///
/// Templates: each phrasing of each intent is one template, id `<intent>/<k>`. A fixed fifth of every
/// intent's phrasings (chosen by a stable hash of the id, independent of the seed) are *unseen templates*;
/// the rest are train templates. An example is made from templates of one kind only. `source` records the
/// template ids (`synthetic:<intent>/<k>` or `synthetic:<a>/<k>+<b>/<m>` for two requests in one).
///
/// Three splits, all recoverable from an example alone (``split(of:testFraction:)``):
/// - `unseen`: requests phrased by unseen templates, which training never sees (a test of new wordings);
/// - `test`: held-out requests of train templates: a stable hash of the request text puts a fixed share of
///   them (`testFraction`) here. Requests are unique across the whole output, so a test request never occurs
///   in training, but its phrasing may (as in TinyAgent, whose test set is drawn like its training set);
/// - `train`: the rest.
///
/// Deterministic: example i draws from its own SplitMix64 stream derived from (seed, i), so the same
/// seed gives the same bytes on every platform.
public struct DataGenerator: Sendable {
    /// Which split an example belongs to (see the type's documentation).
    public enum Split: String, Sendable, Codable, CaseIterable { case train, test, unseen }

    public struct Options: Sendable, Equatable {
        public var count: Int
        public var seed: UInt64
        /// Fraction of the train-template requests held out as the test split.
        public var testFraction: Double
        /// Fraction of examples drawn from unseen templates.
        public var unseenFraction: Double
        /// Fraction of examples that join two requests ("… and also …").
        public var compoundFraction: Double

        public init(count: Int, seed: UInt64 = 0, testFraction: Double = 0.1, unseenFraction: Double = 0.1,
                    compoundFraction: Double = 0.15) {
            self.count = count
            self.seed = seed
            self.testFraction = testFraction
            self.unseenFraction = unseenFraction
            self.compoundFraction = compoundFraction
        }
    }

    /// The share of each intent's phrasings reserved for the unseen split.
    public static let unseenTemplateShare = 0.2
    /// Most steps in a generated plan, `join` excluded.
    public static let maxSteps = 6

    static let intents: [DataGenIntent] =
        DataGenIntentsMessages.all + DataGenIntentsDocuments.all + DataGenIntentsSchedule.all

    /// Per intent: phrasing indices of the train and the unseen templates.
    static let splitPhrasings: [[Split: [Int]]] = intents.map { intent in
        let n = intent.phrasings.count
        let order = (0..<n).sorted { stableHash("\(intent.name)/\($0)") < stableHash("\(intent.name)/\($1)") }
        let unseenCount = max(1, Int((Double(n) * unseenTemplateShare).rounded()))
        let unseen = Set(order.prefix(unseenCount))
        return [.unseen: (0..<n).filter { unseen.contains($0) }, .train: (0..<n).filter { !unseen.contains($0) }]
    }

    /// Every template id, `<intent>/<k>`.
    public static var templateIDs: [String] {
        intents.flatMap { i in i.phrasings.indices.map { "\(i.name)/\($0)" } }
    }

    /// Intent names.
    public static var intentNames: [String] { intents.map(\.name) }

    /// The kind of one template id, `.train` or `.unseen`; nil if unknown.
    public static func split(ofTemplate id: String) -> Split? {
        let parts = id.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[1]),
              let i = intents.firstIndex(where: { $0.name == parts[0] }) else { return nil }
        if splitPhrasings[i][.unseen]?.contains(k) == true { return .unseen }
        return k < intents[i].phrasings.count ? .train : nil
    }

    /// The split of an example: `.unseen` when its templates are unseen ones, else `.test` or `.train` by a
    /// stable hash of the request text (`testFraction` of them are test); nil when the source is not synthetic,
    /// names unknown templates or mixes kinds.
    public static func split(of example: DatasetExample, testFraction: Double = 0.1) -> Split? {
        guard let kind = split(ofSource: example.source) else { return nil }
        if kind == .unseen { return .unseen }
        return isHeldOut(example.query, testFraction) ? .test : .train
    }

    /// Whether a request of a train template is held out: its FNV-1a hash, as a fraction of 2⁶⁴, is below `fraction`.
    static func isHeldOut(_ query: String, _ fraction: Double) -> Bool {
        Double(stableHash(query) >> 11) * 0x1.0p-53 < fraction
    }

    /// The template kind of an example's `source` (`synthetic:a/1` or `synthetic:a/1+b/2`): `.train` or
    /// `.unseen`; nil when the source is not synthetic, names unknown templates or mixes kinds.
    public static func split(ofSource source: String) -> Split? {
        guard source.hasPrefix("synthetic:") else { return nil }
        let ids = source.dropFirst("synthetic:".count).split(separator: "+").map(String.init)
        let splits = ids.map(split(ofTemplate:))
        guard let first = splits.first ?? nil, splits.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    public let options: Options

    public init(_ options: Options) { self.options = options }

    /// The split of one of this generator's examples (``split(of:testFraction:)`` with the options' fraction).
    public func split(_ example: DatasetExample) -> Split? { Self.split(of: example, testFraction: options.testFraction) }

    /// All examples, in order. `progress(done, total)` is called every 1,000 examples and at the end.
    public func generate(progress: (Int, Int) -> Void = { _, _ in }) -> [DatasetExample] {
        var out: [DatasetExample] = []
        out.reserveCapacity(options.count)
        var seen = Set<String>()
        for i in 0..<options.count {
            var attempt = 0
            while true {
                var rng = SplitMix64(seed: SplitMix64.derive(options.seed, "example \(i) attempt \(attempt)"))
                attempt += 1
                guard let e = example(index: i, rng: &rng) else { continue }
                // Retry exact duplicate requests (rare); give up after 50 tries rather than loop forever.
                if seen.insert(e.query).inserted || attempt > 50 {
                    out.append(e)
                    break
                }
            }
            if (i + 1) % 1000 == 0 || i + 1 == options.count { progress(i + 1, options.count) }
        }
        return out
    }

    /// One example, or nil when a combination came out longer than ``maxSteps``.
    func example(index: Int, rng: inout SplitMix64) -> DatasetExample? {
        let split: Split = rng.chance(options.unseenFraction) ? .unseen : .train
        let now = DataGenDates.now(&rng)
        let first = pickTemplate(split, &rng)
        var ctx = DataGenContext(rng: rng, now: now, phrasing: Self.intents[first.intent].phrasings[first.k])
        Self.intents[first.intent].build(&ctx)
        var query = Self.render(ctx.phrasing, ctx.slots)
        var source = "synthetic:\(Self.intents[first.intent].name)/\(first.k)"
        if ctx.rng.chance(options.compoundFraction) {
            let second = pickTemplate(split, &ctx.rng)
            guard second.intent != first.intent else { return nil }
            ctx.phrasing = Self.intents[second.intent].phrasings[second.k]
            ctx.slots = [:]
            Self.intents[second.intent].build(&ctx)
            query = Self.join(query, Self.render(ctx.phrasing, ctx.slots), &ctx.rng)
            source += "+\(Self.intents[second.intent].name)/\(second.k)"
        }
        rng = ctx.rng
        guard ctx.steps.count <= Self.maxSteps else { return nil }
        var steps = ctx.steps
        steps.append(PlanStep(index: steps.count + 1, tool: ToolSet.joinName, arguments: []))
        var tools: [String] = []
        for s in ctx.steps where !tools.contains(s.tool) { tools.append(s.tool) }
        let id = "syn-\(options.seed)-\(index)"
        return DatasetExample(id: id, query: query, plan: Self.planText(steps), tools: tools, source: source, now: now.stamp)
    }

    /// A template of `split`: a uniformly chosen intent, then one of its phrasings in that split.
    private func pickTemplate(_ split: Split, _ rng: inout SplitMix64) -> (intent: Int, k: Int) {
        let i = rng.below(Self.intents.count)
        return (i, rng.pick(Self.splitPhrasings[i][split] ?? [0]))
    }

    /// The plan in TinyAgent's conventions: `N. tool(args)` lines, `join()` last, then `<END_OF_PLAN>`.
    static func planText(_ steps: [PlanStep]) -> String {
        var text = PlanPrinter.print(Plan(steps: steps, hasEndMarker: true))
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Fills `{slot}` placeholders; an unknown slot is left as written (tests check none remain).
    static func render(_ phrasing: String, _ slots: [String: String]) -> String {
        var out = ""
        var rest = Substring(phrasing)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let key = String(rest[rest.index(after: open)..<close])
            out += slots[key] ?? "{\(key)}"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Two requests as one: "A, and also b" and similar.
    static func join(_ a: String, _ b: String, _ rng: inout SplitMix64) -> String {
        var first = a
        while let last = first.last, ".?!".contains(last) { first.removeLast() }
        let lowered = b.hasPrefix("I ") || b.hasPrefix("I'") || b.hasPrefix("TL;DR") ? b : b.prefix(1).lowercased() + b.dropFirst()
        switch rng.below(5) {
        case 0: return "\(first), and also \(lowered)"
        case 1: return "\(first). Also, \(lowered)"
        case 2: return "\(first), then \(lowered)"
        case 3: return "\(first). \(b)"
        default: return "\(first) and \(lowered)"
        }
    }
}
