import EdgePlan
import Foundation
import GRDB

/// The SQLite database behind the personal-data tools (contacts, mail, calendar, notes, reminders, SMS,
/// meetings) and the action log, kept in the workspace (`<workspace>/.edgeagent/tools.sqlite`).
///
/// Schema (migration `v1`; text dates are naive local "YYYY-MM-DD HH:MM:SS"; list columns hold JSON arrays):
/// ```
/// contacts(id, full_name, first_name, phone, email)
/// mail_messages(id, sender, sender_name, recipients, subject, body, received_at, is_selected)
/// drafts(id, kind 'new'|'reply'|'forward', recipients, cc, subject, body, attachments, source_message_id, created_at)
/// calendars(name PK)   events(id, title, start_date, end_date, location, invitees, notes, calendar → calendars, created_at)
/// note_folders(name PK)   notes(id, folder → note_folders, name, body, created_at, updated_at)
/// reminder_lists(name PK)   reminders(id, name, due_date NULL, notes, list_name → reminder_lists, priority, all_day, completed, created_at)
/// sms_drafts(id, recipients, message, created_at)
/// meetings(id, topic, start_time, duration, invitees, join_url, created_at)
/// action_log(id, tool, arguments JSON, result, created_at)
/// ```
/// Migration `v1-demo-data` seeds a dozen contacts (Sam, Alice, Bob, Carol, …), an inbox with one
/// selected message, calendars, note folders and notes, and reminder lists, once, on first open.
///
/// Every side effect goes through ``writeLogged(tool:arguments:now:_:)``: the change and its
/// `action_log` row commit in one transaction, so a failure (or a crash) mid-tool leaves neither.
public final class ToolDatabase: Sendable {
    public let path: String
    let queue: DatabaseQueue
    /// Fault-injection hook for tests: runs inside each logged transaction after the change and before
    /// its log row, with the tool name; throwing rolls back both (simulates a crash mid-tool).
    let beforeLog: (@Sendable (String) throws -> Void)?

    /// Opens (creating if needed) the database at `path` and migrates it; `seed` adds the demo data
    /// on first open.
    public init(path: String, seed: Bool = true, beforeLog: (@Sendable (String) throws -> Void)? = nil) throws(AgentError) {
        self.path = path
        self.beforeLog = beforeLog
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.foreignKeysEnabled = true
            queue = try DatabaseQueue(path: path, configuration: config)
            try Self.migrator(seed: seed).migrate(queue)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
    }

    /// The database of a workspace: `<root>/.edgeagent/tools.sqlite`.
    public convenience init(workspace: Workspace, seed: Bool = true,
                            beforeLog: (@Sendable (String) throws -> Void)? = nil) throws(AgentError) {
        try self.init(path: workspace.stateDirectory.appendingPathComponent("tools.sqlite").path, seed: seed,
                      beforeLog: beforeLog)
    }

