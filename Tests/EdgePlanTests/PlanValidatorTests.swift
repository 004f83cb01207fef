import EdgePlan
import Foundation
import Testing

@Suite struct PlanValidatorTests {
    static let validator: PlanValidator = {
        do { return PlanValidator(tools: try ToolSet.tinyAgent) } catch { return PlanValidator(tools: ToolSet()) }
    }()

    func errors(_ text: String, options: PlanValidator.Options = .init()) -> [PlanDiagnostic] {
        PlanValidator(tools: Self.validator.tools, options: options).validate(text).errors
    }

    @Test func toolSetLoaded() { #expect(Self.validator.tools.tools.count == 17) }

    @Test func acceptsValidPlans() {
        let plans = [
            PlanParserTests.l1,
            "1. get_email_address(\"Sam\")\n2. compose_new_email([\"$1\"], [], \"Meeting notes\", \"...\", [])\n3. join()\n<END_OF_PLAN>\n",
            "Thought: two numbers\n1. get_phone_number('Ann')\n2. get_phone_number('Bo')\n3. send_sms([\"$1\", \"${2}\"], \"Late!\")\nThought: done\n4. join()<END_OF_PLAN>",
            "1. get_phone_number(\"Ann\")\n2. send_sms(\"$1\", \"hi\")\n3. join()",                       // scalar for a list, no end marker
            "1. create_reminder(\"Call mom\", \"2024-05-01 09:00:00\", \"\", \"\", 5, True)\n2. join()\n",
            "1. create_note(\"n\", \"x\")\n2. maps_show_directions(\"\", \"Paris\")\n3. join()\n",       // trailing optionals left out
            "1. open_and_get_file_path(\"a.pdf\")\n2. summarize_pdf($1)\n3. create_note(\"Summary\", \"$2 and $1\", \"\")\n4. join()\n",
            "1. join()\n",
        ]
        for plan in plans {
            let report = Self.validator.validate(plan)
            #expect(report.valid, "\(plan)\n\(report.errors)")
        }
    }

    /// Every kind of problem: its line and its message.
    @Test(arguments: [
        ("", 1, "the plan is empty: expected numbered steps ending with join()"),
        ("\n\n", 1, "the plan is empty: expected numbered steps ending with join()"),
        ("Thought: hmm\n", 1, "the plan has no steps: expected numbered steps ending with join()"),
        ("1. get_contact(\"Sam\")\n2. join()", 1, "unknown tool 'get_contact'"),
        ("1. get_email_adress(\"Sam\")\n2. join()", 1, "unknown tool 'get_email_adress' (did you mean 'get_email_address'?)"),
        ("1. get_email_address(\"Sam\", \"x\")\n2. join()", 1, "get_email_address takes 1 argument, got 2"),
        ("1. join(\"$1\")", 1, "join takes 0 arguments, got 1"),
        ("1. send_sms([\"+1 555\"])\n2. join()", 1, "send_sms: missing required argument 'message' (argument 2 of 2)"),
        ("1. get_email_address()\n2. join()", 1, "get_email_address: missing required argument 'name' (argument 1 of 1)"),
        ("1. compose_new_email([\"a@b.c\"], [])\n2. join()", 1, "compose_new_email: missing required argument 'subject' (argument 3 of 5)"),
        ("1. get_email_address(3)\n2. join()", 1, "argument 1 'name' of get_email_address must be string, got integer 3"),
        ("1. get_email_address(None)\n2. join()", 1, "argument 1 'name' of get_email_address is required and cannot be None"),
        ("1. send_sms([1], \"hi\")\n2. join()", 1, "argument 1 'recipients' of send_sms must be array of string, got list [1]"),
        ("1. get_zoom_meeting_link(\"t\", \"2024-05-01 10:00:00\", \"30\", [])\n2. join()", 1,
         "argument 3 'duration' of get_zoom_meeting_link must be integer, got string \"30\""),
        ("1. get_email_address(\"a\")\n2. get_zoom_meeting_link(\"t\", \"s\", $1, [])\n3. join()", 2,
         "argument 3 'duration' of get_zoom_meeting_link must be integer, got reference $1 (string from get_email_address)"),
        ("1. create_reminder(\"x\", \"\", \"\", \"\", 0, \"yes\")\n2. join()", 1,
         "argument 6 'all_day' of create_reminder must be boolean, got string \"yes\""),
        ("1. get_email_address(\"$2\")\n2. get_email_address(\"Sam\")\n3. join()", 1,
         "$2 refers to step 2, which comes later (line 2); a step can only use earlier results"),
        ("1. get_email_address(\"Sam\")\n2. send_sms([\"$4\"], \"hi\")\n3. join()", 2, "$4 refers to step 4, which does not exist"),
        ("1. get_email_address(\"$0\")\n2. join()", 1, "$0 refers to step 0, which does not exist"),
        ("1. get_email_address(\"$1\")\n2. join()", 1, "step 1 refers to its own output ($1); a step can only use earlier results"),
        ("1. get_email_address(\"Sam\")", 1, "missing join(): the last step must be join()"),
        ("1. get_email_address(\"Sam\")\nThought: done", 2, "missing join(): the last step must be join()"),
        ("1. join()\n2. get_email_address(\"Sam\")", 2, "step 2 comes after join(); join() must be the last step"),
        ("1. join()\nThought: more", 2, "a Thought after join(): only <END_OF_PLAN> may follow join()"),
        ("1. join()\n<END_OF_PLAN>\n2. join()", 3, "text after <END_OF_PLAN>: nothing may follow the end marker"),
        ("1. get_email_address(\"a\")\n1. get_email_address(\"b\")\n2. join()", 2, "duplicate step number 1 (already used on line 1)"),
        ("1. get_email_address(\"a\")\n3. join()", 2, "step number 3 is out of sequence: expected 2"),
        ("2. get_email_address(\"a\")\n3. join()", 1, "step number 2 is out of sequence: expected 1"),
        ("1. get_email_address(\"a\")\n2. summarize_pdf($2)\n3. join()", 2,
         "step 2 refers to its own output ($2); a step can only use earlier results"),
        ("1. get_email_address(\"Sam\"\n2. join()", 1, "unclosed argument list: expected ',' or ')'"),
        ("Thought: first 1. get_email_address(\"Sam\")\n1. join()", 1,
         "a Thought must not contain a step 'N. tool(…)': TinyAgent's parser would run it"),
    ] as [(String, Int, String)])
    func reportsEachProblem(text: String, line: Int, message: String) {
        let report = Self.validator.validate(text)
        #expect(!report.valid)
        #expect(report.errors.contains(PlanDiagnostic(line: line, message: message)) ||
                report.errors.contains { $0.line == line && $0.message == message },
                "got \(report.errors)")
    }

