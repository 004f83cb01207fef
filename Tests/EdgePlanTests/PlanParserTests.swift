import EdgePlan
import Testing

@Suite struct PlanParserTests {
    static let l1 = """
        1. get_email_address("Sid")
        2. get_email_address("Lutfi")
        3. create_calendar_event("Meeting", "2024-05-01 14:00:00", "2024-05-01 15:00:00", "", ["$1", "$2"], "", None)
        4. join()
        <END_OF_PLAN>

        """

    @Test func parsesTheReferencePlan() throws {
        let plan = try Plan.parse(Self.l1)
        #expect(plan.steps.map(\.tool) == ["get_email_address", "get_email_address", "create_calendar_event", "join"])
        #expect(plan.steps.map(\.index) == [1, 2, 3, 4])
        #expect(plan.steps.map(\.line) == [1, 2, 3, 4])
        #expect(plan.hasEndMarker)
        #expect(plan.steps[0].arguments == [.string("Sid")])
        #expect(plan.steps[2].arguments[4] == .list([.string("$1"), .string("$2")]))
        #expect(plan.steps[2].arguments[6] == .none)
        #expect(plan.steps[2].dependencies == [1, 2])
        #expect(plan.steps[3].isJoin)
        #expect(plan.text == Self.l1)   // canonical text prints back identically
    }

