import EdgeInference
import EdgeModel
import EdgePlan
import Foundation
import Testing

/// The plan automaton on valid and invalid prefixes (TinyAgent tool schemas), and its completion bound.
@Suite struct PlanAutomatonTests {
    static let grammar = PlanGrammar(tools: (try? ToolSet.tinyAgent) ?? ToolSet())
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The state after `text`, or nil if some byte was refused.
    static func run(_ text: String) -> PlanAutomaton? {
        var s = PlanAutomaton()
        return s.feed(Array(text.utf8), grammar) ? s : nil
    }

    @Test func acceptsCompletePlans() throws {
        let plans = [
            "1. get_email_address(\"Sam\")\n2. send_sms([\"$1\"], \"Running late\")\n3. join()<END_OF_PLAN>",
            "1. join()\n<END_OF_PLAN>",
            " 1. maps_show_directions(\"\", \"Ferry Building\", \"w\")\n2. join()<END_OF_PLAN>",
            "1. create_reminder(\"Call mom\", \"2024-05-01 10:00:00\", None, None, 1, False)\n2. join()<END_OF_PLAN>",
            "1. create_reminder(\"Pay rent\", None, None, None, -3, True)\n2. join()<END_OF_PLAN>",
            "1. get_zoom_meeting_link(\"Sync \\\"weekly\\\" é ✓\", \"2024-05-02 10:00:00\", 60, [])\n2. join()<END_OF_PLAN>",
            "1. open_note(\"ideas\")\n2. append_note_content(\"ideas\", \"see $1 and $ 5\")\n3. join()<END_OF_PLAN>",
            // $1 again in a later call is fine; only a repeat within one call is refused.
            "1. get_email_address(\"Sam\")\n2. get_zoom_meeting_link(\"Sync\", \"2024-05-02 10:00:00\", 60, [\"$1\"])\n"
                + "3. compose_new_email([\"$1\"], [], \"Sync\", \"$2\", [])\n4. join()<END_OF_PLAN>",
        ]
        for p in plans {
            let s = try #require(Self.run(p), "refused: \(p)")
            #expect(s.isComplete, "not complete: \(p)")
            #expect(s.minimumCompletion(Self.grammar) == 0)
            #expect(PlanValidator(tools: try ToolSet.tinyAgent).validate(p).valid, "invalid: \(p)")
        }
    }

    /// Generated gold plans (both splits) never repeat a reference within a call, so the constraint allows them all.
    @Test func acceptsGeneratedGoldPlans() {
        for e in DataGenerator(.init(count: 3000, seed: 5, unseenFraction: 0.5)).generate() {
            #expect(Self.run(e.plan)?.isComplete == true, "gold plan refused or incomplete: \(e.id): \(e.plan)")
        }
    }

    @Test func acceptsEveryGoldPlanOfTheSample() throws {
        let examples = try JSONLines.examples(Self.root.appendingPathComponent("datasets/sample.jsonl").path)
        #expect(examples.count >= 50)
        for e in examples {
            let s = Self.run(e.plan)
            #expect(s?.isComplete == true, "gold plan refused or incomplete: \(e.id)")
        }
    }

    @Test(arguments: [
        "1. get_email_address(\"Sa",          // unfinished string
        "1. get_",                             // tool-name prefix
        "1. compose_new_email([\"a\", ",       // inside a list
        "1. create_reminder(\"x\", None, None, None, 1",   // inside an int
        "1. get_email_address(\"Sam\")\n2. send_sms([\"$1",   // reference digits
        "1. join()\n<END_OF",                  // end marker
    ])
    func acceptsValidPrefixes(_ prefix: String) {
        let s = Self.run(prefix)
        #expect(s != nil)
        #expect(s?.isComplete == false)
    }

