import EdgePlan
import Foundation
import GRDB

/// `create_calendar_event` (reference §1.3 Calendar), kept in the `events` table.
///
/// Dates as `datetime.fromisoformat`; both missing or unparseable → now and now + 1 h; one missing →
/// the other ± 1 h. Calendar `None`, "" or containing "None" → the first calendar; an unknown calendar
/// name also falls back to the first one (TinyAgent's existence check was always true: fixed).
/// Invitees given as names are resolved to email addresses.
public enum CalendarTools {
    /// The default calendar when none (or an unknown one) is named.
    public static let defaultCalendar = "Calendar"

    /// Start and end of an event from the raw arguments and "now".
    public static func eventTimes(start: String, end: String, now: Date) -> (Date, Date) {
        switch (ToolDates.parse(start), ToolDates.parse(end)) {
        case let (s?, e?): return (s, e)
        case let (s?, nil): return (s, ToolDates.adding(hours: 1, to: s))
        case let (nil, e?): return (ToolDates.adding(hours: -1, to: e), e)
        case (nil, nil): return (now, ToolDates.adding(hours: 1, to: now))
        }
    }

    static func createEvent(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true) { args, ctx in
            let title = try args.string("title")
            let (start, end) = eventTimes(start: try args.string("start_date"), end: try args.string("end_date"), now: ctx.now)
            let location = try args.string("location")
            let invitees = try args.strings("invitees")
            let notes = try args.string("notes")
            let requested = try args.optionalString("calendar") ?? ""
            let (startText, endText) = (ToolDates.format(start), ToolDates.format(end))
            let tool = schema.name

            @Sendable func calendarName(_ db: Database) throws -> String {
                let wanted = requested.trimmingCharacters(in: .whitespaces)
                if !wanted.isEmpty, !wanted.contains("None"),
                   let found = try String.fetchOne(db, sql: "SELECT name FROM calendars WHERE name = ? COLLATE NOCASE",
                                                   arguments: [wanted]) {
                    return found
                }
                return try String.fetchOne(db, sql: "SELECT name FROM calendars ORDER BY rowid LIMIT 1") ?? defaultCalendar
            }

            if ctx.dryRun {
                let (calendar, emails) = try await ctx.database.read { db in
                    (try calendarName(db), try ContactTools.emails(invitees, tool: tool, in: db))
                }
                var text = "[dry run] would create event '\(title)' from \(startText) to \(endText) in the \"\(calendar)\" calendar"
                if !location.isEmpty { text += " at \(location)" }
                if !emails.isEmpty { text += ", inviting \(emails.joined(separator: ", "))" }
                return text + "."
            }
            return try await ctx.writeLogged(tool: tool, arguments: args) { db in
                let calendar = try calendarName(db)
                let emails = try ContactTools.emails(invitees, tool: tool, in: db)
                try db.execute(sql: """
                    INSERT INTO events(title, start_date, end_date, location, invitees, notes, calendar, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [title, startText, endText, location, ToolDatabase.json(emails), notes, calendar,
                                     ToolDates.format(ctx.now)])
                return "Event created successfully in the \"\(calendar)\" calendar."
            }
        }
    }
}
