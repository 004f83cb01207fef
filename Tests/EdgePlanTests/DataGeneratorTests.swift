import EdgePlan
import Foundation
import Testing

@Suite struct DataGeneratorTests {
    static let examples = DataGenerator(.init(count: 3000, seed: 7)).generate()

    @Test func everyGeneratedPlanValidatesAgainstTheSchemas() throws {
        let validator = PlanValidator(tools: try ToolSet.tinyAgent, options: .init(requireAllArguments: true))
        for e in Self.examples {
            let report = validator.validate(e.plan)
            #expect(report.valid, "\(e.id) \(e.query)\n\(e.plan)\n\(report.errors)")
            #expect(try PlanMetric.score(gold: e.plan, prediction: e.plan).success == 1)
        }
    }

    @Test func plansFollowTinyAgentConventions() throws {
        for e in Self.examples {
            let lines = e.plan.split(separator: "\n").map(String.init)
            #expect(lines.last == "<END_OF_PLAN>")
            #expect(lines.dropLast().last?.hasSuffix(". join()") == true)
            let steps = try Plan.parse(e.plan).steps
            #expect(steps.map(\.index) == Array(1...steps.count))
            #expect((2...7).contains(steps.count), "1–6 steps plus join: \(e.plan)")
            var tools: [String] = []
            for s in steps where !s.isJoin && !tools.contains(s.tool) { tools.append(s.tool) }
            #expect(e.tools == tools)
            #expect(!e.query.contains("{") && !e.query.contains("}"), "unfilled slot: \(e.query)")
            // Dates are written as TinyAgent's tools parse them.
            for case .string(let s) in steps.flatMap(\.arguments) where s.hasPrefix("20") && s.count == 19 {
                #expect(s.wholeMatch(of: /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00/) != nil, "\(s)")
            }
            #expect(e.now?.wholeMatch(of: /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/) != nil)
        }
    }

    @Test func coversEveryToolEveryLengthAndBothShapes() throws {
        let stats = DatasetStats(Self.examples)
        let tools = try ToolSet.tinyAgent.names.filter { $0 != "join" }
        #expect(tools.count == 16)
        for t in tools { #expect((stats.byTool[t]?.examples ?? 0) > 20, "tool \(t) is rare: \(stats.byTool[t]?.examples ?? 0)") }
        for k in 1...6 { #expect((stats.bySteps[String(k)] ?? 0) > 30, "few \(k)-step plans") }
        #expect(stats.withDependencies > 1000)
        #expect(stats.withParallelSteps > 1000)
        #expect(DataGenerator.templateIDs.count >= 300)
        #expect(Set(Self.examples.map(\.query)).count == Self.examples.count, "duplicate requests")
    }

    @Test func sameSeedSameBytesOtherSeedOtherData() throws {
        let a = try JSONLines.encode(DataGenerator(.init(count: 200, seed: 42)).generate())
        let b = try JSONLines.encode(DataGenerator(.init(count: 200, seed: 42)).generate())
        let c = try JSONLines.encode(DataGenerator(.init(count: 200, seed: 43)).generate())
        #expect(a == b)
        #expect(a != c)
        // Pinned: the first example of seed 42 (guards against platform or library drift in the RNG).
        let first = DataGenerator(.init(count: 1, seed: 42)).generate()[0]
        #expect(first.id == "syn-42-0")
        #expect(stableHash(first.query + first.plan) == Self.pinnedFirstHash, "\(first.query)\n\(first.plan)")
    }

    /// stableHash of the first example (query + plan) of seed 42; update only when generation changes on purpose.
    static let pinnedFirstHash: UInt64 = 17_586_116_637_800_804_390

    @Test func unseenSplitNeverSharesATemplate() throws {
        let examples = DataGenerator(.init(count: 2000, seed: 1, unseenFraction: 0.3)).generate()
        var templates: [DataGenerator.Split: Set<String>] = [.train: [], .unseen: []]
        for e in examples {
            let split = try #require(DataGenerator.split(ofSource: e.source))
            for id in try #require(e.template).split(separator: "+") {
                #expect(DataGenerator.split(ofTemplate: String(id)) == split)
                templates[split, default: []].insert(String(id))
            }
        }
        #expect(templates[.train]!.isDisjoint(with: templates[.unseen]!))
        let unseenShare = Double(examples.filter { DataGenerator.split(ofSource: $0.source) == .unseen }.count) / 2000
        #expect(abs(unseenShare - 0.3) < 0.05)
        // Every intent has phrasings on both sides.
        for intent in DataGenerator.intentNames {
            let ids = DataGenerator.templateIDs.filter { $0.hasPrefix(intent + "/") }
            #expect(ids.contains { DataGenerator.split(ofTemplate: $0) == .unseen }, "\(intent) has no unseen template")
            #expect(ids.contains { DataGenerator.split(ofTemplate: $0) == .train }, "\(intent) has no train template")
        }
    }

    /// The test split holds out requests, not phrasings: about `testFraction` of the train-template requests,
    /// none of them in train, recovered from the example alone, and covering (almost) every train template.
    @Test func testSplitHoldsOutRequestsOfTrainTemplates() throws {
        let generator = DataGenerator(.init(count: 3000, seed: 2, testFraction: 0.2, unseenFraction: 0.1))
        let examples = generator.generate()
        let parts = Dictionary(grouping: examples) { generator.split($0) }
        let train = try #require(parts[.train]), test = try #require(parts[.test]), unseen = try #require(parts[.unseen])
        #expect(parts[nil] == nil)
        #expect(train.count + test.count + unseen.count == 3000)
        let share = Double(test.count) / Double(train.count + test.count)
        #expect(abs(share - 0.2) < 0.03, "test share \(share)")
        #expect(Set(train.map(\.query)).isDisjoint(with: test.map(\.query)))
        for e in test { #expect(DataGenerator.split(ofSource: e.source) == .train) }
        // A different fraction moves requests between train and test only.
        for e in examples where generator.split(e) == .test {
            #expect(DataGenerator.split(of: e, testFraction: 0.3) == .test)
            #expect(DataGenerator.split(of: e, testFraction: 0) == .train)
        }
        // Test phrasings are train phrasings: (nearly) every template of a test request also phrases training requests.
        func ids(_ examples: [DatasetExample]) -> Set<String> {
            Set(examples.compactMap(\.template).flatMap { $0.split(separator: "+").map(String.init) })
        }
        let testIDs = ids(test), trainIDs = ids(train)
        #expect(Double(testIDs.intersection(trainIDs).count) >= 0.95 * Double(testIDs.count), "\(testIDs.subtracting(trainIDs))")
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func dateArithmetic() {
        let d = DataGenDateTime(year: 2024, month: 2, day: 28, hour: 23, minute: 30)
        #expect(d.adding(days: 1).isoDate == "2024-02-29")
        #expect(d.adding(days: 2).isoDate == "2024-03-01")
        #expect(d.adding(minutes: 45).iso == "2024-02-29 00:15:00")
        #expect(DataGenDateTime(year: 2024, month: 5, day: 20).weekday == 0)   // a Monday
        #expect(DataGenDateTime(year: 2024, month: 5, day: 20, hour: 9).promptNow == "Monday 2024-05-20 09:00")
        #expect(DataGenDateTime(dayNumber: DataGenDateTime(year: 2025, month: 12, day: 31).dayNumber) ==
                DataGenDateTime(year: 2025, month: 12, day: 31))
    }
}