    @Test(arguments: [
        "2. join()",                                   // numbering starts at 1
        "1.join()",                                    // one space after the dot
        "Thought: first find Sam\n",                   // thoughts are not generated
        "1. get_phone(\"Sam\")",                       // unknown tool (get_phone is only a prefix)
        "1. send_email(",                              // unknown tool
        "1. get_email_address(Sam)",                   // strings must be quoted
        "1. get_email_address('Sam')",                 // double quotes only
        "1. get_email_address(\"Sam\", \"x\")",        // too many arguments
        "1. get_email_address()",                      // missing required argument
        "1. get_email_address(None)",                  // None for a required argument
        "1. get_email_address(name=\"Sam\")",          // named arguments
        "1. send_sms([\"$1\"], \"hi\")",               // $1 at step 1
        "1. get_email_address(\"Sam\")\n2. send_sms([\"$2\"]",   // $2 at step 2 (itself)
        "1. get_email_address(\"Sam\")\n2. send_sms([\"$0",      // no step 0
        "1. get_email_address(\"Sam\")\n2. send_sms([\"${1}\"]", // braced references are not generated
        "1. get_email_address(\"Sam\")\n3. join()",     // a step number skipped
        "1. send_sms(\"Sam\", \"hi\")",                // a lone string where a list is wanted
        "1. create_reminder(\"x\", None, None, None, \"high\"",   // int argument
        "1. create_reminder(\"x\", None, None, None, 01",          // leading zero
        "1. create_reminder(\"x\", None, None, None, 1.5",         // an int, not a float
        "1. create_reminder(\"x\", None, None, None, 1, 1)",       // bool argument
        "1. get_email_address(\"a\nb\")",              // raw newline in a string
        "1. get_email_address(\"Sam\") # comment",     // trailing text
        "1. join()\n2. get_email_address(\"Sam\")",    // a step after join
        "1. join()<END_OF_PLAN>\n",                    // text after the end marker
        "1. get_email_address(\"Sam\")\n<END_OF_PLAN>",   // end marker without join
        "1. get_email_address(\"Sam\")<END_OF_PLAN>",
        "1. get_email_address(\"a\\q\")",              // unknown escape
        "1. get_email_address(\"Sam\")\n2. send_sms([\"$1\", \"$1\"]",          // one output twice in a call
        "1. get_email_address(\"Sam\")\n2. send_sms([\"$1\", \"$1",           // … refused at its digit
        "1. get_email_address(\"Sam\")\n2. compose_new_email([\"$1\"], [], \"x\", \"$1\"",
    ])
    func refusesInvalidPrefixes(_ text: String) {
        #expect(Self.run(text) == nil, "accepted: \(text)")
    }

    @Test func refusesInvalidUTF8InStrings() {
        var s = PlanAutomaton()
        let opened = s.feed(Array("1. get_email_address(\"".utf8), Self.grammar)
        #expect(opened)
        func accepts(_ bytes: [UInt8]) -> Bool {
            var t = s
            return t.feed(bytes, Self.grammar)
        }
        #expect(!accepts([0xC3, 0x28]))                     // lead byte without a continuation
        #expect(!accepts([0xE0, 0x80]))                     // overlong
        #expect(!accepts([0xED, 0xA0]))                     // surrogate
        #expect(!accepts([0xE2, 0x9C, UInt8(ascii: "\"")]))  // closed inside a character
        #expect(accepts([0xE2, 0x9C, 0x93, UInt8(ascii: "\"")]))   // ✓
    }

    /// The completion bound is exact on a greedy walk: from any prefix of a valid plan, feeding the shortest
    /// completion byte by byte lowers it by one each time and ends complete.
    @Test func minimumCompletionIsAchievable() throws {
        let prefixes = ["", "1", "1. ", "1. get", "1. compose_new_email(", "1. compose_new_email([\"a\"",
                        "1. create_reminder(\"x\", None, None, None, 1", "1. get_email_address(\"Sam\")",
                        "1. get_email_address(\"Sam\")\n", "1. get_email_address(\"Sam\")\n2. create_note(\"a\", \"b\\",
                        "1. create_reminder(\"x\", None, None, None, -", "1. join()"]
        let alphabet = Array(" \"()[],.0123456789\n<>_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\\".utf8)
        for p in prefixes {
            var s = try #require(Self.run(p), "refused \(p)")
            var steps = 0
            while !s.isComplete {
                let need = s.minimumCompletion(Self.grammar)
                var moved = false
                for b in alphabet {
                    var t = s
                    if t.feed(b, Self.grammar) && t.minimumCompletion(Self.grammar) == need - 1 { s = t; moved = true; break }
                }
                #expect(moved, "no byte lowers the completion bound \(need) after \(p)")
                if !moved { break }
                steps += 1
            }
            #expect(s.isComplete)
            #expect(steps == (Self.run(p)?.minimumCompletion(Self.grammar) ?? -1))
        }
    }
}
