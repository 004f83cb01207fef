import EdgePlan
import Foundation
import GRDB

/// `get_phone_number`, `get_email_address`, and the name-resolving helpers other tools use
/// (reference §1.1, §1.3 Contacts).
///
/// Lookup, as TinyAgent's AppleScript: the first contact whose full name equals the query (ignoring
/// case, as AppleScript compares); else the first contact whose first name contains the query's first word.
public enum ContactTools {
    public struct Contact: Sendable, Equatable {
        public var fullName: String
        public var phone: String?
        public var email: String?
    }

    /// The contact for `name`, or nil.
    public static func find(_ name: String, in db: Database) throws -> Contact? {
        let query = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { return nil }
        let select = "SELECT full_name, phone, email FROM contacts"
        var row = try Row.fetchOne(db, sql: "\(select) WHERE full_name = ? COLLATE NOCASE ORDER BY id LIMIT 1",
                                   arguments: [query])
        if row == nil, let first = query.split(separator: " ").first {
            row = try Row.fetchOne(db, sql: "\(select) WHERE instr(lower(first_name), lower(?)) > 0 ORDER BY id LIMIT 1",
                                   arguments: [String(first)])
        }
        return row.map { Contact(fullName: $0["full_name"], phone: $0["phone"], email: $0["email"]) }
    }

    static func phoneNumber(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: false) { args, ctx in
            let name = try args.string("name")
            let contact = try await ctx.database.read { db in try find(name, in: db) }
            guard let contact else { return "No contacts found" }
            guard let phone = contact.phone, !phone.isEmpty else { return "Contact doesn't appear to have a phone number." }
            return phone.hasPrefix("+") ? phone : "+1" + phone
        }
    }

    static func emailAddress(_ schema: ToolSchema) -> AgentTool {
        AgentTool(schema: schema, sideEffects: false) { args, ctx in
            let name = try args.string("name")
            let contact = try await ctx.database.read { db in try find(name, in: db) }
            guard let contact else { return "No contacts found" }
            guard let email = contact.email, !email.isEmpty else { return "Contact doesn't appear to have an email address." }
            return email
        }
    }

    /// `ensure_email_formatting`: a string with `@` is kept; a name becomes that contact's email.
    /// Unlike TinyAgent (which passed junk through), an unresolvable name is an error the planner sees.
    public static func emails(_ values: [String], tool: String, in db: Database) throws -> [String] {
        try values.map { value in
            let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if v.contains("@") { return v }
            guard let email = try find(v, in: db)?.email, !email.isEmpty else {
                throw AgentError.tool(tool, message: "could not find an email address for '\(v)'")
            }
            return email
        }
    }

    /// `ensure_phone_number_formatting`: a string with a digit is kept; a name becomes that contact's
    /// phone number (no `+1` added, as in TinyAgent). An unresolvable name is an error.
    public static func phones(_ values: [String], tool: String, in db: Database) throws -> [String] {
        try values.map { value in
            let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if v.contains(where: \.isNumber) { return v }
            guard let phone = try find(v, in: db)?.phone, !phone.isEmpty else {
                throw AgentError.tool(tool, message: "could not find a phone number for '\(v)'")
            }
            return phone
        }
    }
}
