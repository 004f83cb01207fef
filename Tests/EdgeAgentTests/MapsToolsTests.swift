import Testing
@testable import EdgeAgent

@Suite struct MapsToolsTests {
    /// Vectors from CPython 3.11 `urllib.parse.quote_plus`.
    @Test(arguments: [
        ("Apple Park", "Apple+Park"),
        ("1 Infinite Loop, Cupertino, CA 95014", "1+Infinite+Loop%2C+Cupertino%2C+CA+95014"),
        ("Café de Flore/Paris & co", "Caf%C3%A9+de+Flore%2FParis+%26+co"),
        ("a+b=c?d#e~f_g.h-i", "a%2Bb%3Dc%3Fd%23e~f_g.h-i"),
        ("東京タワー", "%E6%9D%B1%E4%BA%AC%E3%82%BF%E3%83%AF%E3%83%BC"),
        ("100%  sure", "100%25++sure"),
        ("O'Hare \"Airport\"", "O%27Hare+%22Airport%22"),
        ("", ""),
    ])
    func quotePlus(_ input: String, _ expected: String) {
        #expect(MapsTools.quotePlus(input) == expected)
    }

    @Test func urls() {
        #expect(MapsTools.locationText("Golden Gate Bridge")
                == "Location of Golden Gate Bridge in Apple Maps: https://maps.apple.com/?q=Golden+Gate+Bridge")
        #expect(MapsTools.directionsText(start: "", end: "Apple Park", transport: "d")
                == "Directions to Apple Park in Apple Maps: https://maps.apple.com/?daddr=Apple+Park&dirflg=d")
        #expect(MapsTools.directionsText(start: "SF, CA", end: "Café", transport: "w")
                == "Directions to Café in Apple Maps: https://maps.apple.com/?saddr=SF%2C+CA&daddr=Caf%C3%A9&dirflg=w")
        #expect(MapsTools.directionsText(start: "", end: "X", transport: "walking")
                == "Directions to X in Apple Maps: https://maps.apple.com/?daddr=X&dirflg=d")
    }

    @Test func zoomLinkIsDeterministicAndWellFormed() {
        let a = ZoomTools.meetingURL(topic: "Sync", start: "2024-05-04 09:30:00", duration: 30, invitees: ["a@x.com"])
        let b = ZoomTools.meetingURL(topic: "Sync", start: "2024-05-04 09:30:00", duration: 30, invitees: ["a@x.com"])
        let c = ZoomTools.meetingURL(topic: "Sync", start: "2024-05-04 09:30:00", duration: 45, invitees: ["a@x.com"])
        #expect(a == b && a != c)
        #expect(a.wholeMatch(of: /https:\/\/zoom\.us\/j\/[1-9][0-9]{9}/) != nil)
    }

    /// Vectors from CPython 3.11 `difflib.SequenceMatcher(None, a, b).ratio()`.
    @Test func fuzzyRatioMatchesDifflib() {
        #expect(abs(FuzzyMatch.ratio("meeting", "Meeting notes") - 0.6) < 1e-12)
        #expect(abs(FuzzyMatch.ratio("Shopping", "Shopping list") - 0.7619047619047619) < 1e-12)
        #expect(abs(FuzzyMatch.ratio("report.pdf", "docs/report_final.pdf") - 0.6451612903225806) < 1e-12)
        #expect(FuzzyMatch.ratio("abcd", "bcde") == 0.75)
        #expect(FuzzyMatch.ratio("", "x") == 0)
    }
}
