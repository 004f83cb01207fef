import EdgePlan
import Foundation
import Testing

@Suite struct ToolSchemaTests {
    /// The checkout's root, from this file's location (symlinks resolved).
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("edgeplan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func builtInCopyIsByteIdenticalToTheRepoFile() throws {
        let file = try Data(contentsOf: Self.root.appendingPathComponent("tools/tinyagent.json"))
        #expect(file == Data(TinyAgentTools.json.utf8), "run tools/embed_tinyagent.sh after editing tools/tinyagent.json")
    }

    @Test func tinyAgentHasTheSixteenToolsInPromptOrderPlusJoin() throws {
        let set = try ToolSet.tinyAgent
        #expect(set.names == [
            "create_calendar_event", "get_phone_number", "get_email_address", "open_and_get_file_path", "summarize_pdf",
            "compose_new_email", "reply_to_email", "forward_email", "maps_open_location", "maps_show_directions",
            "create_note", "open_note", "append_note_content", "create_reminder", "send_sms", "get_zoom_meeting_link", "join",
        ])
        #expect(try ToolSet.load(path: Self.root.appendingPathComponent("tools").path).tools == set.tools)
        let event = try #require(set["create_calendar_event"])
        #expect(event.arguments.map(\.name) == ["title", "start_date", "end_date", "location", "invitees", "notes", "calendar"])
        #expect(event.arguments[4].type == .array(.string) && event.arguments[4].defaultValue == .list([]))
        #expect(event.arguments[6].defaultValue == PlanValue.none && event.minimumArgumentCount == 1)
        #expect(set["compose_new_email"]?.minimumArgumentCount == 3)
        #expect(set["reply_to_email"]?.minimumArgumentCount == 0)
        let reminder = try #require(set["create_reminder"])
        #expect(reminder.arguments[4].type == .integer && reminder.arguments[5].defaultValue == .bool(false))
        #expect(set["get_zoom_meeting_link"]?.signature ==
                "get_zoom_meeting_link(topic: string, start_time: string, duration: integer, meeting_invitees: array of string) -> string")
        #expect(set["join"]?.arguments.isEmpty == true)
        #expect(set.tools.allSatisfy { $0.returns == .string })
    }

    @Test func directoriesMergeFilesAndJoinIsBuiltIn() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.write(TinyAgentTools.json, "tinyagent.json", in: dir)
        _ = try Self.write(#"{"tools": [{"name": "weather", "description": "Weather for a city.", "returns": "string", "arguments": [{"name": "city", "type": "string", "description": "City."}]}, {"name": "join", "description": "End.", "arguments": [], "returns": "string"}]}"#, "a_extra.json", in: dir)
        let set = try ToolSet.load(directory: dir.path)
        #expect(set.names.first == "create_calendar_event" && set.names.suffix(2) == ["weather", "join"])
        #expect(set.sources["weather"] == dir.appendingPathComponent("a_extra.json").path)
        #expect(ToolSet()["join"] == ToolSet.builtinJoin)
        let plan = "1. weather(\"Oslo\")\n2. send_sms([\"+1 555 0100\"], \"$1\")\n3. join()\n"
        #expect(PlanValidator(tools: set).validate(plan).valid)
        _ = try Self.write(#"{"tools": [{"name": "send_sms", "description": "x", "arguments": [], "returns": "string"}]}"#, "b_dup.json", in: dir)
        #expect(throws: EdgePlanError.duplicateTool(name: "send_sms", path: dir.appendingPathComponent("b_dup.json").path,
                                                    firstPath: dir.appendingPathComponent("tinyagent.json").path)) {
            try ToolSet.load(directory: dir.path)
        }
        let empty = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: EdgePlanError.noSchemaFiles(directory: empty.path)) { try ToolSet.load(path: empty.path) }
        #expect(throws: EdgePlanError.unreadable(path: "/nonexistent/tools", reason: "no such file or directory")) {
            try ToolSet.load(path: "/nonexistent/tools")
        }
    }

    static let arg = #"{"name": "city", "type": "string", "description": "City."}"#
    static func tool(_ args: String = arg, extra: String = "") -> String {
        #"{"tools": [{"name": "weather", "description": "Weather.", "returns": "string", "arguments": [\#(args)]\#(extra)}]}"#
    }

    /// Each malformed file names the file and the field at fault.
    @Test(arguments: [
        ("{}", "tools", "missing; expected an array of tools"),
        (#"{"tools": {}}"#, "tools", "expected an array of tools"),
        (#"{"tools": [], "version": 2}"#, "(top level)", "unknown field 'version' (allowed: description, name, tools)"),
        (#"{"tools": [3]}"#, "tools[0]", "expected a JSON object, got a number"),
        (#"{"tools": [{"description": "d", "arguments": [], "returns": "string"}]}"#, "tools[0].name", "missing"),
        (#"{"tools": [{"name": "my tool", "description": "d", "arguments": [], "returns": "string"}]}"#, "tools[0].name",
         "'my tool' is not an identifier (letters, digits, _; not starting with a digit)"),
        (#"{"tools": [{"name": "t", "description": "", "arguments": [], "returns": "string"}]}"#, "tools[0].description", "must not be empty"),
        (#"{"tools": [{"name": "t", "description": "d", "returns": "string"}]}"#, "tools[0].arguments", "missing; use [] for none"),
        (#"{"tools": [{"name": "t", "description": "d", "arguments": []}]}"#, "tools[0].returns", "missing return type"),
        (#"{"tools": [{"name": "t", "description": "d", "arguments": [], "returns": "str"}]}"#, "tools[0].returns",
         "unknown type 'str' (use string, integer, number, boolean, array, any)"),
        (#"{"tools": [{"name": "t", "description": "d", "arguments": [], "returns": "string"}, {"name": "t", "description": "d", "arguments": [], "returns": "string"}]}"#,
         "tools[1].name", "duplicate tool name 't'"),
        (#"{"tools": [{"name": "join", "description": "d", "arguments": [{"name": "x", "type": "string", "description": "x"}], "returns": "string"}]}"#,
         "tools[0].arguments", "join takes no arguments"),
        (tool(#"{"name": "city", "type": "array", "description": "d"}"#), "tools[0].arguments[0].type",
         "an array needs \"items\" (e.g. \"items\": \"string\")"),
        (tool(#"{"name": "city", "type": "array", "items": "strin", "description": "d"}"#), "tools[0].arguments[0].items",
         "unknown type 'strin' (use string, integer, number, boolean, array, any)"),
        (tool(#"{"name": "city", "type": "string", "items": "string", "description": "d"}"#), "tools[0].arguments[0].items",
         "only an array type has items"),
        (tool(#"{"name": "city", "type": "string"}"#), "tools[0].arguments[0].description", "missing"),
        (tool(#"{"name": "city", "type": "string", "description": "d", "requird": false}"#), "tools[0].arguments[0]",
         "unknown field 'requird' (allowed: default, description, items, name, required, type)"),
        (tool(#"{"name": "city", "type": "string", "description": "d", "required": "no"}"#), "tools[0].arguments[0].required",
         "expected true or false"),
        (tool(#"{"name": "city", "type": "string", "description": "d", "required": false}"#), "tools[0].arguments[0].default",
         "missing; an optional argument needs a default (of its type, or null)"),
        (tool(#"{"name": "city", "type": "integer", "description": "d", "required": false, "default": "3"}"#),
         "tools[0].arguments[0].default", "a string does not match the argument type integer"),
        (tool(#"{"name": "city", "type": "string", "description": "d", "default": ""}"#), "tools[0].arguments[0].default",
         "a required argument has no default; set \"required\": false"),
        (tool(arg + ", " + arg), "tools[0].arguments[1].name", "duplicate argument name 'city'"),
    ] as [(String, String, String)])
    func rejectsMalformedFieldsNamingFileAndField(json: String, field: String, problem: String) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.write(json, "bad.json", in: dir)
        #expect(throws: EdgePlanError.schemaField(path: path, field: field, problem: problem)) { try ToolSet.load(path: path) }
    }

    @Test func rejectsEmptyAndNonJSONFiles() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = try Self.write(" \n", "empty.json", in: dir)
        #expect(throws: EdgePlanError.emptySchemaFile(path: empty)) { try ToolSet.load(file: empty) }
        let broken = try Self.write("{\n  \"tools\": [\n    {\"name\": \"x\",,}\n  ]\n}\n", "broken.json", in: dir)
        do {
            _ = try ToolSet.load(file: broken)
            Issue.record("a broken file loaded")
        } catch {
            guard case .invalidJSON(let path, let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == broken)
            #expect(error.description.hasPrefix("\(broken): not valid JSON: "))
            #expect(reason.hasPrefix("line 3, column 18: "), "JSON reason should name the line: \(reason)")
        }
        #expect(EdgePlanError.schemaField(path: "t.json", field: "tools[0].name", problem: "missing").description ==
                "t.json: field tools[0].name: missing")
    }
}
