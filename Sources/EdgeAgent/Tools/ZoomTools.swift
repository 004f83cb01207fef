import EdgePlan
import Foundation
import GRDB

/// `get_zoom_meeting_link` (reference §1.3 Zoom), simulated: no network. The meeting id is 10 digits
/// derived from the inputs (FNV-1a over topic, start, duration and invitees), so the same request gives
/// the same link: `https://zoom.us/j/<id>`. The meeting is recorded in the `meetings` table.
/// The start time is used as written (naive local time; TinyAgent's hard-coded US/Pacific is dropped).
public enum ZoomTools {
    /// The deterministic 10-digit meeting id (first digit 1–9).
    public static func meetingID(topic: String, start: String, duration: Int, invitees: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let key = ([topic, start, String(duration)] + invitees).joined(separator: "\u{1F}")
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(1_000_000_000 + hash % 9_000_000_000)
    }

    /// `https://zoom.us/j/<id>`.
    public static func meetingURL(topic: String, start: String, duration: Int, invitees: [String]) -> String {
        "https://zoom.us/j/" + meetingID(topic: topic, start: start, duration: duration, invitees: invitees)
    }

    static func meetingLink(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true) { args, ctx in
            let topic = String(try args.string("topic").prefix(200))
            let startRaw = try args.string("start_time")
            let duration = try args.int("duration")
            let invitees = try args.strings("meeting_invitees")
            let tool = schema.name
            guard let startDate = ToolDates.parse(startRaw) else {
                throw AgentError.tool(tool, message: "Invalid isoformat string: '\(startRaw)'")
            }
            guard duration > 0 else { throw AgentError.tool(tool, message: "the meeting duration must be positive, not \(duration)") }
            let start = ToolDates.format(startDate)
            if ctx.dryRun {
                let emails = try await ctx.database.read { db in try ContactTools.emails(invitees, tool: tool, in: db) }
                return "[dry run] would create a \(duration)-minute Zoom meeting '\(topic)' at \(start) with "
                    + (emails.isEmpty ? "no invitees" : emails.joined(separator: ", "))
                    + ": " + meetingURL(topic: topic, start: start, duration: duration, invitees: emails)
            }
            return try await ctx.writeLogged(tool: tool, arguments: args) { db in
                let emails = try ContactTools.emails(invitees, tool: tool, in: db)
                let url = meetingURL(topic: topic, start: start, duration: duration, invitees: emails)
                try db.execute(sql: """
                    INSERT INTO meetings(topic, start_time, duration, invitees, join_url, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [topic, start, duration, ToolDatabase.json(emails), url, ToolDates.format(ctx.now)])
                return url
            }
        }
    }
}
