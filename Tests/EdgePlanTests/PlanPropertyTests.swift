import EdgePlan
import Foundation
import Testing

/// Seeded property and fuzz tests: round trips on generated plans; random and mutated texts never
/// crash the parser/validator, and whatever validates satisfies the plan invariants.
@Suite struct PlanPropertyTests {
    static let tools: ToolSet = (try? ToolSet.tinyAgent) ?? ToolSet()
    static let validator = PlanValidator(tools: tools)

    @Test func printThenParseIsTheIdentityOnGeneratedPlans() throws {
        #expect(Self.tools.tools.count == 17)
        var gen = PlanGenerator(tools: Self.tools, rng: TestRNG(seed: 7))
        for _ in 0..<2000 {
            let plan = gen.plan()
            #expect(Self.validator.validate(plan).isEmpty, "generated plan invalid: \(plan.text)")
            let text = plan.text
            let parsed = try Plan.parse(text)
            #expect(parsed == plan, "\(text)")
            #expect(parsed.text == text)
            #expect(Self.validator.validate(text).valid)
            let noisy = Self.noisy(plan, &gen.rng)
            #expect(try Plan.parse(noisy) == plan, "noisy layout:\n\(noisy)")
        }
    }

    /// The same plan in a non-canonical layout: single quotes, spaces, blank lines, CRLF, marker on the join line.
    static func noisy(_ plan: Plan, _ rng: inout TestRNG) -> String {
        func value(_ v: PlanValue) -> String {
            switch v {
            case .string(let s) where rng.chance(0.5):
                let body = s.unicodeScalars.map { c -> String in
                    switch c {
                    case "\\": return "\\\\"
                    case "'": return "\\'"
                    case "\n": return "\\n"
                    case "\r": return "\\x0d"
                    case "\t": return "\\u0009"
                    default: return c.value < 0x20 || c.value == 0x7F ? "\\" + String(c.value, radix: 8) : String(c)
                    }
                }.joined()
                return "'" + body + "'" + (rng.chance(0.2) ? " ''" : "")
            case .list(let xs): return "[ " + xs.map(value).joined(separator: " ,") + (xs.isEmpty ? "" : ",") + " ]"
            case .tuple(let xs) where !xs.isEmpty: return "(" + xs.map(value).joined(separator: ",\t") + ",)"
            default: return PlanPrinter.print(v)
            }
        }
        var lines: [String] = []
        for item in plan.items {
            if rng.chance(0.2) { lines.append(rng.chance(0.5) ? "" : "  \t") }
            switch item {
            case .thought(let t): lines.append("Thought: " + t.text)
            case .step(let s):
                lines.append((rng.chance(0.3) ? "  " : "") + "\(s.index). \(s.tool)(" + s.arguments.map(value).joined(separator: " , ") + ")")
            }
        }
        if plan.hasEndMarker {
            if rng.chance(0.5) { lines[lines.count - 1] += "<END_OF_PLAN>" } else { lines.append("<END_OF_PLAN>") }
            if rng.chance(0.3) { lines.append("   ") }
        }
        return lines.joined(separator: rng.chance(0.3) ? "\r\n" : "\n") + (rng.chance(0.5) ? "\n" : "")
    }

