import GRDB

/// The demo data a new workspace database starts with (migration `v1-demo-data`).
enum DemoData {
    /// (full name, phone, email); the first name is the first word.
    static let contacts: [(String, String?, String?)] = [
        ("Sam Altman", "415-555-0101", "sam@example.com"),
        ("Alice Johnson", "+44 20 7946 0102", "alice.johnson@example.com"),
        ("Bob Smith", "415-555-0103", "bob.smith@example.com"),
        ("Carol Nguyen", "415-555-0104", "carol.nguyen@example.com"),
        ("Sid Patel", "415-555-0105", "sid.patel@example.com"),
        ("Lutfi Eren Erdogan", "510-555-0106", "lutfi@example.edu"),
        ("Amir Gholami", "510-555-0107", "amir@example.edu"),
        ("Kurt Keutzer", "510-555-0108", "keutzer@example.edu"),
        ("Dana Lee", "415-555-0109", "dana.lee@example.com"),
        ("Erin Brown", nil, "erin.brown@example.com"),
        ("Frank Miller", "415-555-0111", nil),
        ("Samantha Reyes", "415-555-0112", "samantha.reyes@example.com"),
    ]

    static let calendars = ["Calendar", "Work", "Home"]
    static let noteFolders = ["Notes", "Work", "Personal"]
    static let reminderLists = ["Reminders", "Work", "Groceries"]
    static let seededAt = "2024-05-01 09:00:00"

    static func seed(_ db: Database) throws {
        for (full, phone, email) in contacts {
            let first = String(full.split(separator: " ").first ?? Substring(full))
            try db.execute(sql: "INSERT INTO contacts(full_name, first_name, phone, email) VALUES (?, ?, ?, ?)",
                           arguments: [full, first, phone, email])
        }
        for name in calendars { try db.execute(sql: "INSERT INTO calendars(name) VALUES (?)", arguments: [name]) }
        for name in noteFolders { try db.execute(sql: "INSERT INTO note_folders(name) VALUES (?)", arguments: [name]) }
        for name in reminderLists { try db.execute(sql: "INSERT INTO reminder_lists(name) VALUES (?)", arguments: [name]) }

        let mail: [(String, String, String, String, String, Bool)] = [
            ("alice.johnson@example.com", "Alice Johnson", "Quarterly report",
             "Hi,\n\nThe quarterly report is attached as report.pdf. Could you review it before Friday?\n\nThanks,\nAlice",
             "2024-04-30 16:20:00", true),
            ("bob.smith@example.com", "Bob Smith", "Lunch on Thursday?",
             "Hey, are you free for lunch on Thursday at noon? There's a new place on Main Street.\n\nBob",
             "2024-04-30 12:05:00", false),
            ("carol.nguyen@example.com", "Carol Nguyen", "Design review moved",
             "Hi all,\n\nThe design review is moved to Monday 10am in room 4.\n\nCarol",
             "2024-04-29 09:45:00", false),
            ("sam@example.com", "Sam Altman", "Meeting notes",
             "Thanks for today's meeting. Could you send me your notes when you get a chance?\n\nSam",
             "2024-04-28 18:30:00", false),
        ]
        for (sender, name, subject, body, at, selected) in mail {
            try db.execute(sql: """
                INSERT INTO mail_messages(sender, sender_name, recipients, subject, body, received_at, is_selected)
                VALUES (?, ?, '["me@example.com"]', ?, ?, ?, ?)
                """, arguments: [sender, name, subject, body, at, selected])
        }

        let notes: [(String, String, String)] = [
            ("Notes", "Shopping list", "Milk\nEggs\nCoffee beans"),
            ("Work", "Meeting notes", "Project kickoff: timeline agreed, Bob owns the API, Carol owns the design."),
            ("Personal", "Book ideas", "A story about a lighthouse keeper."),
        ]
        for (folder, name, body) in notes {
            try db.execute(sql: "INSERT INTO notes(folder, name, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [folder, name, body, seededAt, seededAt])
        }
    }
}
