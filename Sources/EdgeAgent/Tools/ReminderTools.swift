import EdgePlan
import Foundation
import GRDB

/// `create_reminder` (reference §1.3 Reminders), kept in the `reminders` table.
///
/// TinyAgent's due-date bug is fixed: an empty due date means no due date; an unparseable one is an
/// error (`Invalid isoformat string: '…'`, TinyAgent's wording). The due date is stored as
/// "YYYY-MM-DD HH:MM:SS", or "YYYY-MM-DD" for an all-day reminder. An unknown or empty list name
/// means the default list (the first one, `Reminders` in the demo data).
public enum ReminderTools {
    public static let defaultList = "Reminders"

    static func create(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true) { args, ctx in
            let name = try args.string("name")
            let dueText = try args.string("due_date").trimmingCharacters(in: .whitespaces)
            let notes = try args.string("notes")
            let requested = try args.string("list_name").trimmingCharacters(in: .whitespaces)
            let priority = try args.int("priority")
            let allDay = try args.bool("all_day")
            let tool = schema.name
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw AgentError.tool(tool, message: "Failed to create reminder: the reminder needs a name")
            }
            var due: String?
            if !dueText.isEmpty && dueText != "None" {
                guard let date = ToolDates.parse(dueText) else {
                    throw AgentError.tool(tool, message: "Invalid isoformat string: '\(dueText)'")
                }
                due = allDay ? ToolDates.formatDay(date) : ToolDates.format(date)
            }

            @Sendable func listName(_ db: Database) throws -> String {
                if !requested.isEmpty,
                   let found = try String.fetchOne(db, sql: "SELECT name FROM reminder_lists WHERE name = ? COLLATE NOCASE",
                                                   arguments: [requested]) {
                    return found
                }
                return try String.fetchOne(db, sql: "SELECT name FROM reminder_lists ORDER BY rowid LIMIT 1") ?? defaultList
            }

            if ctx.dryRun {
                let list = try await ctx.database.read { db in try listName(db) }
                let when = due.map { " due \($0)" } ?? " with no due date"
                return "[dry run] would create reminder '\(name)'\(when) in the '\(list)' list."
            }
            let dueDate = due
            return try await ctx.writeLogged(tool: tool, arguments: args) { db in
                let list = try listName(db)
                try db.execute(sql: """
                    INSERT INTO reminders(name, due_date, notes, list_name, priority, all_day, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [name, dueDate, notes, list, priority, allDay, ToolDates.format(ctx.now)])
                return "Reminder '\(name)' created successfully in the '\(list)' list."
            }
        }
    }

}
