/// Pools of realistic slot values for the synthetic requests.
enum DataGenValues {
    static let firstNames = [
        "Sam", "Alex", "Priya", "Jordan", "Maria", "Chen", "Fatima", "Lutfi", "Sid", "Olivia", "Liam", "Noah", "Emma",
        "Ava", "Mateo", "Sofia", "Hiroshi", "Aisha", "Diego", "Grace", "Omar", "Ingrid", "Kwame", "Lena", "Ravi",
        "Zoe", "Ethan", "Mia", "Lucas", "Chloe", "Daniel", "Yuki", "Amara", "Felix", "Nora", "Carlos", "Hannah",
        "Ivan", "Leila", "Marcus", "Nadia", "Oscar", "Paula", "Quinn", "Rosa", "Tariq", "Uma", "Victor", "Wen",
        "Xavier", "Yara", "Zane", "Beatriz", "Kenji", "Elif", "Tom", "Anna", "Ben", "Julia", "Kai", "Sara", "Mohammed",
        "Jessica", "Ahmed", "Rachel", "Kevin", "Laura", "Pedro", "Ming", "Dev", "Ali", "Eva", "Gabriel", "Ines",
    ]
    static let lastNames = [
        "Lee", "Patel", "Garcia", "Kim", "Nguyen", "Smith", "Johnson", "Brown", "Martinez", "Chen", "Wang", "Singh",
        "Okafor", "Müller", "Rossi", "Tanaka", "Silva", "Kowalski", "Haddad", "Novak", "Andersen", "O'Brien",
        "Fernandez", "Cohen", "Ibrahim", "Dubois", "Yilmaz", "Sato", "Park", "Lopez", "Taylor", "Wilson", "Ahmed",
        "Kaplan", "Moreau", "Schmidt", "Costa", "Murphy", "Reyes", "Hughes",
    ]
    static let emailDomains = ["gmail.com", "outlook.com", "example.com", "acme.io", "berkeley.edu", "company.org", "mail.com", "proton.me"]
    static let places = [
        "Golden Gate Park", "the Ferry Building", "Union Square", "Berkeley Marina", "Stanford Shopping Center",
        "SFO", "Oakland Airport", "the Exploratorium", "Dolores Park", "Times Square", "Central Park",
        "the Louvre", "Shibuya Crossing", "Blue Bottle Coffee on Mission Street", "Whole Foods on 4th Street",
        "the nearest pharmacy", "Trader Joe's", "1 Infinite Loop, Cupertino", "350 5th Ave, New York",
        "221B Baker Street, London", "the Eiffel Tower", "Lake Merritt", "Yosemite Valley", "Napa", "Santa Cruz Beach Boardwalk",
        "Caltrain station", "the public library", "Chez Panisse", "Tartine Bakery", "Moscone Center",
        "Palo Alto", "Mountain View", "San Jose", "Sausalito", "Half Moon Bay", "Sproul Hall", "the Apple Park Visitor Center",
        "Ocean Beach", "Pier 39", "Alcatraz ferry terminal", "Seattle-Tacoma Airport", "Pike Place Market",
        "Millennium Park, Chicago", "the Brooklyn Bridge", "Boston Common", "Austin Convention Center",
    ]
    static let homePlaces = ["home", "my office", "work", "the office", "my hotel", "the airport", "campus"]
    static let pdfFiles = [
        "Q3_report.pdf", "annual_report_2023.pdf", "lease_agreement.pdf", "research_paper.pdf", "TinyAgent.pdf",
        "project_proposal.pdf", "meeting_minutes.pdf", "budget_2024.pdf", "syllabus.pdf", "invoice_1042.pdf",
        "travel_itinerary.pdf", "user_manual.pdf", "contract_draft.pdf", "thesis_chapter3.pdf", "onboarding_guide.pdf",
        "product_roadmap.pdf", "insurance_policy.pdf", "quarterly_review.pdf", "grant_application.pdf", "lecture_notes_week5.pdf",
        "design_doc.pdf", "tax_return_2023.pdf", "menu.pdf", "conference_schedule.pdf", "whitepaper.pdf",
    ]
    static let otherFiles = [
        "slides.key", "budget.xlsx", "resume.docx", "cover_letter.docx", "photo.jpg", "notes.txt", "presentation.pptx",
        "dataset.csv", "logo.png", "agenda.docx", "timesheet.xlsx", "floor_plan.png", "draft_v2.docx", "receipt.jpg",
    ]
    static let folders = ["Work", "Personal", "Ideas", "Recipes", "Travel", "School", "Projects", "Meetings", "Journal", "Shopping"]
    static let noteTitles = [
        "Grocery List", "Meeting Notes", "Book Ideas", "Trip to Japan", "Weekly Goals", "Project Phoenix",
        "Workout Plan", "Gift Ideas", "Reading List", "Lecture 5", "Interview Prep", "Packing List", "Recipe: Lasagna",
        "Startup Ideas", "Budget Plan", "Standup Notes", "Wedding Planning", "Garden To-Do", "Podcast Notes",
        "Research Questions", "Movie Watchlist", "Home Repairs", "Team Offsite", "Quarterly Goals", "Paper Summary",
    ]
    static let noteContents = [
        "eggs, milk, bread and coffee", "call the plumber about the leak", "ideas for the sci-fi novel",
        "action items from today's standup", "book flights and the hotel", "run 5k three times a week",
        "finish chapter 3 of the thesis", "buy a birthday gift for mom", "the main points from the lecture on transformers",
        "questions to ask the landlord", "passport, charger, adapters and sunscreen", "fix the fence and paint the shed",
        "try the new ramen place downtown", "renew the car registration", "topics for the next team retro",
        "the key findings of the paper", "pick up dry cleaning on Thursday", "list of podcasts to check out",
        "draft agenda for the offsite", "follow up with the recruiter",
    ]
    static let smsMessages = [
        "I'm running 10 minutes late", "Can you call me when you're free?", "Happy birthday!", "I'm here, where are you?",
        "Dinner is at 7 tonight", "Don't forget the tickets", "See you at the meeting", "Thanks for your help today",
        "Can we move our call to tomorrow?", "I just landed", "Are we still on for lunch?", "Good luck on your exam!",
        "The package arrived", "Please pick up milk on your way home", "I'll be there in 20 minutes",
        "Congrats on the new job!", "Let me know when you get home", "Meeting is moved to 3pm",
        "Can you send me the slides?", "I left my keys at your place", "Traffic is terrible, start without me",
        "Heading out now", "The kids are asleep", "Call me back please", "The report is ready for review",
    ]
    /// (how the request mentions it, the email subject)
    static let emailTopics: [(String, String)] = [
        ("the Q3 budget review", "Q3 Budget Review"), ("next week's offsite", "Team Offsite"),
        ("the project deadline", "Project Deadline"), ("the contract renewal", "Contract Renewal"),
        ("our lunch plans", "Lunch Plans"), ("the hiring update", "Hiring Update"), ("the conference trip", "Conference Trip"),
        ("the marketing launch", "Marketing Launch"), ("the research paper", "Research Paper"),
        ("the quarterly results", "Quarterly Results"), ("the design review", "Design Review"), ("the invoice", "Invoice"),
        ("the new onboarding process", "Onboarding Process"), ("the apartment lease", "Apartment Lease"),
        ("the client presentation", "Client Presentation"), ("the grant application", "Grant Application"),
        ("the team dinner", "Team Dinner"), ("the product roadmap", "Product Roadmap"), ("the server outage", "Server Outage"),
        ("the reading group", "Reading Group"), ("the holiday schedule", "Holiday Schedule"), ("the thesis draft", "Thesis Draft"),
    ]
    static let emailDetails = [
        "the deadline moved to Friday", "we need their feedback by Monday", "the meeting is confirmed",
        "I'll send the numbers tomorrow", "we should reschedule", "everything looks good to me",
        "the budget was approved", "I have a few questions", "we are on track", "they should review section 2",
        "I can't make it this week", "the files are ready", "I'd like to set up a call", "thanks for the quick turnaround",
    ]
    static let replyContents = [
        "I'll be there", "thanks, sounds good", "I can't make it, sorry", "let's discuss it tomorrow",
        "I agree with the plan", "please send more details", "I'll review it tonight", "count me in",
        "the attached file has the answers", "can we push this to next week?", "I've approved the request",
    ]
    static let meetingTopics = [
        "Project Sync", "1:1", "Design Review", "Weekly Standup", "Budget Planning", "Interview", "Coffee Chat",
        "Sprint Planning", "Paper Discussion", "Client Call", "Study Group", "Board Prep", "Demo Rehearsal",
        "Team Retro", "Kickoff Meeting", "Office Hours", "Brainstorm", "Quarterly Review", "Lunch", "Dentist Appointment",
    ]
    static let reminderTasks = [
        "pay the rent", "call mom", "submit the expense report", "water the plants", "renew my passport",
        "pick up the kids", "take out the trash", "book a dentist appointment", "send the invoice", "buy groceries",
        "return the library books", "back up my laptop", "feed the cat", "file the taxes", "cancel the gym membership",
        "check in for my flight", "prepare the slides", "order a birthday cake", "schedule the car service", "reply to Sam's email",
    ]
    static let reminderLists = ["Work", "Personal", "Errands", "Home", "Shopping", "Reminders", "Family"]
    static let calendars = ["Work", "Home", "Family", "Personal", "School"]
    static let transports: [(String, String)] = [
        ("by car", "d"), ("driving", "d"), ("on foot", "w"), ("walking", "w"),
        ("by public transit", "r"), ("by transit", "r"), ("by train", "r"), ("by bus", "r"),
    ]
}
