/// The validator's verdict: `{"valid": bool, "errors": [{"line": n, "message": "…"}]}` in JSON.
public struct PlanValidationReport: Sendable, Equatable, Codable {
    public var valid: Bool
    /// Every problem, sorted by line.
    public var errors: [PlanDiagnostic]
    /// The plan as parsed (lines with syntax errors left out); not encoded.
    public var plan: Plan

    public init(errors: [PlanDiagnostic], plan: Plan) {
        self.valid = errors.isEmpty
        self.errors = errors
        self.plan = plan
    }

    enum CodingKeys: String, CodingKey { case valid, errors }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        valid = try c.decode(Bool.self, forKey: .valid)
        errors = try c.decode([PlanDiagnostic].self, forKey: .errors)
        plan = Plan()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(valid, forKey: .valid)
        try c.encode(errors, forKey: .errors)
    }
}

/// Checks plans against a ``ToolSet``; reports every problem with its line.
///
/// A valid plan has: steps numbered 1, 2, 3, … (no repeats, no gaps); only known tools; per call
/// between `minimumArgumentCount` and all arguments (trailing optional ones may be left out unless
/// ``Options/requireAllArguments``); argument types as in the schema (`None` only for optional
/// arguments); `$N` only to an earlier step (not itself, not a missing or later one, so no cycles);
/// `join()` as the last step, with nothing but `<END_OF_PLAN>` after it. The end marker itself is optional.
public struct PlanValidator: Sendable {
    /// Choices that change what counts as valid.
    public struct Options: Sendable, Equatable {
        /// Every argument must be written, optional ones too (TinyAgent calls tools with exact arity).
        public var requireAllArguments: Bool

        public init(requireAllArguments: Bool = false) {
            self.requireAllArguments = requireAllArguments
        }
    }

    public let tools: ToolSet
    public let options: Options

    public init(tools: ToolSet, options: Options = Options()) {
        self.tools = tools
        self.options = options
    }

    /// Parses and validates `text`: syntax errors and plan errors together, sorted by line.
    public func validate(_ text: String) -> PlanValidationReport {
        let parsed = PlanParser.parse(text)
        var errors = parsed.diagnostics
        errors += validate(parsed.plan, unparsedSteps: parsed.unparsedSteps)
        errors = errors.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        return PlanValidationReport(errors: errors, plan: parsed.plan)
    }

    /// Problems of an already-parsed plan. `unparsedSteps` (number → line) are step lines that had
    /// syntax errors: they count as present, so references to them are not reported twice.
    /// A plan built in code (lines 0) is checked as if printed: item k is on line k.
    public func validate(_ plan: Plan, unparsedSteps: [Int: Int] = [:]) -> [PlanDiagnostic] {
        var plan = plan
        if plan.items.contains(where: { Self.line($0) <= 0 }) { plan.items = Self.numbered(plan.items) }
        var errors: [PlanDiagnostic] = []
        func report(_ line: Int, _ message: String) { errors.append(PlanDiagnostic(line: max(line, 1), message: message)) }

        let steps = plan.steps
        if steps.isEmpty && unparsedSteps.isEmpty {
            let line = plan.items.last.map(Self.line) ?? 1
            report(line, plan.items.isEmpty ? "the plan is empty: expected numbered steps ending with join()"
                                            : "the plan has no steps: expected numbered steps ending with join()")
            return errors
        }

        // Numbering, over parsed and unparsed step lines in line order.
        let numbered = (steps.map { ($0.line, $0.index) } + unparsedSteps.map { ($0.value, $0.key) }).sorted { $0 < $1 }
        var firstLine: [Int: Int] = [:]   // step number → line of its first occurrence
        var expected = 1
        for (line, index) in numbered {
            if let first = firstLine[index] {
                report(line, "duplicate step number \(index) (already used on line \(first))")
                continue
            }
            firstLine[index] = line
            if index != expected { report(line, "step number \(index) is out of sequence: expected \(expected)") }
            expected = max(expected, index + 1)   // one misplaced number is one error, not a cascade
        }
        var stepAt: [Int: PlanStep] = [:]
        for s in steps where stepAt[s.index] == nil && firstLine[s.index] == s.line { stepAt[s.index] = s }

        for step in steps { checkCall(step, stepAt: stepAt, firstLine: firstLine, report: report) }
        checkCycles(stepAt, report: report)

        // join() last, nothing after it.
        if let join = plan.items.firstIndex(where: { if case .step(let s) = $0 { return s.isJoin } else { return false } }) {
            for item in plan.items[(join + 1)...] {
                switch item {
                case .step(let s): report(s.line, "step \(s.index) comes after join(); join() must be the last step")
                case .thought(let t): report(t.line, "a Thought after join(): only \(Plan.endMarker) may follow join()")
                }
            }
        } else {
            let last = max(plan.items.last.map(Self.line) ?? 1, unparsedSteps.values.max() ?? 1)
            report(last, "missing join(): the last step must be join()")
        }
        for t in plan.thoughts {
            if t.text.contains(where: { $0.isNewline }) { report(t.line, "a Thought must fit on one line") }
            if Self.containsAction(t.text) {
                report(t.line, "a Thought must not contain a step 'N. tool(…)': TinyAgent's parser would run it")
            }
        }
        return errors
    }

