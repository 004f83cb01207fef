import EdgePlan
import Foundation
import Testing
@testable import EdgeAgent

@Suite struct ToolDatabaseTests {
    func run(_ text: String, env: ToolEnvironment, dryRun: Bool = false,
             lm: any LanguageModel = ScriptedLanguageModel([])) async throws -> PlanRun {
        let executor = PlanExecutor(runtime: try AgentFixture.runtime(env), dryRun: dryRun)
        return try await executor(PlanExecution(plan: try AgentFixture.plan(text), query: "the user's request"),
                                  in: AgentFixture.context(lm))
    }

    @Test func seedsDemoDataOnce() async throws {
        let env = try AgentFixture.environment()
        let contacts = try await env.database.rows("contacts")
        #expect(contacts.count == 12)
        for name in ["Sam", "Alice", "Bob", "Carol"] {
            #expect(contacts.contains { ($0["first_name"] ?? nil) == name })
        }
        let reopened = try ToolDatabase(path: env.database.path)
        #expect(try await reopened.rows("contacts").count == 12)
        #expect(try await reopened.rows("mail_messages").filter { ($0["is_selected"] ?? nil) == "1" }.count == 1)
    }

    @Test func contactLookups() async throws {
        let env = try AgentFixture.environment()
        let r = try await run("""
            1. get_phone_number("Sam")
            2. get_phone_number("Alice Johnson")
            3. get_email_address("carol nguyen")
            4. get_email_address("Nobody")
            5. get_phone_number("Erin")
            6. get_email_address("Frank")
            7. join()
            """, env: env)
        #expect(r.steps.map(\.observation) == ["+1415-555-0101", "+44 20 7946 0102", "carol.nguyen@example.com",
                                               "No contacts found", "Contact doesn't appear to have a phone number.",
                                               "Contact doesn't appear to have an email address."])
    }

    /// The database after a run holds exactly what the plan asked for, with one log row per side effect.
    @Test func stateAfterRunIsWhatThePlanAsked() async throws {
        let env = try AgentFixture.environment()
        let lm = ScriptedLanguageModel(rules: [.init(contains: "Email Body:", reply: "Hi Sam,\n\nHere are the notes.\n\nBest")])
        let r = try await run("""
            1. create_reminder("Call Sam", "2024-05-02 17:00:00", "bring notes", "Work", 1, False)
            2. create_reminder("Pay rent", "2024-06-01", "", "Nonexistent list", 0, True)
            3. get_email_address("Sam")
            4. compose_new_email(["$3"], ["Bob"], "Meeting notes", "send the notes", [])
            5. send_sms(["Carol", "+1 555 0000"], "Running late")
            6. create_calendar_event("Lunch", "2024-05-03 12:00:00", "", "Main Street", ["Bob"], "", None)
            7. create_note("Ideas", "Try the new API", "Work")
            8. append_note_content("Shopping list", "Bread", "")
            9. get_zoom_meeting_link("Sync", "2024-05-04 09:30", 30, ["Alice"])
            10. join()
            """, env: env, lm: lm)
        #expect(r.steps.allSatisfy { $0.succeeded }, "\(r.steps.map(\.observation))")
        #expect(r.steps[0].observation == "Reminder 'Call Sam' created successfully in the 'Work' list.")
        #expect(r.steps[1].observation == "Reminder 'Pay rent' created successfully in the 'Reminders' list.")

        // Independent steps run in parallel: rows are found by name, not position.
        let reminders = try await env.database.rows("reminders")
        #expect(reminders.count == 2)
        let callSamRow = try #require(reminders.first { $0["name"] == "Call Sam" })
        #expect(callSamRow["due_date"] == "2024-05-02 17:00:00" && callSamRow["all_day"] == "0")
        #expect(callSamRow["list_name"] == "Work" && callSamRow["priority"] == "1" && callSamRow["notes"] == "bring notes")
        let rent = try #require(reminders.first { $0["name"] == "Pay rent" })
        #expect(rent["due_date"] == "2024-06-01" && rent["all_day"] == "1" && rent["list_name"] == "Reminders")

        let drafts = try await env.database.rows("drafts")
        #expect(drafts.count == 1)
        #expect(drafts[0]["recipients"] == #"["sam@example.com"]"# && drafts[0]["cc"] == #"["bob.smith@example.com"]"#)
        #expect(drafts[0]["body"] == "Hi Sam,\n\nHere are the notes.\n\nBest" && drafts[0]["kind"] == "new")

        let sms = try await env.database.rows("sms_drafts")
        #expect(sms.count == 1 && sms[0]["recipients"] == #"["415-555-0104","+1 555 0000"]"#)

        let events = try await env.database.rows("events")
        #expect(events.count == 1)
        #expect(events[0]["start_date"] == "2024-05-03 12:00:00" && events[0]["end_date"] == "2024-05-03 13:00:00")
        #expect(events[0]["calendar"] == "Calendar" && events[0]["invitees"] == #"["bob.smith@example.com"]"#)
        #expect(r.steps[5].observation == "Event created successfully in the \"Calendar\" calendar.")

        let notes = try await env.database.rows("notes")
        #expect(notes.contains { $0["name"] == "Ideas" && $0["folder"] == "Work" })
        #expect(notes.contains { $0["name"] == "Shopping list" && $0["body"] == "Milk\nEggs\nCoffee beans\nBread" })

        let url = ZoomTools.meetingURL(topic: "Sync", start: "2024-05-04 09:30:00", duration: 30,
                                       invitees: ["alice.johnson@example.com"])
        #expect(r.steps[8].observation == url)
        #expect(try await env.database.rows("meetings").first?["join_url"] == url)

        let log = try await env.database.actionLog()
        // Independent steps run in parallel, so the log's order is not the plan's.
        #expect(log.map(\.tool).sorted() == ["append_note_content", "compose_new_email", "create_calendar_event", "create_note",
                                             "create_reminder", "create_reminder", "get_zoom_meeting_link", "send_sms"])
        let callSam = try #require(log.first { $0.result.contains("Call Sam") })
        #expect(callSam.arguments == #"["Call Sam","2024-05-02 17:00:00","bring notes","Work",1,false]"#)
    }

    /// A dry run describes each side effect and changes nothing (the whole database compared).
    @Test func dryRunHasNoSideEffects() async throws {
        let env = try AgentFixture.environment()
        let before = try await env.database.snapshot()
        let lm = ScriptedLanguageModel([])   // a sub-agent call would throw: none may happen
        let r = try await run("""
            1. create_reminder("Call Sam", "2024-05-02 17:00:00", "", "", 0, False)
            2. get_email_address("Sam")
            3. compose_new_email(["$2"], [], "Notes", "the notes", [])
            4. send_sms(["Sam"], "hi")
            5. create_calendar_event("Lunch", "2024-05-03 12:00:00", "", "", [], "", None)
            6. create_note("n", "c", "")
            7. append_note_content("Shopping list", "Bread", "")
            8. get_zoom_meeting_link("Sync", "2024-05-04 09:30:00", 30, ["Alice"])
            9. reply_to_email([], "sounds good", [])
            10. forward_email(["Bob"], [], "fyi", [])
            11. join()
            """, env: env, dryRun: true, lm: lm)
        #expect(r.steps.allSatisfy { $0.succeeded }, "\(r.steps.map(\.observation))")
        #expect(r.steps[0].observation == "[dry run] would create reminder 'Call Sam' due 2024-05-02 17:00:00 in the 'Reminders' list.")
        for i in [0, 2, 3, 4, 5, 6, 7, 8, 9] { #expect(r.steps[i].observation.hasPrefix("[dry run] would"), "step \(i + 1)") }
        #expect(r.steps[1].observation == "sam@example.com")   // reads still run
        #expect(try await env.database.snapshot() == before)
        #expect(lm.calls.isEmpty)
    }

    /// A failure inside a tool's transaction (after its row is written, before the log row) rolls back
    /// both; earlier steps' changes stay; the database is consistent (every change has its log row).
    @Test func failureMidToolRollsBack() async throws {
        struct Crash: Error {}
        let env = try AgentFixture.environment(beforeLog: { tool in if tool == "create_reminder" { throw Crash() } })
        let r = try await run("""
            1. create_note("Before", "kept", "")
            2. create_reminder("Lost", "2024-05-02 17:00:00", "", "", 0, False)
            3. join()
            """, env: env)
        #expect(r.steps[0].succeeded)
        guard case .failed = r.steps[1].status else { Issue.record("step 2 should fail"); return }
        #expect(try await env.database.rows("reminders").isEmpty)
        #expect(try await env.database.rows("notes").contains { $0["name"] == "Before" })
        #expect(try await env.database.actionLog().map(\.tool) == ["create_note"])
    }

    /// A crash mid-tool: the database files are copied from inside the open transaction (after the
    /// reminder row, before its log row), as a power cut would leave them. Opening the copy rolls the
    /// hot journal back: neither row is there, and the copy equals the state before the step.
    @Test func crashMidToolLeavesConsistentFiles() async throws {
        let crashDir = FileManager.default.temporaryDirectory.appendingPathComponent("edgeagent-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: crashDir, withIntermediateDirectories: true)
        let copied = Recorder<[String]>()
        let pathBox = Recorder<String>()
        let env = try AgentFixture.environment(beforeLog: { tool in
            guard tool == "create_reminder", let path = pathBox.all.first else { return }
            var names: [String] = []
            for suffix in ["", "-journal", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: crashDir.appendingPathComponent("tools.sqlite" + suffix).path)
                names.append("tools.sqlite" + suffix)
            }
            copied.append(names)
        })
        pathBox.append(env.database.path)
        let r1 = try await run("1. create_note(\"Before\", \"kept\", \"\")\n2. join()", env: env)
        #expect(r1.steps[0].succeeded)
        let before = try await env.database.snapshot()
        let r2 = try await run("1. create_reminder(\"Call Sam\", \"2024-05-02 17:00:00\", \"\", \"\", 0, False)\n2. join()", env: env)
        #expect(r2.steps[0].succeeded)
        #expect(try await env.database.rows("reminders").count == 1)   // the real run committed

        // The copy caught the transaction in flight: a rollback journal (or WAL) was on disk.
        #expect(copied.all.count == 1)
        #expect(copied.all.first?.contains { $0.hasSuffix("-journal") || $0.hasSuffix("-wal") } == true, "\(copied.all)")
        let crashed = try ToolDatabase(path: crashDir.appendingPathComponent("tools.sqlite").path)
        #expect(try await crashed.snapshot() == before)
        #expect(try await crashed.actionLog().map(\.tool) == ["create_note"])
    }

    @Test func replyAndForwardUseTheSelectedMessage() async throws {
        let env = try AgentFixture.environment()
        let lm = ScriptedLanguageModel(rules: [.init(contains: "Email Thread:", reply: "Thanks Alice, will do.")])
        let r = try await run("""
            1. reply_to_email([], "I'll review it", [])
            2. forward_email(["Bob"], [], "FYI", [])
            3. join()
            """, env: env, lm: lm)
        #expect(r.steps.map(\.observation) == ["Replied to the selected email successfully.",
                                               "Forwarded the selected email successfully."])
        // The two steps are independent and run in parallel: find the drafts by kind.
        let drafts = try await env.database.rows("drafts")
        let reply = try #require(drafts.first { $0["kind"] == "reply" })
        let forward = try #require(drafts.first { $0["kind"] == "forward" })
        #expect(drafts.count == 2)
        #expect(reply["recipients"] == #"["alice.johnson@example.com"]"# && reply["subject"] == "Re: Quarterly report")
        #expect(reply["body"] == "Thanks Alice, will do.")
        #expect(forward["recipients"] == #"["bob.smith@example.com"]"# && forward["subject"] == "Fwd: Quarterly report")
        #expect(forward["body"]??.hasPrefix("FYI\n\n---------- Forwarded message ----------") == true)
        #expect(lm.calls.count == 1 && lm.calls[0].messages.last?.content.contains("Query: the user's request") == true)
    }

    @Test func unresolvableRecipientIsAnError() async throws {
        let env = try AgentFixture.environment()
        let r = try await run("1. send_sms([\"Zelda\"], \"hi\")\n2. join()", env: env)
        #expect(r.steps[0].observation == "Error: could not find a phone number for 'Zelda'! You MUST correct this error and try again!")
        #expect(try await env.database.rows("sms_drafts").isEmpty)
    }
}
