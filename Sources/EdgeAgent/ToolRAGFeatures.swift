import Foundation

/// Hashed n-gram features of a request, for the ToolRAG classifier (``ToolRAGModel``).
///
/// The text is lower-cased and split into words at every character that is not a letter or a digit.
/// Features are (each counted once per request):
/// - word n-grams for n = 1…``wordNGrams`` (`w:send`, `w:send sms`);
/// - character n-grams for n in ``charNGrams`` of each word wrapped as `<word>` (fastText's subwords:
///   `<te`, `tex`, `ext`, `xt>` …), which let unseen inflections ("texting", "reminders") share weights.
///
/// Each feature string is hashed with 64-bit FNV-1a over its UTF-8 bytes into ``buckets`` slots (stable
/// across runs and platforms, unlike `Hasher`). The vector is binary and L2-normalised:
/// x_f = 1/√n for each of the n distinct slots hit.
public struct ToolRAGFeatures: Sendable, Equatable, Codable {
    /// Default number of hash slots.
    public static let defaultBuckets = 1 << 16
    /// Default longest word n-gram.
    public static let defaultWordNGrams = 2
    /// Default character n-gram lengths.
    public static let defaultCharNGrams = 3...5

    /// Hash slots (the classifier has one weight per slot and tool).
    public var buckets: Int
    /// Longest word n-gram (1 = words only).
    public var wordNGrams: Int
    /// Lengths of character n-grams; empty range = none.
    public var charNGramMin: Int
    public var charNGramMax: Int

    enum CodingKeys: String, CodingKey {
        case buckets
        case wordNGrams = "word_ngrams"
        case charNGramMin = "char_ngram_min"
        case charNGramMax = "char_ngram_max"
    }

    public init(buckets: Int = Self.defaultBuckets, wordNGrams: Int = Self.defaultWordNGrams,
                charNGrams: ClosedRange<Int>? = Self.defaultCharNGrams) {
        self.buckets = buckets
        self.wordNGrams = wordNGrams
        self.charNGramMin = charNGrams?.lowerBound ?? 0
        self.charNGramMax = charNGrams?.upperBound ?? 0
    }

    /// Checks the settings (e.g. after reading a model file).
    public func validate() throws(AgentError) {
        guard buckets >= 1 && buckets <= 1 << 24 else {
            throw .toolRAG("hash buckets must be in 1…16777216, got \(buckets)")
        }
        guard wordNGrams >= 1 && wordNGrams <= 4 else { throw .toolRAG("word_ngrams must be in 1…4, got \(wordNGrams)") }
        guard charNGramMax == 0 || (charNGramMin >= 1 && charNGramMin <= charNGramMax && charNGramMax <= 8) else {
            throw .toolRAG("char n-gram lengths must satisfy 1 ≤ min ≤ max ≤ 8 (or max = 0 for none), got \(charNGramMin)…\(charNGramMax)")
        }
    }

    /// A sparse feature vector: distinct slot indices (ascending) and one shared value 1/√n.
    public struct Vector: Sendable, Equatable {
        public var indices: [Int]
        public var value: Float

        /// Σ_f x_f·w[f] for weights stored as `weights[f * stride + offset]`.
        @inlinable
        func dot(_ weights: [Float], stride: Int, offset: Int) -> Float {
            var s: Float = 0
            for f in indices { s += weights[f &* stride &+ offset] }
            return s * value
        }
    }

    /// The words of `text` (lower-cased runs of letters and digits).
    public static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// The feature strings of `text` before hashing (duplicates possible), in a fixed order.
    public func strings(_ text: String) -> [String] {
        let words = Self.words(text)
        var out: [String] = []
        out.reserveCapacity(words.count * 8)
        for n in 1...max(1, wordNGrams) where words.count >= n {
            for i in 0...(words.count - n) { out.append("w:" + words[i..<(i + n)].joined(separator: " ")) }
        }
        if charNGramMax > 0 {
            for word in words {
                let chars = Array("<" + word + ">")
                for n in charNGramMin...charNGramMax where chars.count >= n {
                    for i in 0...(chars.count - n) { out.append("c:" + String(chars[i..<(i + n)])) }
                }
            }
        }
        return out
    }

    /// The hashed, L2-normalised binary feature vector of `text` (empty for text with no words).
    public func vector(_ text: String) -> Vector {
        let slots = Set(strings(text).map { Int(Self.fnv1a($0) % UInt64(buckets)) }).sorted()
        return Vector(indices: slots, value: slots.isEmpty ? 0 : 1 / Float(slots.count).squareRoot())
    }

    /// 64-bit FNV-1a of the UTF-8 bytes.
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