    @Test func reportsCyclesOnceWithTheirSteps() {
        let text = "2. get_email_address(\"$1\")\n1. summarize_pdf(\"$2\")\n3. join()\n"
        let errors = errors(text)
        #expect(errors.filter { $0.message.hasPrefix("cyclic") } ==
                [PlanDiagnostic(line: 2, message: "cyclic dependency between steps 1 → 2 → 1")])
        #expect(errors.contains(PlanDiagnostic(line: 1, message: "$1 refers to step 1, which comes later (line 2); a step can only use earlier results")))
        let three = "1. summarize_pdf(\"$3\")\n2. summarize_pdf(\"$1\")\n3. summarize_pdf(\"$2\")\n4. join()\n"
        #expect(self.errors(three).filter { $0.message.hasPrefix("cyclic") }.map(\.message) == ["cyclic dependency between steps 1 → 3 → 2 → 1"])
    }

    @Test func reportsAllProblemsSortedByLine() {
        let text = "1. get_contact(\"a\")\n3. send_sms(1, 2, 3)\n2. f(x)\n4. join()\n5. join()\n"
        let lines = errors(text).map(\.line)
        #expect(lines == lines.sorted())
        #expect(Set(lines) == [1, 2, 3, 5])
        // A step line with a syntax error still counts as present: no cascade of "missing step" errors.
        #expect(errors("1. get_email_address(\"a\"\n2. send_sms([\"$1\"], \"hi\")\n3. join()").map(\.line) == [1])
    }

    @Test func strictArityRequiresEveryArgument() {
        let text = "1. create_note(\"n\", \"x\")\n2. join()\n"
        #expect(errors(text).isEmpty)
        #expect(errors(text, options: .init(requireAllArguments: true)) ==
                [PlanDiagnostic(line: 1, message: "create_note: missing argument 'folder' (argument 3 of 3); every argument must be written")])
    }

    @Test func handBuiltPlansAreCheckedToo() {
        let plan = Plan(items: [.thought(PlanThought("a\nb")), .step(PlanStep(index: 1, tool: "create_reminder",
                                arguments: [.string("x"), .string(""), .string(""), .string(""), .float(.nan)])),
                                .step(PlanStep(index: 2, tool: "join"))])
        let forward = Plan(steps: [PlanStep(index: 1, tool: "summarize_pdf", arguments: [.string("$2")]),
                                   PlanStep(index: 2, tool: "open_and_get_file_path", arguments: [.string("a.pdf")]),
                                   PlanStep(index: 3, tool: "join")])
        #expect(Self.validator.validate(forward) ==
                [PlanDiagnostic(line: 1, message: "$2 refers to step 2, which comes later (line 2); a step can only use earlier results")])
        let messages = Self.validator.validate(plan).map(\.message)
        #expect(messages.contains("a Thought must fit on one line"))
        #expect(messages.contains("argument 5 'priority' of create_reminder must be integer, got float nan"))
    }

    @Test func reportEncodesToTheContractJSON() throws {
        let report = Self.validator.validate("1. get_email_address(\"Sam\")\n")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(json == #"{"errors":[{"line":1,"message":"missing join(): the last step must be join()"}],"valid":false}"#)
        let ok = String(decoding: try encoder.encode(Self.validator.validate("1. join()")), as: UTF8.self)
        #expect(ok == #"{"errors":[],"valid":true}"#)
        let back = try JSONDecoder().decode(PlanValidationReport.self, from: Data(json.utf8))
        #expect(back.errors == report.errors.map { PlanDiagnostic(line: $0.line, message: $0.message) } && !back.valid)
    }
}

@Suite struct PlanJSONTests {
    @Test func stepsEncodeAsIndexToolArgs() throws {
        let plan = try Plan.parse(#"1. send_sms(["$1", ${2}], 'hi', None, 3, 2.5, True, ("a",))"#)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(plan.steps), as: UTF8.self)
        #expect(json == #"[{"args":[["$1","${2}"],"hi",null,3,2.5,true,["a"]],"index":1,"tool":"send_sms"}]"#)
    }
}