    static func migrator(seed: Bool) -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in try createSchema(db) }
        if seed { m.registerMigration("v1-demo-data") { db in try DemoData.seed(db) } }
        return m
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE contacts(id INTEGER PRIMARY KEY AUTOINCREMENT, full_name TEXT NOT NULL,
                first_name TEXT NOT NULL, phone TEXT, email TEXT);
            CREATE TABLE mail_messages(id INTEGER PRIMARY KEY AUTOINCREMENT, sender TEXT NOT NULL,
                sender_name TEXT NOT NULL, recipients TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
                received_at TEXT NOT NULL, is_selected INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE drafts(id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL CHECK(kind IN ('new', 'reply', 'forward')), recipients TEXT NOT NULL,
                cc TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, attachments TEXT NOT NULL,
                source_message_id INTEGER REFERENCES mail_messages(id), created_at TEXT NOT NULL);
            CREATE TABLE calendars(name TEXT PRIMARY KEY);
            CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,
                start_date TEXT NOT NULL, end_date TEXT NOT NULL, location TEXT NOT NULL, invitees TEXT NOT NULL,
                notes TEXT NOT NULL, calendar TEXT NOT NULL REFERENCES calendars(name), created_at TEXT NOT NULL);
            CREATE TABLE note_folders(name TEXT PRIMARY KEY);
            CREATE TABLE notes(id INTEGER PRIMARY KEY AUTOINCREMENT,
                folder TEXT NOT NULL REFERENCES note_folders(name), name TEXT NOT NULL, body TEXT NOT NULL,
                created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
            CREATE TABLE reminder_lists(name TEXT PRIMARY KEY);
            CREATE TABLE reminders(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, due_date TEXT,
                notes TEXT NOT NULL, list_name TEXT NOT NULL REFERENCES reminder_lists(name),
                priority INTEGER NOT NULL, all_day INTEGER NOT NULL, completed INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL);
            CREATE TABLE sms_drafts(id INTEGER PRIMARY KEY AUTOINCREMENT, recipients TEXT NOT NULL,
                message TEXT NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE meetings(id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,
                start_time TEXT NOT NULL, duration INTEGER NOT NULL, invitees TEXT NOT NULL,
                join_url TEXT NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE action_log(id INTEGER PRIMARY KEY AUTOINCREMENT, tool TEXT NOT NULL,
                arguments TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL);
            """)
    }

    /// The tables a snapshot covers (everything the tools can change, plus the log).
    public static let tables = ["contacts", "mail_messages", "drafts", "calendars", "events", "note_folders",
                                "notes", "reminder_lists", "reminders", "sms_drafts", "meetings", "action_log"]

    /// Reads in a consistent snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(AgentError) -> T {
        do { return try await queue.read(body) } catch { throw Self.wrap(error) }
    }

    /// Runs `change` and appends its `action_log` row (tool, arguments as JSON, the returned result, time)
    /// in one transaction; if either throws, nothing is kept. Returns `change`'s result string.
    public func writeLogged(tool: String, arguments: [PlanValue], now: String,
                            _ change: @escaping @Sendable (Database) throws -> String) async throws(AgentError) -> String {
        let json = Self.json(arguments)
        let hook = beforeLog
        do {
            return try await queue.write { db in
                let result = try change(db)
                try hook?(tool)
                try db.execute(sql: "INSERT INTO action_log(tool, arguments, result, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [tool, json, result, now])
                return result
            }
        } catch {
            throw Self.wrap(error)
        }
    }

    /// Every row of every table as text, for equality checks (dry run, rollback).
    public func snapshot() async throws(AgentError) -> [String: [String]] {
        try await read { db in
            var out: [String: [String]] = [:]
            for table in Self.tables {
                out[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { "\($0)" }
            }
            return out
        }
    }

    /// The action log, oldest first.
    public func actionLog() async throws(AgentError) -> [ActionLogEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM action_log ORDER BY id").map {
                ActionLogEntry(id: $0["id"], tool: $0["tool"], arguments: $0["arguments"], result: $0["result"],
                               createdAt: $0["created_at"])
            }
        }
    }

    /// Rows of `table` as column → text dictionaries (NULL as nil), in insertion order.
    public func rows(_ table: String) async throws(AgentError) -> [[String: String?]] {
        guard Self.tables.contains(table) else { throw .database("no table named \(table)") }
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { row in
                var d: [String: String?] = [:]
                for (column, value) in row {
                    d[column] = value.isNull ? .some(nil) : .some(String.fromDatabaseValue(value) ?? value.description)
                }
                return d
            }
        }
    }

    /// JSON text of plan values (the `arguments` column and list columns).
    public static func json(_ values: [PlanValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(values)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    /// JSON text of a list of strings.
    public static func json(_ strings: [String]) -> String { json(strings.map(PlanValue.string)) }

    static func wrap(_ error: Error) -> AgentError {
        if let e = error as? AgentError { return e }
        return .database("\(error)")
    }
}

/// One row of the action log.
public struct ActionLogEntry: Sendable, Equatable {
    public var id: Int64
    public var tool: String
    /// The call's arguments as a JSON array.
    public var arguments: String
    /// What the tool returned.
    public var result: String
    public var createdAt: String
}
