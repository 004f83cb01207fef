import EdgeTestSupport
import Testing

/// The exit-status contract of DESIGN.md, checked on the built binary.
@Suite struct ExitStatusTests {
    @Test func usageErrorsExitTwo() throws {
        let r = try CLI.run(["--bogus"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("Unknown option '--bogus'"))
    }

    @Test func userErrorsExitOneWithOneLine() throws {
        let r = try CLI.run(["validate", "--plan", "/nonexistent/plan.txt"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func helpExitsZeroAndListsCommands() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        for command in ["bench", "validate"] { #expect(r.stdout.contains(command)) }
    }

    @Test func validateAcceptsAPlanOnStdin() throws {
        let plan = "1. get_email_address(\"Sam\")\n2. send_sms([\"$1\"], \"hi\")\n3. join()\n<END_OF_PLAN>\n"
        let r = try CLI.run(["validate", "-", "--json"], stdin: plan)
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"valid\" : true") || r.stdout.contains("\"valid\":true"))
    }
}
