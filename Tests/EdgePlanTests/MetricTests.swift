import EdgePlan
import Testing

/// Hand-built gold/prediction pairs whose answers are known without running the reference.
@Suite struct MetricTests {
    static let fanOut = """
        1. get_email_address("Ann")
        2. get_phone_number("Bob")
        3. compose_new_email(["$1"], [], "Hi", "", [])
        4. send_sms(["$2"], "hi")
        5. join()
        <END_OF_PLAN>
        """

    func score(_ gold: String, _ pred: String) throws -> PlanScore { try PlanMetric.score(gold: gold, prediction: pred) }

    @Test func reorderedIndependentStepsSucceed() throws {
        let pred = """
            1. get_phone_number("Bob")
            2. send_sms(["$1"], "hi")
            3. get_email_address("Ann")
            4. compose_new_email(["$3"], [], "Hi", "", [])
            5. join()
            """
        let s = try score(Self.fanOut, pred)
        #expect(s.success == 1)
        #expect(s.editDistance == 0)
        #expect(s.stepAccuracy == 0.2)   // evaluate_plan is positional: only join lines up
        #expect(s.toolRecall == 1)
    }

    @Test func swappedDependenciesFail() throws {
        let pred = Self.fanOut.replacingOccurrences(of: #"(["$1"], [], "Hi""#, with: #"(["$2"], [], "Hi""#)
            .replacingOccurrences(of: #"send_sms(["$2"]"#, with: #"send_sms(["$1"]"#)
        let s = try score(Self.fanOut, pred)
        #expect(s.success == 0)
        #expect(s.editDistance == 2)   // two dependency trees differ: two node substitutions
        #expect(s.toolRecall == 1)
    }

    @Test func sameToolsDifferentStructureFail() throws {
        let chain = "1. open_and_get_file_path(\"a.pdf\")\n2. summarize_pdf(\"$1\")\n3. create_note(\"S\", \"$2\", \"\")\n4. join()"
        let flat = "1. open_and_get_file_path(\"a.pdf\")\n2. summarize_pdf(\"$1\")\n3. create_note(\"S\", \"$1\", \"\")\n4. join()"
        let s = try score(chain, flat)
        #expect(s.success == 0)
        #expect(s.toolRecall == 1)
        #expect(s.stepAccuracy == 1)
        #expect(s.editDistance == 3)   // edge 2→3 becomes 1→3 (2 edge edits) and create_note's tree differs (1)
    }

    @Test func duplicateToolsMatchByStructureNotNumbering() throws {
        let gold = "1. get_email_address(\"A\")\n2. get_email_address(\"B\")\n3. compose_new_email([\"$1\"], [\"$2\"], \"s\", \"\", [])\n4. join()"
        let swapped = "1. get_email_address(\"B\")\n2. get_email_address(\"A\")\n3. compose_new_email([\"$2\"], [\"$1\"], \"s\", \"\", [])\n4. join()"
        #expect(try score(gold, swapped).success == 1)
        let merged = "1. get_email_address(\"A\")\n2. compose_new_email([\"$1\"], [\"$1\"], \"s\", \"\", [])\n3. join()"
        let s = try score(gold, merged)
        #expect(s.success == 0)
        #expect(s.editDistance == 2)   // one node and its edge missing; compose's tree [email, email] still matches
    }

    @Test func joinOnlyPlans() throws {
        #expect(try score("1. join()", "1. join()<END_OF_PLAN>").success == 1)
        let empty = try score("1. join()", "I cannot do that.")
        #expect(empty.success == 0)
        #expect(empty.editDistance == 1)
        #expect(empty.toolRecall == 0)
        let extra = try score("1. join()", "1. maps_open_location(\"x\")\n2. join()")
        #expect(extra.success == 0)
        #expect(extra.editDistance == 1)
    }

    @Test func brokenPredictionsScoreZeroWithGoldSizedDistance() throws {
        let gold = "1. get_email_address(\"A\")\n2. compose_new_email([\"$1\"], [], \"s\", \"\", [])\n3. join()"
        for pred in ["1. get_email_address(\"$1\")\n2. join()", "1. get_email_address(\"$7\")\n2. join()",
                     "1. get_email_address(\"$0\")\n2. join()",
                     "1. summarize_pdf(\"$2\")\n2. summarize_pdf(\"$1\")\n3. join()"] {
            let s = try score(gold, pred)
            #expect(s.success == 0, "\(pred)")
            #expect(s.predictionError != nil, "\(pred)")
            #expect(s.editDistance == 4, "\(pred)")   // 3 nodes + 1 edge of the gold DAG
        }
    }

    @Test func hallucinatedToolTruncatesAndIsReported() throws {
        let s = try score(Self.fanOut, Self.fanOut.replacingOccurrences(of: "2. get_phone_number", with: "2. lookup_phone"))
        #expect(s.hallucinatedTool == "lookup_phone")
        #expect(s.predictedTools == ["get_email_address"])
    }

    @Test func badGoldThrows() throws {
        #expect(throws: MetricError.unknownGoldTool("frobnicate")) { try score("1. frobnicate()\n2. join()", "") }
        #expect(throws: MetricError.emptyGold) { try score("no plan here", "") }
        #expect(throws: MetricError.invalidGold(.selfReference(step: 1))) { try score("1. get_email_address(\"$1\")", "") }
    }

    @Test func editDistanceIsSymmetricAndBoundedBySizes() throws {
        let plans = [Self.fanOut, "1. join()", "1. open_and_get_file_path(\"a\")\n2. summarize_pdf(\"$1\")\n3. join()",
                     "1. get_email_address(\"A\")\n2. get_email_address(\"B\")\n3. create_calendar_event(\"m\", \"\", \"\", \"\", [\"$1\", \"$2\"], \"\", None)\n4. join()"]
        for a in plans {
            for b in plans {
                let ga = try PlanDAG(text: a), gb = try PlanDAG(text: b)
                let d = ga.editDistance(to: gb)
                #expect(d == gb.editDistance(to: ga))
                #expect(d <= ga.nodeCount + ga.edges.count + gb.nodeCount + gb.edges.count)
                #expect((d == 0) == ga.isIsomorphic(to: gb))
            }
        }
    }

    @Test func reportGroupsByStepsAndTools() throws {
        let gold = Self.fanOut
        let scores = [try score(gold, gold), try score(gold, "1. join()"), try score("1. join()", "1. join()")]
        let r = MetricReport(scores)
        #expect(r.overall.n == 3)
        #expect(abs(r.overall.successRate - 2.0 / 3.0) < 1e-12)
        #expect(r.bySteps[4]?.n == 2)
        #expect(r.bySteps[4]?.successRate == 0.5)
        #expect(r.bySteps[0]?.n == 1)
        let sms = try #require(r.byTool.first { $0.tool == "send_sms" })
        #expect(sms.n == 2)
        #expect(sms.recall == 0.5)
        #expect(r.text.contains("send_sms"))
    }
}