    @Test func fuzzNeverCrashesAndNeverAcceptsAnInvalidPlan() throws {
        var rng = TestRNG(seed: 2024)
        var gen = PlanGenerator(tools: Self.tools, rng: TestRNG(seed: 99))
        var accepted = 0
        let alphabet = Array("0123456789. ()[],'\"\\$:{}#=_-+eETrueFalsNoij\n\t\r<END_OF_PLAN>Thought: get_email_address join send_sms")
        let cases = 12_000
        for n in 0..<cases {
            let text: String
            switch n % 3 {
            case 0:   // random bytes, decoded leniently
                text = String(decoding: (0..<rng.int(120)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, as: UTF8.self)
            case 1:   // random plan-ish characters
                text = String((0..<rng.int(160)).map { _ in rng.pick(alphabet) })
            default:  // a valid plan, mutated 1–4 times
                text = Self.mutate(gen.plan().text, &rng)
            }
            let report = Self.validator.validate(text)
            #expect(report.valid == report.errors.isEmpty)
            #expect(report.errors.allSatisfy { $0.line >= 1 && !$0.message.isEmpty })
            if report.valid {
                accepted += 1
                try Self.checkInvariants(text, report.plan)
            }
            _ = PlanParser.prefixStatus(text)
        }
        #expect(accepted > 100, "the mutations should leave some plans valid (\(accepted))")
    }

    static func mutate(_ text: String, _ rng: inout TestRNG) -> String {
        var chars = Array(text)
        let snippets: [String] = ["$1", "$9", "${2}", "join()", "\n", "1. ", "\"", "'", ",", "None", "[", "]", "(", ")",
                                  "<END_OF_PLAN>", "Thought: x\n", "\\", "0", "9. join()\n", "get_contact"]
        for _ in 0...rng.int(4) {
            let i = rng.int(chars.count + 1)
            switch rng.int(5) {
            case 0 where i < chars.count: chars.remove(at: i)
            case 1: chars.insert(contentsOf: Array(rng.pick(snippets)), at: i)
            case 2 where i < chars.count: chars[i] = rng.pick(Array("0123456789$\"',()[]\n x"))
            case 3:   // swap or duplicate or delete a whole line
                var lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                guard lines.count > 1 else { continue }
                let a = rng.int(lines.count), b = rng.int(lines.count)
                switch rng.int(3) {
                case 0: lines.swapAt(a, b)
                case 1: lines.insert(lines[a], at: b)
                default: lines.remove(at: a)
                }
                chars = Array(lines.joined(separator: "\n"))
            default:
                if let d = chars.indices.filter({ chars[$0].isNumber }).randomElement(using: &rng) {
                    chars[d] = rng.pick(Array("0123456789"))
                }
            }
        }
        return String(chars)
    }

    /// What "valid" promises, checked without the validator's own code paths where possible.
    static func checkInvariants(_ text: String, _ plan: Plan) throws {
        let parsed = PlanParser.parse(text)
        #expect(parsed.diagnostics.isEmpty && parsed.plan == plan)
        let steps = plan.steps
        #expect(steps.map(\.index) == Array(1...max(steps.count, 1)), "numbering in \(text.debugDescription)")
        #expect(steps.last?.isJoin == true && steps.filter(\.isJoin).count == 1)
        if case .step(let last)? = plan.items.last { #expect(last.isJoin) } else { Issue.record("item after join in \(text.debugDescription)") }
        for step in steps {
            let schema = try #require(tools[step.tool], "unknown tool accepted: \(step.tool)")
            #expect(step.arguments.count >= schema.minimumArgumentCount && step.arguments.count <= schema.arguments.count)
            for (value, arg) in zip(step.arguments, schema.arguments) where arg.isRequired { #expect(value != .none) }
            #expect(step.references.allSatisfy { $0.step >= 1 && $0.step < step.index }, "reference in \(text.debugDescription)")
        }
        // Printing gives the canonical text, which parses back to the same plan and validates again.
        let canonical = plan.text
        #expect(try Plan.parse(canonical) == plan)
        #expect(try Plan.parse(canonical).text == canonical)
        #expect(validator.validate(canonical).valid)
        // TinyAgent's own regex sees the same steps (reference §2.3), up to and including join.
        #expect(tinyAgentSteps(text) == steps.map { "\($0.index) \($0.tool)" }, "TinyAgent disagrees on \(text.debugDescription)")
    }

    static let fullPattern = try? NSRegularExpression(pattern: #"(?:Thought: ([^\n]*)\n)?\s*\n*(\d+)\. (\w+)\((.*)\)(\s*#\w+\n)?"#)

    /// `index tool` of each step TinyAgent's `re.findall` finds, stopping after join.
    static func tinyAgentSteps(_ text: String) -> [String] {
        guard let regex = fullPattern else { return [] }
        let ns = text as NSString
        var out: [String] = []
        for m in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range(at: 3))
            out.append("\(Int(ns.substring(with: m.range(at: 2))) ?? -1) \(name)")
            if name == "join" { break }
        }
        return out
    }
}

extension TestRNG: RandomNumberGenerator {}
