// Pre-tokenization for byte-level BPE, mirroring HF tokenizers' pre_tokenizers (Digits, ByteLevel, Split)
// and llama.cpp's "gpt2"/"smollm" pre-tokenizer types. The GPT-2 pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// is implemented by hand (no regex engine, no backtracking); other Split patterns go through NSRegularExpression.
import Foundation

/// Splits text into the words byte-level BPE merges within. Steps refine the splits in order, like HF's
/// `pre_tokenizers.Sequence`.
public struct PreTokenizer: Sendable {
    /// One pre-tokenization step.
    public enum Step: Sendable {
        /// HF `Digits`: isolate each number character (`individual`) or each run of them.
        case digits(individual: Bool)
        /// The GPT-2 regex (HF `ByteLevel(use_regex: true)`, or `Split` with that exact pattern).
        case gpt2
        /// HF `Split(Regex(pattern), behavior: "Isolated")`: matches and the gaps between them become words.
        case regex(RegexSplit)
    }

    public let steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// GPT-2 / llama.cpp "default": just the GPT-2 regex.
    public static let gpt2 = PreTokenizer(steps: [.gpt2])
    /// SmolLM2 (`Sequence[Digits(individual_digits=true), ByteLevel]`, llama.cpp pre type "smollm").
    public static let smolLM = PreTokenizer(steps: [.digits(individual: true), .gpt2])

    /// Character classes used by the GPT-2 pattern.
    enum CharClass: UInt8 { case letter, number, space, other }

    private static let asciiClasses: [CharClass] = (0..<128).map { v in
        let s = Unicode.Scalar(UInt8(v))
        if (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) { return .letter }
        if (0x30...0x39).contains(v) { return .number }
        if s.properties.isWhitespace { return .space }
        return .other
    }

    static func charClass(_ s: Unicode.Scalar) -> CharClass {
        if s.value < 128 { return asciiClasses[Int(s.value)] }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return s.properties.isWhitespace ? .space : .other
        }
    }

    /// Byte ranges (into `text.utf8`) of the words, in order, covering the whole text.
    public func split(_ text: String) -> [Range<Int>] {
        var scalars: [Unicode.Scalar] = []
        var classes: [CharClass] = []
        var offsets: [Int] = []                       // byte offset of each scalar, plus the end
        scalars.reserveCapacity(text.utf8.count)
        var byte = 0
        for s in text.unicodeScalars {
            scalars.append(s)
            classes.append(Self.charClass(s))
            offsets.append(byte)
            byte += UTF8.width(s)
        }
        offsets.append(byte)
        var pieces: [Range<Int>] = scalars.isEmpty ? [] : [0..<scalars.count]   // scalar index ranges
        for step in steps {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces {
                switch step {
                case .digits(let individual): Self.splitDigits(piece, classes, individual, into: &next)
                case .gpt2: Self.splitGPT2(piece, scalars, classes, into: &next)
                case .regex(let r): r.split(piece, scalars, into: &next)
                }
            }
            pieces = next
        }
        return pieces.map { offsets[$0.lowerBound]..<offsets[$0.upperBound] }
    }

    static func splitDigits(_ r: Range<Int>, _ c: [CharClass], _ individual: Bool, into out: inout [Range<Int>]) {
        var start = r.lowerBound
        var i = r.lowerBound
        while i < r.upperBound {
            if c[i] == .number {
                if start < i { out.append(start..<i) }
                var j = i + 1
                if !individual { while j < r.upperBound && c[j] == .number { j += 1 } }
                out.append(i..<j)
                i = j
                start = j
            } else {
                i += 1
            }
        }
        if start < r.upperBound { out.append(start..<r.upperBound) }
    }

    /// The GPT-2 pattern over scalars `r`; the end of `r` is the end of the string for `(?!\S)`.
    static func splitGPT2(_ r: Range<Int>, _ u: [Unicode.Scalar], _ c: [CharClass], into out: inout [Range<Int>]) {
        let e = r.upperBound
        var i = r.lowerBound
        while i < e {
            let start = i
            // 's 't 're 've 'm 'll 'd
            if u[i] == "'" && i + 1 < e {
                let a = u[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" { out.append(i..<(i + 2)); i += 2; continue }
                if i + 2 < e {
                    let b = u[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        out.append(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
            var j = i
            if u[j] == " " && j + 1 < e && c[j + 1] != .space { j += 1 }
            let k = c[j]
            if k != .space {
                j += 1
                while j < e && c[j] == k { j += 1 }
                out.append(start..<j)
                i = j
                continue
            }
            // `\s+(?!\S)` then `\s+`
            var run = i
            while run < e && c[run] == .space { run += 1 }
            let end = run == e ? e : (run - i >= 2 ? run - 1 : run)
            out.append(i..<end)
            i = end
        }
    }
}

/// HF `Split(Regex(pattern), behavior: "Isolated", invert: false)` through NSRegularExpression (ICU syntax,
/// which accepts the `\p{…}`, `(?i:…)` and `(?!…)` of the patterns tokenizers use).
public struct RegexSplit: @unchecked Sendable {    // NSRegularExpression is immutable and thread-safe
    public let pattern: String
    private let regex: NSRegularExpression

    public init(pattern: String) throws {
        self.pattern = pattern
        do { regex = try NSRegularExpression(pattern: pattern, options: []) } catch {
            throw TokenizerError.unsupportedTokenizer("pre-tokenizer regex \(pattern) does not compile: \(error)")
        }
    }

    func split(_ r: Range<Int>, _ u: [Unicode.Scalar], into out: inout [Range<Int>]) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: u[r])
        let text = String(view)
        // UTF-16 offset → scalar index within r.
        var utf16ToScalar: [Int: Int] = [:]
        var o = 0
        for (k, s) in u[r].enumerated() { utf16ToScalar[o] = k; o += UTF16.width(s) }
        utf16ToScalar[o] = r.count
        var last = 0
        for m in regex.matches(in: text, options: [], range: NSRange(location: 0, length: o)) where m.range.length > 0 {
            guard let a = utf16ToScalar[m.range.location], let b = utf16ToScalar[m.range.location + m.range.length] else {
                continue
            }
            if last < a { out.append((r.lowerBound + last)..<(r.lowerBound + a)) }
            out.append((r.lowerBound + a)..<(r.lowerBound + b))
            last = b
        }
        if last < r.count { out.append((r.lowerBound + last)..<r.upperBound) }
    }
}

/// GPT-2's reversible byte ↔ printable-character table (`bytes_to_unicode`), built once.
public enum ByteLevelTable {
    /// Character standing for each byte.
    public static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var extra: UInt32 = 0
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            table[b] = Unicode.Scalar(printable ? UInt32(b) : 256 + extra) ?? " "   // always valid (< 0x200)
            if !printable { extra += 1 }
        }
        return table
    }()

    /// Byte each table character stands for.
    public static let scalarToByte: [UInt32: UInt8] = {
        var m: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { m[s.value] = UInt8(b) }
        return m
    }()

    /// The byte-level spelling of raw bytes ("Ġthe" for " the").
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var view = String.UnicodeScalarView()
        for b in bytes { view.append(byteToScalar[Int(b)]) }
        return String(view)
    }

    /// The bytes a byte-level token string stands for; nil if a character is outside the table (then HF's
    /// ByteLevel decoder uses the token's own UTF-8).
    public static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        for s in token.unicodeScalars {
            guard let b = scalarToByte[s.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