    @Test func parsesEveryLiteralKind() throws {
        let args = try PlanParser.parseArguments(
            #"'single', "dou\"ble", "t\tn\nq\'\\", "\x41\u00e9\U0001F600\101", -3, +7, 2.5, -.5, 5., 1e-3, 2E+2, True, False, None, [1, [2, (3,)]], (), ("x"), ("a", "b",), $1, ${2}, "a" 'b', "\d""#)
        #expect(args == [
            .string("single"), .string("dou\"ble"), .string("t\tn\nq'\\"), .string("Aé😀A"),
            .int(-3), .int(7), .float(2.5), .float(-0.5), .float(5), .float(0.001), .float(200),
            .bool(true), .bool(false), .none,
            .list([.int(1), .list([.int(2), .tuple([.int(3)])])]), .tuple([]), .string("x"),
            .tuple([.string("a"), .string("b")]),
            .reference(PlanReference(step: 1)), .reference(PlanReference(step: 2, braced: true)),
            .string("ab"), .string("\\d"),
        ])
        #expect(try PlanParser.parseArguments("") == [])
        #expect(try PlanParser.parseArguments("1,") == [.int(1)])
        #expect(try PlanParser.parseArguments("-9223372036854775808") == [.int(Int.min)])
    }

    @Test func findsReferencesInsideStringsAndLists() throws {
        let plan = try Plan.parse(#"1. f("Notes: $1 and ${2}", ["$3", ["x $4"]], ("$5",), $6, "$$7", "cost $")"# + "\n")
        #expect(plan.steps[0].references.map(\.step) == [1, 2, 3, 4, 5, 6, 7])
        #expect(plan.steps[0].references[1].braced)
        #expect(PlanValue.string("$1").soleReference == PlanReference(step: 1))
        #expect(PlanValue.string("${12}").soleReference == PlanReference(step: 12, braced: true))
        #expect(PlanValue.string("$1 ").soleReference == nil)
        #expect(PlanValue.string("$01").soleReference == nil)
    }

    @Test func acceptsLayoutVariants() throws {
        let text = "Thought: find Sam\r\n  1. get_email_address('Sam')\r\n\r\nThought:\n2. join()<END_OF_PLAN>\n\n  \n"
        let plan = try Plan.parse(text)
        #expect(plan.items == [.thought(PlanThought("find Sam")), .step(PlanStep(index: 1, tool: "get_email_address", arguments: [.string("Sam")])),
                               .thought(PlanThought("")), .step(PlanStep(index: 2, tool: "join"))])
        #expect(plan.hasEndMarker)
        #expect(plan.steps.map(\.line) == [2, 5])
        #expect(plan.text == "Thought: find Sam\n1. get_email_address(\"Sam\")\nThought: \n2. join()\n<END_OF_PLAN>\n")
        let open = try Plan.parse("1. join()")
        #expect(!open.hasEndMarker && open.steps.count == 1)
        #expect(try Plan.parse("") == Plan(hasEndMarker: false))
    }

    /// Each syntax error names its line, column and the problem.
    @Test(arguments: [
        ("1. join()\n2. f(\"abc)\n", 2, 6, "unterminated string (add the closing \")"),
        ("1. f(name=\"x\")", 1, 6, "named arguments are not allowed ('name='); pass arguments by position"),
        ("1. f(Sam)", 1, 6, "unexpected name 'Sam'; strings must be quoted"),
        ("1 f()", 1, 2, "expected '.' after the step number 1"),
        ("1.f()", 1, 3, "expected one space after '1.'"),
        ("1.  f()", 1, 4, "expected exactly one space after '1.'"),
        ("1. f ()", 1, 5, "no space allowed between 'f' and '('"),
        ("1. 2f()", 1, 4, "expected a tool name after '1. '"),
        ("1. f() # note", 1, 8, "comments are not allowed in a plan"),
        ("1. f() g", 1, 8, "unexpected text after the closing ')' of f"),
        ("1. f([1, 2)", 1, 11, "expected ',' or ']' in the list"),
        ("1. f(\"a\" 1)", 1, 10, "expected ',' or ')' in the argument list"),
        ("1. f(,)", 1, 6, "expected a value"),
        ("1. f(012)", 1, 6, "leading zeros are not allowed in an integer"),
        ("1. f(1e999)", 1, 6, "float out of range"),
        ("1. f(99999999999999999999)", 1, 6, "integer out of range (64-bit)"),
        ("1. f(0x1F)", 1, 6, "invalid number (only decimal ints and floats are allowed)"),
        ("1. f(\"\\x4g\")", 1, 7, "escape needs 2 hex digits, found 1"),
        ("1. f(\"\\ud800\")", 1, 7, "escape is not a Unicode scalar (surrogates and values above 10FFFF are not allowed)"),
        ("1. f({1: 2})", 1, 6, "unexpected character '{'"),
        ("1. f($x)", 1, 6, "'$' must start a reference $N or ${N}"),
        ("1. f(é)", 1, 6, "unexpected character 'é'"),
        ("Thought:x", 1, 9, "expected a space after 'Thought:'"),
        ("Sure! Here is the plan:", 1, 1, "expected a step 'N. tool(arguments)', a 'Thought:' line or <END_OF_PLAN>"),
        ("1. join()\n<END_OF_PLAN>\n\nmore", 4, 1, "text after <END_OF_PLAN>: nothing may follow the end marker"),
        ("1. join()<END_OF_PLAN> x", 1, 24, "text after <END_OF_PLAN>: nothing may follow the end marker"),
        ("<END_OF_PLAN>2", 1, 14, "text after <END_OF_PLAN>: nothing may follow the end marker"),
        ("1. f(" + String(repeating: "[", count: 40) + ")", 1, 38, "lists and tuples nested more than 32 deep"),
    ] as [(String, Int, Int, String)])
    func reportsSyntaxErrorsWithLineAndColumn(text: String, line: Int, column: Int, message: String) {
        #expect(throws: EdgePlanError.syntax(line: line, column: column, message: message)) { try Plan.parse(text) }
    }

    @Test func recoversAndReportsEveryBadLine() {
        let result = PlanParser.parse("1. f(\"a)\n2. g(x)\n3. join()\n")
        #expect(result.diagnostics.map(\.line) == [1, 2])
        #expect(result.plan.steps.map(\.index) == [3])
        #expect(result.unparsedSteps == [1: 1, 2: 2])
        #expect(result.diagnostics[0].description == "line 1, column 6: unterminated string (add the closing \")")
    }

    @Test func columnsCountCharactersNotBytes() {
        #expect(throws: EdgePlanError.syntax(line: 1, column: 12, message: "unexpected name 'x'; strings must be quoted")) {
            try Plan.parse("1. f(\"éé\", x)")
        }
    }

    @Test func prefixStatus() {
        let complete = "1. get_email_address(\"Sam\")\n2. join()<END_OF_PLAN>"
        #expect(PlanParser.prefixStatus(complete) == .complete)
        for cut in 0..<complete.count {
            let prefix = String(complete.prefix(cut))
            #expect(PlanParser.prefixStatus(prefix) == .prefix, "prefix \(prefix.debugDescription)")
        }
        #expect(PlanParser.prefixStatus("Thought: x\n1. f(Tr") == .prefix)
        #expect(PlanParser.prefixStatus("1. f(\"a\"]") != .prefix)
        #expect(PlanParser.prefixStatus("1. f(\"a\n") != .prefix)      // a line break ends the string: no fix possible
        #expect(PlanParser.prefixStatus("Here") != .prefix)
    }
}

@Suite struct PlanPrinterTests {
    @Test func printsCanonicalLiterals() {
        #expect(PlanPrinter.print(.list([.string("a\"b\\c\n\t\r\u{7}\u{85}\u{2028}é😀"), .int(-3), .float(2), .float(1e-5),
                                         .bool(true), .none, .tuple([.int(1)]), .tuple([]), .reference(PlanReference(step: 2, braced: true))]))
                == #"["a\"b\\c\n\t\r\x07\x85\u2028é😀", -3, 2.0, 1e-05, True, None, (1,), (), ${2}]"#)
        let plan = Plan(items: [.thought(PlanThought("go")), .step(PlanStep(index: 1, tool: "join"))], hasEndMarker: false)
        #expect(plan.text == "Thought: go\n1. join()\n")
    }

    @Test func rejectsRawCarriageReturnAndNulInStrings() {
        #expect(throws: EdgePlanError.syntax(line: 1, column: 8, message: "raw carriage return inside a string; write \\r")) {
            try Plan.parse("1. f(\"a\rb\")")
        }
        #expect(throws: EdgePlanError.syntax(line: 1, column: 8, message: "raw NUL inside a string; write \\x00")) {
            try Plan.parse("1. f(\"a\u{0}b\")")
        }
    }
}