    /// Whether `text` holds what TinyAgent's action regex `(\d+)\. (\w+)\((.*)\)` finds anywhere.
    static func containsAction(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            guard PlanLexer.isDigit(b[i]) else { i += 1; continue }
            var j = i
            while j < b.count && PlanLexer.isDigit(b[j]) { j += 1 }
            if j + 2 < b.count && b[j] == UInt8(ascii: ".") && b[j + 1] == 0x20 {
                var k = j + 2
                // Python's \w is Unicode-aware: any non-ASCII byte may be part of a word.
                while k < b.count && (PlanLexer.isIdentifierContinue(b[k]) || b[k] >= 0x80) { k += 1 }
                if k > j + 2 && k < b.count && b[k] == UInt8(ascii: "(") && b[(k + 1)...].contains(UInt8(ascii: ")")) {
                    return true
                }
            }
            i = j
        }
        return false
    }

    private static func numbered(_ items: [PlanItem]) -> [PlanItem] {
        items.enumerated().map { k, item in
            switch item {
            case .step(var s): s.line = k + 1; return .step(s)
            case .thought(var t): t.line = k + 1; return .thought(t)
            }
        }
    }

    private static func line(_ item: PlanItem) -> Int {
        switch item {
        case .step(let s): return s.line
        case .thought(let t): return t.line
        }
    }

    // MARK: one call

    private func checkCall(_ step: PlanStep, stepAt: [Int: PlanStep], firstLine: [Int: Int],
                           report: (Int, String) -> Void) {
        let line = step.line
        guard let schema = tools[step.tool] else {
            var message = "unknown tool '\(step.tool)'"
            if let guess = closestTool(to: step.tool) { message += " (did you mean '\(guess)'?)" }
            report(line, message)
            checkReferences(step, stepAt: stepAt, firstLine: firstLine, report: report)
            return
        }
        let given = step.arguments.count
        let total = schema.arguments.count
        if given > total {
            report(line, "\(step.tool) takes \(total) argument\(total == 1 ? "" : "s"), got \(given)")
        } else if given < schema.minimumArgumentCount {
            let missing = schema.arguments[given...].first { $0.isRequired } ?? schema.arguments[given]
            let position = schema.arguments.firstIndex { $0.name == missing.name }.map { $0 + 1 } ?? given + 1
            report(line, "\(step.tool): missing required argument '\(missing.name)' (argument \(position) of \(total))")
        } else if given < total && options.requireAllArguments {
            report(line, "\(step.tool): missing argument '\(schema.arguments[given].name)' (argument \(given + 1) of \(total)); every argument must be written")
        }
        for (i, (value, arg)) in zip(step.arguments, schema.arguments).enumerated() {
            let what = "argument \(i + 1) '\(arg.name)' of \(step.tool)"
            if case .none = value {
                if arg.isRequired { report(line, "\(what) is required and cannot be None") }
                continue
            }
            let ok = PlanTypeCheck.matches(value, arg.type) { ref in
                stepAt[ref.step].flatMap { tools[$0.tool]?.returns }
            }
            if !ok {
                var got = PlanTypeCheck.describe(value)
                if let ref = value.soleReference, let target = stepAt[ref.step], let returns = tools[target.tool]?.returns {
                    got += " (\(returns) from \(target.tool))"
                }
                report(line, "\(what) must be \(arg.type), got \(got)")
            }
        }
        checkReferences(step, stepAt: stepAt, firstLine: firstLine, report: report)
    }

    private func checkReferences(_ step: PlanStep, stepAt: [Int: PlanStep], firstLine: [Int: Int],
                                 report: (Int, String) -> Void) {
        var seen = Set<Int>()
        for ref in step.references where seen.insert(ref.step).inserted {
            if ref.step == step.index {
                report(step.line, "step \(step.index) refers to its own output (\(ref)); a step can only use earlier results")
            } else if let targetLine = firstLine[ref.step] {
                if targetLine > step.line {
                    report(step.line, "\(ref) refers to step \(ref.step), which comes later (line \(targetLine)); a step can only use earlier results")
                } else if stepAt[ref.step]?.isJoin == true {
                    report(step.line, "\(ref) refers to join(), which has no output")
                }
            } else {
                report(step.line, "\(ref) refers to step \(ref.step), which does not exist")
            }
        }
    }

    /// Reports each dependency cycle of two or more steps once (self-references are reported above).
    private func checkCycles(_ stepAt: [Int: PlanStep], report: (Int, String) -> Void) {
        var state: [Int: Int] = [:]   // 1 = on the current path, 2 = done
        var path: [Int] = []
        var reported = Set<[Int]>()
        func visit(_ n: Int) {
            state[n] = 1
            path.append(n)
            for d in stepAt[n]?.dependencies ?? [] where d != n && stepAt[d] != nil {
                if state[d] == 1, let start = path.firstIndex(of: d) {
                    let cycle = Array(path[start...])
                    let key = cycle.sorted()
                    if reported.insert(key).inserted, let first = cycle.min(), let s = stepAt[first] {
                        let rotated = cycle.drop { $0 != first } + cycle.prefix { $0 != first }
                        let chain = (rotated + [first]).map(String.init).joined(separator: " → ")
                        report(s.line, "cyclic dependency between steps \(chain)")
                    }
                } else if state[d] == nil {
                    visit(d)
                }
            }
            path.removeLast()
            state[n] = 2
        }
        for n in stepAt.keys.sorted() where state[n] == nil { visit(n) }
    }

    /// The known tool name closest to `name` (edit distance ≤ 3), for "did you mean".
    private func closestTool(to name: String) -> String? {
        let a = Array(name)
        var best: (String, Int)?
        for candidate in tools.names {
            let b = Array(candidate)
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var prev = row[0]
                row[0] = i
                for j in 1..<(b.count + 1) {
                    let cur = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = cur
                }
            }
            let d = a.isEmpty ? b.count : row[b.count]
            if d <= 3 && d < (best?.1 ?? Int.max) { best = (candidate, d) }
        }
        return best?.0
    }
}
