import Foundation

/// Intents for SMS and email (compose, reply, forward).
enum DataGenIntentsMessages {
    typealias V = DataGenValues

    static let all: [DataGenIntent] = [
        DataGenIntent(name: "sms_contact", phrasings: [
            "Text {name} \"{msg}\"", "Send a message to {name} saying \"{msg}\"", "Let {name} know: {msg}",
            "SMS {name}: {msg}", "Shoot {name} a text: \"{msg}\"", "Message {name} with \"{msg}\"",
            "Please send {name} an SMS that says \"{msg}\"", "Tell {name} via text: {msg}",
            "Drop {name} a quick text saying {msg}", "Can you text {name}? Say \"{msg}\"",
            "Send {name} a text message: {msg}", "Send {name} an SMS: {msg}",
            "Could you message {name} and say \"{msg}\"?",
        ]) { c in
            let name = c.person("name"), msg = c.pick("msg", V.smsMessages)
            let p = c.call("get_phone_number", [.string(name)])
            c.call("send_sms", [.list([p]), .string(msg)])
        },
        DataGenIntent(name: "sms_number", phrasings: [
            "Text {phone} \"{msg}\"", "Send \"{msg}\" to {phone}", "Send an SMS to {phone} saying {msg}",
            "Message the number {phone}: {msg}", "Can you text {phone} and say \"{msg}\"?",
            "Write a text to {phone} that says \"{msg}\"", "SMS {phone}: {msg}",
            "Please text this number, {phone}: \"{msg}\"",
        ]) { c in
            let phone = c.phone("phone"), msg = c.pick("msg", V.smsMessages)
            c.call("send_sms", [.list([.string(phone)]), .string(msg)])
        },
        DataGenIntent(name: "sms_group", phrasings: [
            "Text {names} \"{msg}\"", "Send a group text to {names}: {msg}", "Message {names} saying \"{msg}\"",
            "Send one SMS to {names} with \"{msg}\"", "Can you text {names}? Say: {msg}",
            "Group message {names}: \"{msg}\"", "Send {names} a text that reads \"{msg}\"", "Text everyone: {names}. Message: {msg}",
            "Send the same text to {names}: \"{msg}\"",
        ]) { c in
            let names = c.people("names", 2...5), msg = c.pick("msg", V.smsMessages)
            let ps = c.phones(names)
            c.call("send_sms", [.list(ps), .string(msg)])
        },
        DataGenIntent(name: "email_contact", phrasings: [
            "Email {name} about {topic}", "Write an email to {name} regarding {topic}", "Send {name} an email about {topic}",
            "Draft an email to {name} on {topic}", "Compose a new email to {name} with the subject \"{subject}\"",
            "Can you start an email to {name} about {topic}?", "Shoot {name} an email about {topic}",
            "I need to email {name} about {topic}", "New email to {name}, subject \"{subject}\"",
            "Please email {name} regarding {topic}", "Write {name} a note by email about {topic}",
        ]) { c in
            let name = c.person("name"), subject = c.topic()
            c.slots["subject"] = subject
            let e = c.call("get_email_address", [.string(name)])
            c.email([e], subject: subject)
        },
        DataGenIntent(name: "email_detail", phrasings: [
            "Email {name} about {topic} and tell them {detail}", "Write to {name} regarding {topic}: {detail}",
            "Send an email to {name} about {topic} saying {detail}",
            "Let {name} know by email that {detail} (subject: {subject})",
            "Draft a message to {name} about {topic}; mention that {detail}",
            "Compose an email to {name} saying {detail}, subject \"{subject}\"",
            "Email {name} that {detail}. Use the subject \"{subject}\"",
        ]) { c in
            let name = c.person("name"), subject = c.topic(), detail = c.pick("detail", V.emailDetails)
            c.slots["subject"] = subject
            let e = c.call("get_email_address", [.string(name)])
            c.email([e], subject: subject, context: .string(DataGenContext.capitalized(detail)))
        },
        DataGenIntent(name: "email_address", phrasings: [
            "Email {address} about {topic}", "Send an email to {address} regarding {topic}",
            "Compose an email to {address} with subject \"{subject}\"", "Write to {address} about {topic}",
            "Draft a new email for {address} about {topic}", "Start an email to {address}: subject {subject}",
            "Email {address} with the subject \"{subject}\"",
        ]) { c in
            let address = c.emailAddress("address"), subject = c.topic()
            c.slots["subject"] = subject
            c.email([.string(address)], subject: subject)
        },
        DataGenIntent(name: "email_cc", phrasings: [
            "Email {name} about {topic} and cc {name2}", "Send {name} an email regarding {topic}, copying {name2}",
            "Write to {name} about {topic} with {name2} in cc", "Draft an email to {name} on {topic}; cc {name2}",
            "Compose an email for {name} about {topic} and put {name2} on cc",
            "Email {name}, cc {name2}, subject \"{subject}\"", "Can you email {name} about {topic}? Please cc {name2}.",
        ]) { c in
            let a = c.person("name"), b = c.person("name2"), subject = c.topic()
            c.slots["subject"] = subject
            let ea = c.call("get_email_address", [.string(a)])
            let eb = c.call("get_email_address", [.string(b)])
            c.email([ea], cc: [eb], subject: subject)
        },
        DataGenIntent(name: "email_group", phrasings: [
            "Email {names} about {topic}", "Send an email to {names} regarding {topic}", "Write one email to {names} about {topic}",
            "Draft a group email to {names} with the subject \"{subject}\"", "Compose an email addressed to {names} about {topic}",
            "Can you email {names} about {topic}?", "Let {names} know about {topic} by email",
            "Send {names} an email with subject \"{subject}\"", "Email the group ({names}) about {topic}",
        ]) { c in
            let names = c.people("names", 2...4), subject = c.topic()
            c.slots["subject"] = subject
            c.email(c.emails(names), subject: subject)
        },
        DataGenIntent(name: "email_attach", phrasings: [
            "Email {file} to {name}", "Send {name} the file {file}", "Attach {file} to an email to {name} about {topic}",
            "Email {name} about {topic} and attach {file}", "Share {file} with {name} by email",
            "Can you send {file} to {name} over email?", "Write to {name} regarding {topic} with {file} attached",
            "Draft an email to {name} with {file} as an attachment",
        ]) { c in
            let file = c.anyFile(), name = c.person("name")
            let subject = c.uses("topic") ? c.topic() : DataGenIntentsMessages.stem(file)
            // Independent lookups, in either order (the DAG is the same).
            var path: PlanValue, e: PlanValue
            if c.rng.chance(0.5) {
                path = c.call("open_and_get_file_path", [.string(file)])
                e = c.call("get_email_address", [.string(name)])
            } else {
                e = c.call("get_email_address", [.string(name)])
                path = c.call("open_and_get_file_path", [.string(file)])
            }
            c.email([e], subject: subject, attachments: [path])
        },
        DataGenIntent(name: "email_summary", phrasings: [
            "Summarize {file} and email the summary to {name}", "Send {name} a summary of {file}",
            "Email {name} a short summary of {file}", "Read {file}, summarize it, and send it to {name} by email",
            "Can you email {name} the key points of {file}?", "Write {name} an email with a summary of {file}",
            "Give {name} a summary of {file} over email",
        ]) { c in
            let file = c.pdf(), name = c.person("name")
            let path = c.call("open_and_get_file_path", [.string(file)])
            let summary = c.call("summarize_pdf", [path])
            let e = c.call("get_email_address", [.string(name)])
            c.email([e], subject: "Summary of \(DataGenIntentsMessages.stem(file))", context: summary)
        },
        DataGenIntent(name: "email_summary_attach", phrasings: [
            "Summarize {file} and email it to {name} with the PDF attached", "Send {name} {file} along with a summary of it",
            "Email {file} to {name} and include a summary in the body",
            "Attach {file} in an email to {name} and write a summary of it in the message",
            "Mail {file} to {name} and {name2}, with a summary in the email",
        ]) { c in
            let file = c.pdf(), name = c.person("name")
            let path = c.call("open_and_get_file_path", [.string(file)])
            let summary = c.call("summarize_pdf", [path])
            var to = [c.call("get_email_address", [.string(name)])]
            if c.uses("name2") { to.append(c.call("get_email_address", [.string(c.person("name2"))])) }
            c.email(to, subject: DataGenIntentsMessages.stem(file), context: summary, attachments: [path])
        },
        DataGenIntent(name: "reply", phrasings: [
            "Reply to this email saying {reply}", "Respond to the email: {reply}", "Write back \"{reply}\"",
            "Reply and say {reply}", "Answer this email with \"{reply}\"", "Send a reply saying {reply}",
            "Reply to the email I'm looking at: {reply}", "Reply saying \"{reply}\"",
            "Write a reply to this email: {reply}",
        ]) { c in
            let reply = c.pick("reply", V.replyContents)
            c.call("reply_to_email", [.list([]), .string(reply), .list([])])
        },
        DataGenIntent(name: "reply_cc", phrasings: [
            "Reply to this email saying {reply} and cc {name}", "Respond with \"{reply}\", copying {name}",
            "Write back {reply}; add {name} on cc", "Reply to the current email and cc {name}: {reply}",
            "Answer this email saying {reply}, and include {name} in cc",
        ]) { c in
            let name = c.person("name"), reply = c.pick("reply", V.replyContents)
            let e = c.call("get_email_address", [.string(name)])
            c.call("reply_to_email", [.list([e]), .string(reply), .list([])])
        },
        DataGenIntent(name: "reply_attach", phrasings: [
            "Reply to this email with {file} attached", "Respond to the email and attach {file}",
            "Write back saying {reply} and attach {file}", "Reply with {file}", "Send {file} as a reply to this email",
            "Answer the email with \"{reply}\" and include {file}",
        ]) { c in
            let file = c.anyFile(), reply = c.optional("reply", V.replyContents)
            let path = c.call("open_and_get_file_path", [.string(file)])
            c.call("reply_to_email", [.list([]), .string(reply), .list([path])])
        },
        DataGenIntent(name: "forward", phrasings: [
            "Forward this email to {names}", "Send this email on to {names}", "Forward the current email to {names}",
            "Pass this email along to {names}", "Can you forward this message to {names}?",
            "Forward it to {names} with a note saying {note}", "Forward this to {names} and add: {note}",
            "Forward this over to {names}",
        ]) { c in
            let names = c.people("names", 1...3), note = c.optional("note", V.replyContents)
            c.call("forward_email", [.list(c.emails(names)), .list([]), .string(note), .list([])])
        },
        DataGenIntent(name: "forward_cc", phrasings: [
            "Forward this email to {name} and cc {name2}", "Send this email to {name}, with {name2} in cc",
            "Forward the email to {name}; copy {name2}", "Pass this email on to {name} and cc {name2}",
        ]) { c in
            let a = c.person("name"), b = c.person("name2")
            let ea = c.call("get_email_address", [.string(a)])
            let eb = c.call("get_email_address", [.string(b)])
            c.call("forward_email", [.list([ea]), .list([eb]), .string(""), .list([])])
        },
        DataGenIntent(name: "forward_attach", phrasings: [
            "Forward this email to {name} and attach {file}", "Forward the email to {name} along with {file}",
            "Send this email on to {name} with {file} added", "Forward it to {name}, including {file} as an extra attachment",
        ]) { c in
            let name = c.person("name"), file = c.anyFile()
            let path = c.call("open_and_get_file_path", [.string(file)])
            let e = c.call("get_email_address", [.string(name)])
            c.call("forward_email", [.list([e]), .list([]), .string(""), .list([path])])
        },
        DataGenIntent(name: "forward_address", phrasings: [
            "Forward this email to {address}", "Forward the current email to {address}", "Send this on to {address}",
            "Please forward this message to {address}",
        ]) { c in
            let address = c.emailAddress("address")
            c.call("forward_email", [.list([.string(address)]), .list([]), .string(""), .list([])])
        },
    ]

    /// "Q3_report.pdf" → "Q3 report".
    static func stem(_ file: String) -> String {
        let base = file.split(separator: ".").dropLast().joined(separator: ".")
        return DataGenContext.capitalized(base.replacingOccurrences(of: "_", with: " "))
    }
}
