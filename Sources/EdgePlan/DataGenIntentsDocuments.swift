/// Intents for files, PDF summaries and notes.
enum DataGenIntentsDocuments {
    typealias V = DataGenValues

    static let all: [DataGenIntent] = [
        DataGenIntent(name: "open_file", phrasings: [
            "Open {file}", "Find {file} and open it", "Where is {file}? Open it", "Can you open the file {file}?",
            "Pull up {file}", "Show me {file}", "Open the document called {file}", "Locate {file} for me",
            "Open up {file}", "I need {file} opened",
        ]) { c in
            c.call("open_and_get_file_path", [.string(c.anyFile())])
        },
        DataGenIntent(name: "summarize", phrasings: [
            "Summarize {file}", "Give me a summary of {file}", "What is {file} about?", "Can you summarize the PDF {file}?",
            "Summarize the document {file} for me", "I need a quick summary of {file}",
            "Read {file} and tell me the main points", "TL;DR of {file} please", "Open {file} and summarize it",
            "Summarize the file {file} in a few sentences", "What are the key points of {file}?",
        ]) { c in
            let path = c.call("open_and_get_file_path", [.string(c.pdf())])
            c.call("summarize_pdf", [path])
        },
        DataGenIntent(name: "summary_note", phrasings: [
            "Summarize {file} and save the summary in a note", "Create a note with a summary of {file}",
            "Make a note called \"{title}\" summarizing {file}", "Summarize {file} into a new note in my {folder} folder",
            "Put a summary of {file} in a note titled {title}", "Write the key points of {file} to a note",
            "Read {file} and jot down a summary in Notes",
        ]) { c in
            let file = c.pdf()
            let title = c.optional("title", V.noteTitles, else: "Summary of \(DataGenIntentsMessages.stem(file))")
            let folder = c.optional("folder", V.folders)
            let path = c.call("open_and_get_file_path", [.string(file)])
            let summary = c.call("summarize_pdf", [path])
            c.call("create_note", [.string(title), summary, .string(folder)])
        },
        DataGenIntent(name: "summary_append", phrasings: [
            "Summarize {file} and add it to my note {title}", "Append a summary of {file} to the note \"{title}\"",
            "Add the main points of {file} to {title}", "Put a summary of {file} at the end of my {title} note",
            "Summarize {file} and append it to the {title} note in {folder}",
        ]) { c in
            let file = c.pdf(), title = c.pick("title", V.noteTitles), folder = c.optional("folder", V.folders)
            let path = c.call("open_and_get_file_path", [.string(file)])
            let summary = c.call("summarize_pdf", [path])
            c.call("append_note_content", [.string(title), summary, .string(folder)])
        },
        DataGenIntent(name: "summary_sms", phrasings: [
            "Text {name} a summary of {file}", "Summarize {file} and send it to {name} by SMS",
            "Send {name} the key points of {file} in a text", "Message {name} a short summary of {file}",
        ]) { c in
            let file = c.pdf(), name = c.person("name")
            let path = c.call("open_and_get_file_path", [.string(file)])
            let summary = c.call("summarize_pdf", [path])
            let p = c.call("get_phone_number", [.string(name)])
            c.call("send_sms", [.list([p]), summary])
        },
        DataGenIntent(name: "two_summaries", phrasings: [
            "Summarize {file} and {file2}", "Give me summaries of both {file} and {file2}",
            "Can you summarize {file} as well as {file2}?", "I need a summary of {file} and one of {file2}",
            "Open {file} and {file2} and summarize each",
        ]) { c in
            let (f1, f2) = DataGenIntentsDocuments.twoPDFs(&c)
            let p1 = c.call("open_and_get_file_path", [.string(f1)])
            let p2 = c.call("open_and_get_file_path", [.string(f2)])
            c.call("summarize_pdf", [p1])
            c.call("summarize_pdf", [p2])
        },
        DataGenIntent(name: "two_summary_notes", phrasings: [
            "Summarize {file} and {file2}, and save each summary as its own note",
            "Create two notes: one summarizing {file} and one summarizing {file2}",
            "Make separate notes with summaries of {file} and {file2}",
            "Put a summary of {file} in a note and a summary of {file2} in another note",
        ]) { c in
            let (f1, f2) = DataGenIntentsDocuments.twoPDFs(&c)
            for f in [f1, f2] {
                let p = c.call("open_and_get_file_path", [.string(f)])
                let s = c.call("summarize_pdf", [p])
                c.call("create_note", [.string("Summary of \(DataGenIntentsMessages.stem(f))"), s, .string("")])
            }
        },
        DataGenIntent(name: "create_note", phrasings: [
            "Create a note called {title} with {content}", "Make a new note titled \"{title}\": {content}",
            "Write a note named {title} that says {content}", "New note {title}: {content}",
            "Take a note: {content}. Title it {title}", "Add a note in {folder} called {title} with {content}",
            "Save a note in my {folder} folder titled {title} saying {content}", "Jot down {content} in a note called {title}",
            "Start a note \"{title}\" containing {content}", "Create a note in {folder} titled {title}: {content}",
            "Note down {content} under the title {title}",
        ]) { c in
            let title = c.pick("title", V.noteTitles), content = c.pick("content", V.noteContents)
            let folder = c.optional("folder", V.folders)
            c.call("create_note", [.string(title), .string(DataGenContext.capitalized(content)), .string(folder)])
        },
        DataGenIntent(name: "open_note", phrasings: [
            "Open my note {title}", "Show me the note called \"{title}\"", "What's in my {title} note?",
            "Open the {title} note in {folder}", "Pull up my notes on {title}", "Read me the note titled {title}",
            "Find the note {title} in the {folder} folder", "Can you open the {title} note?",
        ]) { c in
            let title = c.pick("title", V.noteTitles), folder = c.optional("folder", V.folders)
            c.call("open_note", [.string(title), .string(folder)])
        },
        DataGenIntent(name: "append_note", phrasings: [
            "Add {content} to my {title} note", "Append \"{content}\" to the note {title}", "Update the note {title} with {content}",
            "Put {content} at the end of my note called {title}", "Add a line to {title}: {content}",
            "Append {content} to {title} in my {folder} folder", "Add this to my {title} note: {content}",
        ]) { c in
            let title = c.pick("title", V.noteTitles), content = c.pick("content", V.noteContents)
            let folder = c.optional("folder", V.folders)
            c.call("append_note_content", [.string(title), .string(DataGenContext.capitalized(content)), .string(folder)])
        },
        DataGenIntent(name: "note_email", phrasings: [
            "Email my {title} note to {name}", "Send {name} the contents of my note {title}",
            "Share the note \"{title}\" with {name} by email", "Open my {title} note and email it to {name}",
            "Can you email {name} what's in my {title} note?",
        ]) { c in
            let title = c.pick("title", V.noteTitles), name = c.person("name")
            let body = c.call("open_note", [.string(title), .string("")])
            let e = c.call("get_email_address", [.string(name)])
            c.email([e], subject: title, context: body)
        },
        DataGenIntent(name: "note_sms", phrasings: [
            "Text {name} my {title} note", "Send the note {title} to {name} as a text",
            "Message {name} the contents of my {title} note", "Share my note \"{title}\" with {name} over SMS",
        ]) { c in
            let title = c.pick("title", V.noteTitles), name = c.person("name")
            let body = c.call("open_note", [.string(title), .string("")])
            let p = c.call("get_phone_number", [.string(name)])
            c.call("send_sms", [.list([p]), body])
        },
        DataGenIntent(name: "copy_note", phrasings: [
            "Copy my {title} note into {title2}", "Add the contents of {title} to the note {title2}",
            "Append everything from my {title} note to {title2}", "Merge the note {title} into {title2}",
        ]) { c in
            let pair = c.rng.sample(V.noteTitles, 2)
            c.slots["title"] = pair[0]
            c.slots["title2"] = pair[1]
            let body = c.call("open_note", [.string(pair[0]), .string("")])
            c.call("append_note_content", [.string(pair[1]), body, .string("")])
        },
        DataGenIntent(name: "note_event", phrasings: [
            "Create a calendar event {when} called {event} with my {title} note as notes",
            "Schedule {event} {when} and attach the notes from my {title} note",
            "Put {event} on my calendar {when}, using my note {title} for the details",
        ]) { c in
            let title = c.pick("title", V.noteTitles), event = c.pick("event", V.meetingTopics), at = c.moment("when")
            let body = c.call("open_note", [.string(title), .string("")])
            c.event(event, start: at, minutes: 60, notes: body)
        },
    ]

    /// Two different PDF names in slots `file` and `file2`.
    static func twoPDFs(_ c: inout DataGenContext) -> (String, String) {
        let pair = c.rng.sample(V.pdfFiles, 2)
        c.slots["file"] = pair[0]
        c.slots["file2"] = pair[1]
        return (pair[0], pair[1])
    }
}
