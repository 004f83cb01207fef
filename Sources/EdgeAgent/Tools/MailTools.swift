import EdgePlan
import Foundation
import GRDB

/// `compose_new_email`, `reply_to_email`, `forward_email` (reference §1.3 Mail), simulated with the
/// `mail_messages` table (an inbox with one selected message) and the `drafts` table. Nothing is sent:
/// as in TinyAgent, the result is an unsent draft.
///
/// Recipients and cc given as names are resolved to addresses; attachments must be files in the
/// workspace (names are looked up as `open_and_get_file_path` does). The body of new emails and replies
/// is written by the email-composer sub-agent (``ComposeEmailSignature``) from the context and the
/// user's query. `forward_email` uses its context as a note above the forwarded message (TinyAgent
/// ignored it). In a dry run the sub-agent is not called.
public enum MailTools {
    struct Selected: Sendable {
        var id: Int64
        var sender: String
        var subject: String
        var thread: String
    }

    static func selected(_ db: Database) throws -> Selected? {
        try Row.fetchOne(db, sql: "SELECT * FROM mail_messages WHERE is_selected = 1 ORDER BY id LIMIT 1").map { row in
            let sender: String = row["sender"], name: String = row["sender_name"]
            let subject: String = row["subject"], body: String = row["body"], at: String = row["received_at"]
            return Selected(id: row["id"], sender: sender, subject: subject,
                            thread: "From: \(name) <\(sender)>\nDate: \(at)\nSubject: \(subject)\n\n\(body)")
        }
    }

    /// Recipients, cc and attachments resolved; throws the first problem.
    static func resolve(_ args: ToolArguments, _ ctx: ToolContext, recipientsKey: String?) async throws
        -> (recipients: [String], cc: [String], attachments: [String]) {
        let tool = args.schema.name
        let recipients = try recipientsKey.map { try args.strings($0) } ?? []
        let cc = try args.strings("cc")
        let attachments = try args.strings("attachments").map { try FileTools.resolveFile($0, ctx).path }
        let (r, c) = try await ctx.database.read { db in
            (try ContactTools.emails(recipients, tool: tool, in: db), try ContactTools.emails(cc, tool: tool, in: db))
        }
        return (r, c, attachments)
    }

    static func insertDraft(_ db: Database, kind: String, recipients: [String], cc: [String], subject: String,
                            body: String, attachments: [String], source: Int64?, now: String) throws {
        try db.execute(sql: """
            INSERT INTO drafts(kind, recipients, cc, subject, body, attachments, source_message_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [kind, ToolDatabase.json(recipients), ToolDatabase.json(cc), subject, body,
                             ToolDatabase.json(attachments), source, now])
    }

    static func describe(_ verb: String, _ r: [String], _ cc: [String], _ subject: String, _ files: [String]) -> String {
        var text = "[dry run] would \(verb)"
        if !r.isEmpty { text += " to \(r.joined(separator: ", "))" }
        if !cc.isEmpty { text += ", cc \(cc.joined(separator: ", "))" }
        text += " with subject '\(subject)'"
        if !files.isEmpty { text += ", attaching \(files.joined(separator: ", "))" }
        return text + " (body written by the email sub-agent)."
    }

    static func compose(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true, timeout: AgentTool.subAgentTimeout) { args, ctx in
            let subject = try args.string("subject")
            let context = try args.string("context")
            let (recipients, cc, files) = try await resolve(args, ctx, recipientsKey: "recipients")
            guard !recipients.isEmpty else { throw AgentError.tool(schema.name, message: "the email needs at least one recipient") }
            if ctx.dryRun { return describe("compose a new email", recipients, cc, subject, files) }
            let request = EmailRequest(mode: .new, context: context, query: ctx.query)
            let body = try await ctx.environment.subAgents.composeEmail(request, in: ctx.module)
            return try await ctx.writeLogged(tool: schema.name, arguments: args) { db in
                try insertDraft(db, kind: "new", recipients: recipients, cc: cc, subject: subject, body: body,
                                attachments: files, source: nil, now: ToolDates.format(ctx.now))
                return "New email composed successfully with attachments and cc."
            }
        }
    }

    static func reply(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true, timeout: AgentTool.subAgentTimeout) { args, ctx in
            let context = try args.string("context")
            let (_, cc, files) = try await resolve(args, ctx, recipientsKey: nil)
            guard let message = try await ctx.database.read({ db in try selected(db) }) else {
                return "An email has to be viewed in Mail to reply to it."
            }
            let subject = message.subject.hasPrefix("Re:") ? message.subject : "Re: " + message.subject
            if ctx.dryRun { return describe("reply to '\(message.subject)'", [message.sender], cc, subject, files) }
            let request = EmailRequest(mode: .reply, context: context, query: ctx.query, thread: message.thread)
            let body = try await ctx.environment.subAgents.composeEmail(request, in: ctx.module)
            return try await ctx.writeLogged(tool: schema.name, arguments: args) { db in
                try insertDraft(db, kind: "reply", recipients: [message.sender], cc: cc, subject: subject, body: body,
                                attachments: files, source: message.id, now: ToolDates.format(ctx.now))
                return "Replied to the selected email successfully."
            }
        }
    }

    static func forward(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true) { args, ctx in
            let context = try args.string("context")
            let (recipients, cc, files) = try await resolve(args, ctx, recipientsKey: "recipients")
            guard !recipients.isEmpty else { throw AgentError.tool(schema.name, message: "forwarding needs at least one recipient") }
            guard let message = try await ctx.database.read({ db in try selected(db) }) else {
                return "An email has to be viewed in Mail to forward it."
            }
            let subject = message.subject.hasPrefix("Fwd:") ? message.subject : "Fwd: " + message.subject
            if ctx.dryRun {
                return describe("forward '\(message.subject)'", recipients, cc, subject, files)
                    .replacingOccurrences(of: " (body written by the email sub-agent)", with: "")
            }
            let note = context.trimmingCharacters(in: .whitespacesAndNewlines)
            let body = (note.isEmpty ? "" : note + "\n\n") + "---------- Forwarded message ----------\n" + message.thread
            return try await ctx.writeLogged(tool: schema.name, arguments: args) { db in
                try insertDraft(db, kind: "forward", recipients: recipients, cc: cc, subject: subject, body: body,
                                attachments: files, source: message.id, now: ToolDates.format(ctx.now))
                return "Forwarded the selected email successfully."
            }
        }
    }
}
