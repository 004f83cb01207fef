import EdgePlan
import Foundation
import GRDB

/// `send_sms` (reference §1.3 SMS): like TinyAgent's Messages script it leaves a *draft* (nothing is
/// sent), kept in the `sms_drafts` table. Recipients given as names are resolved to phone numbers.
public enum SMSTools {
    static func send(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true) { args, ctx in
            let recipients = try args.strings("recipients")
            let message = try args.string("message")
            let tool = schema.name
            guard !recipients.isEmpty else {
                throw AgentError.tool(tool, message: "An error occurred while composing the SMS: no recipients")
            }
            if ctx.dryRun {
                let phones = try await ctx.database.read { db in try ContactTools.phones(recipients, tool: tool, in: db) }
                return "[dry run] would compose an SMS to \(phones.joined(separator: ", ")): \"\(message)\""
            }
            return try await ctx.writeLogged(tool: tool, arguments: args) { db in
                let phones = try ContactTools.phones(recipients, tool: tool, in: db)
                try db.execute(sql: "INSERT INTO sms_drafts(recipients, message, created_at) VALUES (?, ?, ?)",
                               arguments: [ToolDatabase.json(phones), message, ToolDates.format(ctx.now)])
                return "SMS draft composed"
            }
        }
    }
}
