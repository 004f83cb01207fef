/// Python `difflib` similarity, used where TinyAgent fuzzy-matches names (notes, files).
public enum FuzzyMatch {
    /// `SequenceMatcher(None, a, b).ratio()` without the autojunk heuristic (our strings are short):
    /// 2·M / (|a| + |b|), where M counts the characters of the Ratcliff/Obershelp matching blocks
    /// (the longest common substring, then recursively left and right of it; leftmost in `a`, then in `b`, on ties).
    public static func ratio(_ a: String, _ b: String) -> Double {
        let (x, y) = (Array(a), Array(b))
        let total = x.count + y.count
        guard total > 0 else { return 1 }
        return 2 * Double(matches(x, 0, x.count, y, 0, y.count)) / Double(total)
    }

    /// The candidate with the best ratio to `query` (first on ties), as `get_close_matches(n=1, cutoff=0)`.
    public static func best(_ query: String, in candidates: [String]) -> String? {
        var best: (name: String, score: Double)?
        for c in candidates {
            let r = ratio(query, c)
            if r > (best?.score ?? -1) { best = (c, r) }
        }
        return best?.name
    }

    private static func matches(_ a: [Character], _ alo: Int, _ ahi: Int, _ b: [Character], _ blo: Int, _ bhi: Int) -> Int {
        guard alo < ahi, blo < bhi else { return 0 }
        // Longest common substring of a[alo..<ahi] and b[blo..<bhi] by dynamic programming over b.
        var bestI = alo, bestJ = blo, bestSize = 0
        var prev = [Int](repeating: 0, count: bhi - blo + 1)
        for i in alo..<ahi {
            var cur = [Int](repeating: 0, count: bhi - blo + 1)
            for j in blo..<bhi where a[i] == b[j] {
                let k = prev[j - blo] + 1
                cur[j - blo + 1] = k
                if k > bestSize { (bestI, bestJ, bestSize) = (i - k + 1, j - k + 1, k) }
            }
            prev = cur
        }
        guard bestSize > 0 else { return 0 }
        return bestSize + matches(a, alo, bestI, b, blo, bestJ)
            + matches(a, bestI + bestSize, ahi, b, bestJ + bestSize, bhi)
    }
}
