import CReadline
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite struct ReadlineTests {
    /// Linking check: the history API is callable (readline() itself needs a terminal; the REPL test drives it).
    func length() -> Int32 {
        let state = history_get_history_state()!
        defer { free(state) }
        return state.pointee.length
    }

    @Test func historyLinks() {
        using_history()
        add_history("first request")
        #expect(length() == 1)
        #expect(String(cString: history_get(1).pointee.line) == "first request")
        clear_history()
        #expect(length() == 0)
    }
}
