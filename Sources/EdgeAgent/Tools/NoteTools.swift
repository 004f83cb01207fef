import EdgePlan
import Foundation
import GRDB

/// `create_note`, `open_note`, `append_note_content` (reference §1.3 Notes), kept in the `notes` table.
///
/// A folder that is "" or unknown means `Notes`. Lookup: exact name in the folder, then exact name in any
/// folder, then the best fuzzy match (``FuzzyMatch``) over all note names. Bodies are plain text: the
/// HTML notes sub-agent of TinyAgent is not used (the content is stored as the planner wrote it).
public enum NoteTools {
    public static let defaultFolder = "Notes"

    static func folder(_ requested: String, _ db: Database) throws -> String {
        let wanted = requested.trimmingCharacters(in: .whitespaces)
        guard !wanted.isEmpty else { return defaultFolder }
        return try String.fetchOne(db, sql: "SELECT name FROM note_folders WHERE name = ? COLLATE NOCASE",
                                   arguments: [wanted]) ?? defaultFolder
    }

    /// (id, name, body) of the note `name` would open, or nil when there are no notes.
    static func find(_ name: String, folder requested: String, _ db: Database) throws -> (Int64, String, String)? {
        let f = try folder(requested, db)
        let select = "SELECT id, name, body FROM notes"
        var row = try Row.fetchOne(db, sql: "\(select) WHERE name = ? AND folder = ? ORDER BY id LIMIT 1", arguments: [name, f])
        if row == nil { row = try Row.fetchOne(db, sql: "\(select) WHERE name = ? ORDER BY id LIMIT 1", arguments: [name]) }
        if row == nil {
            let names = try String.fetchAll(db, sql: "SELECT name FROM notes ORDER BY id")
            if let best = FuzzyMatch.best(name, in: names) {
                row = try Row.fetchOne(db, sql: "\(select) WHERE name = ? ORDER BY id LIMIT 1", arguments: [best])
            }
        }
        return row.map { ($0["id"], $0["name"], $0["body"]) }
    }

    static func create(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true) { args, ctx in
            let name = try args.string("name")
            let content = try args.string("content")
            let requested = try args.string("folder")
            if ctx.dryRun {
                let f = try await ctx.database.read { db in try folder(requested, db) }
                return "[dry run] would create note '\(name)' in the '\(f)' folder (\(content.count) characters)."
            }
            return try await ctx.writeLogged(tool: schema.name, arguments: args) { db in
                let f = try folder(requested, db)
                let now = ToolDates.format(ctx.now)
                try db.execute(sql: "INSERT INTO notes(folder, name, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [f, name, content, now, now])
                return "Note created and focused successfully."
            }
        }
    }

    static func open(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: false) { args, ctx in
            let name = try args.string("name")
            let requested = try args.string("folder")
            guard let note = try await ctx.database.read({ db in try find(name, folder: requested, db) }) else {
                throw AgentError.tool(schema.name, message: "No notes found")
            }
            return note.2.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func append(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: true) { args, ctx in
            let name = try args.string("name")
            let content = try args.string("content")
            let requested = try args.string("folder")
            if ctx.dryRun {
                guard let note = try await ctx.database.read({ db in try find(name, folder: requested, db) }) else {
                    return "No notes found after fuzzy matching."
                }
                return "[dry run] would append \(content.count) characters to note '\(note.1)'."
            }
            return try await ctx.writeLogged(tool: schema.name, arguments: args) { db in
                guard let note = try find(name, folder: requested, db) else { return "No notes found after fuzzy matching." }
                try db.execute(sql: "UPDATE notes SET body = body || ? || ?, updated_at = ? WHERE id = ?",
                               arguments: ["\n", content, ToolDates.format(ctx.now), note.0])
                return "Content appended to note '\(note.1)' successfully."
            }
        }
    }
}
