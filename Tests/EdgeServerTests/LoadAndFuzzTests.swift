import Foundation
import Testing
@testable import EdgeServer

/// The issue's load and fuzz acceptance checks, bounded to loopback and `preset:tiny`.
@Suite(.serialized) struct LoadAndFuzzTests {
    /// 200 requests from 20 concurrent clients with `--max-queue 8`: every one answered 200 or 429, some of
    /// each kind of answer possible, the server healthy afterwards and its memory not growing without bound.
    @Test func loadOf200RequestsFrom20Clients() async throws {
        try await ServerHarness.withServer(ServerHarness.configuration(maxQueue: 8)) { server, client in
            let rssBefore = Self.residentBytes()
            let results = try await withThrowingTaskGroup(of: [(Int, Double)].self) { group in
                for c in 0..<20 {
                    group.addTask {
                        var out: [(Int, Double)] = []
                        for i in 0..<10 {
                            let start = Date()
                            let r = try await client.request("POST", "/v1/chat/completions",
                                                             json: ServerHarness.chat("client \(c) request \(i)", maxTokens: 2))
                            out.append((r.status, Date().timeIntervalSince(start)))
                        }
                        return out
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.count == 200)
            let statuses = Set(results.map(\.0))
            #expect(statuses.isSubset(of: [200, 429]), "\(statuses)")
            #expect(results.contains { $0.0 == 200 })
            let ok = results.filter { $0.0 == 200 }.map(\.1).sorted()
            func pct(_ p: Double) -> String { ok.isEmpty ? "-" : String(format: "%.0f ms", ok[min(ok.count - 1, Int(Double(ok.count) * p))] * 1000) }
            let growth = Self.residentBytes() - rssBefore
            print("load: \(ok.count) × 200, \(results.count - ok.count) × 429; latency of 200s p50 \(pct(0.5)) p90 \(pct(0.9)) p99 \(pct(0.99)); RSS +\(growth / 1_048_576) MiB")
            #expect(growth < 256 << 20)
            let health = try await client.request("GET", "/health").json()
            #expect(health["status"] as? String == "ok" && health["running"] as? Int == 0 && health["queued"] as? Int == 0)
            #expect(server.stats.completed == ok.count && server.stats.failed == 0)
        }
    }

    /// 1,000 seeded malformed bodies across the POST endpoints: every answer is a 4xx with an error object,
    /// and the server still answers a good request afterwards.
    @Test func fuzzOf1000MalformedBodies() async throws {
        try await ServerHarness.withServer { _, client in
            var rng = SplitMix(seed: 20_240_501)
            let bodies = (0..<1000).map { _ in Self.malformedBody(&rng) }
            let statuses = try await withThrowingTaskGroup(of: [(Int, Bool, String)].self) { group in
                for w in 0..<4 {
                    group.addTask {
                        var out: [(Int, Bool, String)] = []
                        for (i, (path, body)) in bodies.enumerated() where i % 4 == w {
                            let r = try await client.request("POST", path, body: body)
                            let hasError = (try? r.json())?["error"] is [String: Any]
                            out.append((r.status, hasError, "\(path) \(String(decoding: body.prefix(120), as: UTF8.self))"))
                        }
                        return out
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == 1000)
            for (status, hasError, label) in statuses where !(400..<500).contains(status) || !hasError {
                Issue.record("\(status) for \(label)")
            }
            #expect(try await client.request("GET", "/health").status == 200)
            #expect(try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 2)).status == 200)
        }
    }

    /// One invalid request body for a random endpoint (never a valid request, so nothing is generated).
    static func malformedBody(_ rng: inout SplitMix) -> (String, Data) {
        let paths = ["/v1/chat/completions", "/v1/completions", "/v1/plan", "/v1/agent"]
        let path = paths[rng.next(paths.count)]
        let valid: [String: Any]
        switch path {
        case "/v1/chat/completions": valid = ServerHarness.chat(maxTokens: 2)
        case "/v1/completions": valid = ["model": ServerHarness.modelId, "prompt": "hi", "max_tokens": 2]
        default: valid = ["query": "text Sam", "constrain": false]
        }
        let json = { (o: Any) in (try? JSONSerialization.data(withJSONObject: o, options: [.fragmentsAllowed])) ?? Data() }
        let wrongValues: [Any] = [17, -1, 3.5, "text", true, NSNull(), [1, 2], ["k": "v"], [String](), "", 1e300]
        switch rng.next(5) {
        case 0:   // random bytes
            return (path, Data((0..<rng.next(200)).map { _ in UInt8(truncatingIfNeeded: rng.next(256)) }))
        case 1:   // a valid body cut short (a proper prefix of a JSON object is never JSON)
            let full = json(valid)
            return (path, full.prefix(rng.next(full.count)))
        case 2:   // a top-level value that is not an object
            return (path, json(wrongValues[rng.next(wrongValues.count)]))
        case 3:   // a required field missing
            var o = valid
            o.removeValue(forKey: path.hasSuffix("plan") || path.hasSuffix("agent") ? "query"
                                  : (path.hasSuffix("chat/completions") ? "messages" : "prompt"))
            return (path, json(o))
        default:  // one field of the wrong type or out of range
            var o = valid
            let fields: [(String, [Any])]
            if path.hasSuffix("plan") || path.hasSuffix("agent") {
                fields = [("query", [17, true, NSNull(), [1], "  "]), ("now", ["soon", 5]), ("constrain", ["yes", 2]),
                          ("model", ["gpt-4", 3])]
                    + (path.hasSuffix("agent") ? [("max_rounds", [0, 99, "two"])] : [])   // /v1/plan has no max_rounds
            } else {
                fields = [("model", ["gpt-4", 3, NSNull()]), ("temperature", [-1, 2.5, "warm"]), ("top_p", [0, 1.5, "p"]),
                          ("max_tokens", [0, -5, 1_000_000, "many"]), ("stop", [5, [1, 2], ["a", "b", "c", "d", "e"]]),
                          ("n", [2, "one"]), ("stream", ["yes", 1]), ("seed", ["s", 1.5])]
            }
            let (key, options) = fields[rng.next(fields.count)]
            o[key] = options[rng.next(options.count)]
            return (path, json(o))
        }
    }

    /// Resident set size from /proc (0 where unavailable).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// SplitMix64: a tiny seeded generator, so the fuzz corpus is the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n > 0).
    mutating func next(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}
