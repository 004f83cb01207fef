/// Intents for maps, calendar, reminders and Zoom, and combinations with messages.
enum DataGenIntentsSchedule {
    typealias V = DataGenValues

    static let all: [DataGenIntent] = [
        DataGenIntent(name: "open_location", phrasings: [
            "Show me {place} on the map", "Open {place} in Maps", "Where is {place}?", "Find {place} on Apple Maps",
            "Pull up {place} in Maps", "Can you locate {place}?", "Open the map for {place}", "Show {place} in Apple Maps",
            "Look up {place} on the map", "Where can I find {place}?", "Map {place} for me",
        ]) { c in
            c.call("maps_open_location", [.string(c.place())])
        },
        DataGenIntent(name: "directions", phrasings: [
            "Get directions to {place}", "How do I get to {place}?", "Show me how to get to {place} {mode}",
            "Directions from {start} to {place}", "Navigate to {place} {mode}",
            "How do I get from {start} to {place} {mode}?", "Show the route to {place}", "Give me directions to {place} {mode}",
            "I want to go to {place} {mode}, show me the way", "What's the best route from {start} to {place} {mode}?",
            "Directions to {place} from {start} please", "Map a route to {place}", "Take me to {place}",
        ]) { c in
            let place = c.place()
            let start = c.uses("start") ? c.pick("start", V.homePlaces + V.places.filter { $0 != place }) : ""
            let mode = c.uses("mode") ? c.transport() : "d"
            c.call("maps_show_directions", [.string(start), .string(place), .string(mode)])
        },
        DataGenIntent(name: "location_sms", phrasings: [
            "Send {name} the location of {place}", "Text {name} where {place} is",
            "Share the map location of {place} with {name} by text", "Find {place} and text it to {name}",
        ]) { c in
            let place = c.place(), name = c.person("name")
            let loc = c.call("maps_open_location", [.string(place)])
            let p = c.call("get_phone_number", [.string(name)])
            c.call("send_sms", [.list([p]), loc])
        },
        DataGenIntent(name: "directions_sms", phrasings: [
            "Text {name} directions to {place}", "Send {name} directions to {place} {mode}",
            "Share the route to {place} with {name} over SMS", "Get directions from {start} to {place} and text them to {name}",
        ]) { c in
            let place = c.place(), name = c.person("name")
            let start = c.uses("start") ? c.pick("start", V.places.filter { $0 != place }) : ""
            let mode = c.uses("mode") ? c.transport() : "d"
            let route = c.call("maps_show_directions", [.string(start), .string(place), .string(mode)])
            let p = c.call("get_phone_number", [.string(name)])
            c.call("send_sms", [.list([p]), route])
        },
        DataGenIntent(name: "location_email", phrasings: [
            "Email {name} the location of {place}", "Send {name} a map link for {place} by email",
            "Look up {place} and email it to {name}",
        ]) { c in
            let place = c.place(), name = c.person("name")
            let loc = c.call("maps_open_location", [.string(place)])
            let e = c.call("get_email_address", [.string(name)])
            c.email([e], subject: "Location: \(place)", context: loc)
        },
        DataGenIntent(name: "calendar_event", phrasings: [
            "Schedule {event} {when}", "Add {event} to my calendar {when}", "Create a calendar event called {event} {when} for {duration}",
            "Put {event} on my calendar {when} at {location}", "Book {event} {when} at {location} for {duration}",
            "Set up an event \"{event}\" {when}", "Block {duration} {when} for {event}",
            "New event: {event}, {when}, in my {calendar} calendar", "Can you add {event} {when} to the {calendar} calendar?",
            "Create an event {when} titled {event} with the note \"{notes}\"",
            "Put {event} in my calendar {when} for {duration}", "I have {event} {when}; add it to my calendar",
        ]) { c in
            let event = c.pick("event", V.meetingTopics), at = c.moment("when")
            let minutes = c.uses("duration") ? c.duration("duration") : 60
            let location = c.optional("location", V.places)
            let notes = c.optional("notes", V.noteContents)
            let calendar = c.uses("calendar") ? c.pick("calendar", V.calendars) : nil
            c.event(event, start: at, minutes: minutes, location: .string(location), notes: .string(notes), calendar: calendar)
        },
        DataGenIntent(name: "calendar_invite", phrasings: [
            "Schedule {event} with {names} {when}", "Set up a meeting with {names} {when} called {event}",
            "Invite {names} to {event} {when}", "Create a calendar event {when} for {event} and invite {names}",
            "Book {event} {when} with {names} at {location}", "Add {event} {when} to my calendar and send invites to {names}",
            "Put a {duration} meeting with {names} on the calendar {when}; call it {event}",
            "Organize {event} {when} for {duration} with {names}", "Send {names} a calendar invite for {event} {when}",
        ]) { c in
            let names = c.people("names", 1...3), event = c.pick("event", V.meetingTopics), at = c.moment("when")
            let minutes = c.uses("duration") ? c.duration("duration") : 60
            let location = c.optional("location", V.places)
            c.event(event, start: at, minutes: minutes, location: .string(location), invitees: c.emails(names))
        },
        DataGenIntent(name: "calendar_invite_address", phrasings: [
            "Schedule {event} {when} and invite {address}", "Create an event {event} {when} with {address} as a guest",
            "Invite {address} to {event} {when}",
        ]) { c in
            let address = c.emailAddress("address"), event = c.pick("event", V.meetingTopics), at = c.moment("when")
            c.event(event, start: at, minutes: 60, invitees: [.string(address)])
        },
        DataGenIntent(name: "reminder", phrasings: [
            "Remind me to {task} {when}", "Set a reminder to {task} {when}", "Create a reminder: {task}, {when}",
            "Don't let me forget to {task} {when}", "Add a reminder {when} to {task}", "Remind me {when} to {task}",
            "I need a reminder to {task} {when}", "Add \"{task}\" to my {list} list, due {when}",
            "Set a high priority reminder to {task} {when}", "Put {task} on my {list} reminders for {when}",
            "Remind me to {task} {when} with the note \"{notes}\"", "Set a reminder {when} to {task}; notes: {notes}",
            "Ping me {when} to {task}", "Create a reminder in my {list} list to {task} {when}",
        ]) { c in
            let task = c.pick("task", V.reminderTasks), at = c.moment("when")
            let list = c.optional("list", V.reminderLists), notes = c.optional("notes", V.noteContents)
            c.reminder(DataGenContext.capitalized(task), due: at, notes: notes, list: list,
                       priority: c.says("high priority") ? 1 : 0)
        },
        DataGenIntent(name: "reminder_all_day", phrasings: [
            "Remind me to {task} {day}", "Set an all-day reminder to {task} {day}", "Create an all day reminder {day}: {task}",
            "Add a reminder for {day} to {task}, all day", "I need to {task} {day}, add a reminder",
        ]) { c in
            let task = c.pick("task", V.reminderTasks)
            var d = DataGenDates.day(after: c.now, &c.rng)
            if d.phrase.hasPrefix("this ") || d.phrase.hasPrefix("later") { d.phrase = "today" }
            c.slots["day"] = d.phrase
            c.reminder(DataGenContext.capitalized(task), due: d.date, allDay: true)
        },
        DataGenIntent(name: "zoom", phrasings: [
            "Create a Zoom meeting with {names} {when} about {meeting}", "Set up a Zoom call with {names} {when} for {duration}",
            "Get a Zoom link for a {duration} meeting with {names} {when}",
            "Schedule a Zoom meeting called {meeting} with {names} {when}",
            "I need a Zoom link for {meeting} with {names} {when}", "Make a Zoom meeting {when} with {names}",
            "Set up a Zoom with {names} {when} to discuss {meeting}",
        ]) { c in
            let names = c.people("names", 1...3), at = c.moment("when")
            let topic = c.optional("meeting", V.meetingTopics, else: "Meeting with \(names.spokenList)")
            let minutes = c.uses("duration") ? c.duration("duration") : 60
            c.zoom(topic, start: at, minutes: minutes, invitees: c.emails(names))
        },
        DataGenIntent(name: "zoom_calendar", phrasings: [
            "Schedule a Zoom meeting with {names} {when} and put it on my calendar",
            "Set up {meeting} with {names} on Zoom {when} and add a calendar event",
            "Create a calendar event for a Zoom call with {names} {when}, with the Zoom link as the location",
            "Book a {duration} Zoom meeting with {names} {when} and invite them on the calendar",
            "Make a Zoom link for {meeting} {when} with {names}, then create the calendar event",
        ]) { c in
            let names = c.people("names", 1...3), at = c.moment("when")
            let topic = c.optional("meeting", V.meetingTopics, else: "Zoom meeting with \(names.spokenList)")
            let minutes = c.uses("duration") ? c.duration("duration") : 60
            let emails = c.emails(names)
            let link = c.zoom(topic, start: at, minutes: minutes, invitees: emails)
            c.event(topic, start: at, minutes: minutes, location: link, invitees: emails)
        },
        DataGenIntent(name: "zoom_email", phrasings: [
            "Create a Zoom meeting with {names} {when} and email them the link", "Send {names} a Zoom link for {meeting} {when}",
            "Set up a Zoom call {when} with {names} and email the invite", "Email {names} a Zoom link for a {duration} call {when}",
        ]) { c in
            let names = c.people("names", 1...3), at = c.moment("when")
            let topic = c.optional("meeting", V.meetingTopics, else: "Zoom call")
            let minutes = c.uses("duration") ? c.duration("duration") : 60
            let emails = c.emails(names)
            let link = c.zoom(topic, start: at, minutes: minutes, invitees: emails)
            c.email(emails, subject: topic, context: link)
        },
        DataGenIntent(name: "zoom_sms", phrasings: [
            "Create a Zoom meeting with {name} {when} and text them the link", "Text {name} a Zoom link for {meeting} {when}",
            "Set up a Zoom call with {name} {when} and send the link by SMS",
        ]) { c in
            let name = c.person("name"), at = c.moment("when")
            let topic = c.optional("meeting", V.meetingTopics, else: "Call with \(name)")
            let p = c.call("get_phone_number", [.string(name)])
            let e = c.call("get_email_address", [.string(name)])
            let link = c.zoom(topic, start: at, minutes: 30, invitees: [e])
            c.call("send_sms", [.list([p]), link])
        },
        DataGenIntent(name: "event_sms", phrasings: [
            "Schedule {event} with {name} {when} and text them about it",
            "Invite {name} to {event} {when} and send a text saying \"{msg}\"",
            "Add {event} {when} with {name} to my calendar and let them know by SMS",
        ]) { c in
            let name = c.person("name"), event = c.pick("event", V.meetingTopics), at = c.moment("when")
            let msg = c.uses("msg") ? c.pick("msg", V.smsMessages) : "I sent you an invite for \(event) on \(at.isoDate)"
            let e = c.call("get_email_address", [.string(name)])
            let p = c.call("get_phone_number", [.string(name)])
            c.event(event, start: at, minutes: 60, invitees: [e])
            c.call("send_sms", [.list([p]), .string(msg)])
        },
        DataGenIntent(name: "event_reminder", phrasings: [
            "Schedule {event} {when} and remind me to {task} {when2}",
            "Add {event} to my calendar {when}, and set a reminder to {task} {when2}",
            "Put {event} on the calendar {when}; also remind me to {task} {when2}",
        ]) { c in
            let event = c.pick("event", V.meetingTopics), at = c.moment("when")
            let task = c.pick("task", V.reminderTasks), due = c.moment("when2")
            c.event(event, start: at, minutes: 60)
            c.reminder(DataGenContext.capitalized(task), due: due)
        },
    ]
}
