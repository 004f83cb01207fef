// Mirrors CPython's `ast.literal_eval` (3.10–3.12) on one line of arguments, as TinyAgent's
// `_parse_llm_compiler_action_args` uses it (SqueezeAILab/TinyAgent src/utils/plan_utils.py @ 0074615).
// Only what decides the metric must be exact: which texts are accepted, and the type and text of
// every string, list and tuple. Numbers are kept, other values are opaque.

/// A Python value as `ast.literal_eval` returns it.
public indirect enum TinyAgentValue: Sendable, Equatable {
    case string(String)
    case bytes([UInt8])
    case int(Int)
    /// An integer that does not fit in 64 bits (decimal text).
    case bigInt(String)
    case float(Double)
    /// A complex number (`1j`, `1+2j`), kept as its source text.
    case complex(String)
    case bool(Bool)
    case none
    case ellipsis
    case list([TinyAgentValue])
    case tuple([TinyAgentValue])
    case set([TinyAgentValue])
    case dict([TinyAgentValue], [TinyAgentValue])

    /// Python's hashability: lists, sets, dicts (and tuples holding them) cannot be set members or keys.
    var isHashable: Bool {
        switch self {
        case .list, .set, .dict: return false
        case .tuple(let items): return items.allSatisfy(\.isHashable)
        default: return true
        }
    }
}

/// `ast.literal_eval` for one argument line: `TinyAgentLiteral.evaluate(text)` is the value,
/// or nil where Python raises (SyntaxError, ValueError, TypeError, …).
public enum TinyAgentLiteral {
    /// The value of `text`, or nil when `ast.literal_eval(text)` raises.
    public static func evaluate(_ text: String) -> TinyAgentValue? {
        var p = LiteralParser(Array(text.unicodeScalars))
        // literal_eval strips leading spaces and tabs before parsing (CPython ≥ 3.9).
        while p.i < p.s.count, p.s[p.i] == " " || p.s[p.i] == "\t" { p.i += 1 }
        return p.parseExpressionList(topLevel: true)
    }
}

/// Recursive-descent parser over Unicode scalars (Python strings are sequences of code points).
struct LiteralParser {
    let s: [Unicode.Scalar]
    var i = 0
    var depth = 0
    /// A string literal started but is malformed (unterminated, bad escape): the whole text fails.
    var malformed = false

    init(_ s: [Unicode.Scalar]) { self.s = s }

    var atEnd: Bool { i >= s.count }
    var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

    /// Skips blanks; inside brackets line breaks are blanks too. A `#` comment runs to the end of the line.
    mutating func skip() {
        while let c = peek {
            if c == " " || c == "\t" || c == "\u{0C}" { i += 1 }
            else if depth > 0 && (c == "\n" || c == "\r") { i += 1 }
            else if c == "\\", i + 1 < s.count, s[i + 1] == "\n" { i += 2 }   // explicit line joining
            else if c == "#" { while let d = peek, d != "\n", d != "\r" { i += 1 } }
            else { break }
        }
    }

    /// `expr ("," expr)* [","]`: one value, or a tuple when a comma appears. At top level the rest must be empty.
    mutating func parseExpressionList(topLevel: Bool) -> TinyAgentValue? {
        skip()
        if topLevel {
            guard !atEnd else { return nil }
        }
        guard let first = parseExpression() else { return nil }
        var items = [first]
        var sawComma = false
        while true {
            skip()
            guard peek == "," else { break }
            sawComma = true
            i += 1
            skip()
            if atEnd || peek == ")" || peek == "]" || peek == "}" { break }
            if topLevel, peek == "\n" || peek == "\r" { break }
            guard let next = parseExpression() else { return nil }
            items.append(next)
        }
        if topLevel {
            skip()
            while let c = peek, c == "\n" || c == "\r" { i += 1; skip() }
            guard atEnd else { return nil }
        }
        return sawComma ? .tuple(items) : first
    }

    /// One expression: a signed number, `a ± bj`, or an atom.
    mutating func parseExpression() -> TinyAgentValue? {
        skip()
        guard let left = parseSigned() else { return nil }
        skip()
        // literal_eval accepts `left + right` / `left - right` only as real ± imaginary.
        if let op = peek, op == "+" || op == "-" {
            guard case .complex(let r)? = { () -> TinyAgentValue? in
                i += 1
                skip()
                return parseSigned(allowSign: false)
            }() else { return nil }
            switch left {
            case .int, .bigInt, .float: return .complex("\(left)\(op)\(r)")
            default: return nil
            }
        }
        return left
    }

    /// `[+|-] atom`, where a signed atom must be a number (one sign only).
    mutating func parseSigned(allowSign: Bool = true) -> TinyAgentValue? {
        skip()
        if allowSign, let c = peek, c == "+" || c == "-" {
            i += 1
            skip()
            guard let v = parseAtom() else { return nil }
            switch v {
            case .int(let n): return c == "-" ? (n == Int.min ? .bigInt("\(n)") : .int(-n)) : v
            case .bigInt(let t):
                guard c == "-" else { return v }
                let negated = t.hasPrefix("-") ? String(t.dropFirst()) : "-" + t
                return Int(negated).map { .int($0) } ?? .bigInt(negated)
            case .float(let d): return .float(c == "-" ? -d : d)
            case .complex(let t): return .complex(c == "-" ? "-" + t : t)
            default: return nil
            }
        }
        return parseAtom()
    }

    mutating func parseAtom() -> TinyAgentValue? {
        skip()
        guard let c = peek else { return nil }
        switch c {
        case "[":
            return parseSequence(close: "]").map { .list($0) }
        case "(":
            i += 1
            depth += 1
            skip()
            if peek == ")" { i += 1; depth -= 1; return .tuple([]) }
            guard let v = parseExpressionList(topLevel: false) else { return nil }
            skip()
            guard peek == ")" else { return nil }
            i += 1
            depth -= 1
            return v
        case "{":
            return parseBraces()
        case "\"", "'":
            return parseStrings()
        case ".":
            if i + 2 < s.count, s[i + 1] == ".", s[i + 2] == "." { i += 3; return .ellipsis }
            return parseNumber()
        default:
            if c.properties.numericType == .decimal && c.isASCII { return parseNumber() }
            if Self.isIdentifierStart(c) {
                let start = i
                while let d = peek, Self.isIdentifierContinue(d) { i += 1 }
                let word = String(String.UnicodeScalarView(s[start..<i]))
                if let q = peek, q == "\"" || q == "'", Self.isStringPrefix(word) {
                    i = start
                    return parseStrings()
                }
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return TinyAgentValue.none
                case "set":   // `set()` is the one call literal_eval allows
                    skip()
                    guard peek == "(" else { return nil }
                    i += 1
                    depth += 1
                    skip()
                    guard peek == ")" else { return nil }
                    i += 1
                    depth -= 1
                    return .set([])
                default: return nil
                }
            }
            return nil
        }
    }

    /// `[a, b, …]` with an optional trailing comma.
    mutating func parseSequence(close: Unicode.Scalar) -> [TinyAgentValue]? {
        i += 1
        depth += 1
        var items: [TinyAgentValue] = []
        while true {
            skip()
            if peek == close { i += 1; depth -= 1; return items }
            guard let v = parseExpression() else { return nil }
            items.append(v)
            skip()
            if peek == "," { i += 1; continue }
            guard peek == close else { return nil }
            i += 1
            depth -= 1
            return items
        }
    }

    /// `{}` (dict), `{a, b}` (set) or `{k: v, …}` (dict); unhashable members make Python raise TypeError.
    mutating func parseBraces() -> TinyAgentValue? {
        i += 1
        depth += 1
        skip()
        if peek == "}" { i += 1; depth -= 1; return .dict([], []) }
        guard let first = parseExpression() else { return nil }
        skip()
        if peek == ":" {
            var keys = [first], values: [TinyAgentValue] = []
            while true {
                i += 1   // ':'
                guard let v = parseExpression() else { return nil }
                values.append(v)
                skip()
                if peek == "," { i += 1; skip() }
                else if peek != "}" { return nil }
                if peek == "}" { break }
                guard let k = parseExpression() else { return nil }
                keys.append(k)
                skip()
                guard peek == ":" else { return nil }
            }
            i += 1
            depth -= 1
            return keys.allSatisfy(\.isHashable) ? .dict(keys, values) : nil
        }
        var items = [first]
        while true {
            skip()
            if peek == "," { i += 1; skip() }
            else if peek != "}" { return nil }
            if peek == "}" { break }
            guard let v = parseExpression() else { return nil }
            items.append(v)
        }
        i += 1
        depth -= 1
        return items.allSatisfy(\.isHashable) ? .set(items) : nil
    }

    // MARK: numbers

    /// Python number literals: decimal/hex/octal/binary ints with `_`, floats, exponents, `j` suffix.
    mutating func parseNumber() -> TinyAgentValue? {
        let start = i
        func digits(_ ok: (Unicode.Scalar) -> Bool) -> Bool {
            // d(_?d)*: at least one digit, single underscores only between digits
            guard let c = peek, ok(c) else { return false }
            i += 1
            while let c = peek {
                if ok(c) { i += 1 }
                else if c == "_", i + 1 < s.count, ok(s[i + 1]) { i += 2 }
                else { break }
            }
            return true
        }
        let dec: (Unicode.Scalar) -> Bool = { $0.value >= 48 && $0.value <= 57 }
        var isFloat = false
        if peek == "0", i + 1 < s.count, "xXoObB".unicodeScalars.contains(s[i + 1]) {
            let kind = s[i + 1]
            i += 2
            if peek == "_" { i += 1 }
            let radix: Int, ok: (Unicode.Scalar) -> Bool
            switch kind {
            case "x", "X": radix = 16; ok = { $0.properties.isASCIIHexDigit }
            case "o", "O": radix = 8; ok = { $0.value >= 48 && $0.value <= 55 }
            default: radix = 2; ok = { $0 == "0" || $0 == "1" }
            }
            let digitStart = i
            guard digits(ok) else { return nil }
            guard !followsIdentifier() else { return nil }
            let text = String(String.UnicodeScalarView(s[digitStart..<i])).replacingOccurrences(of: "_", with: "")
            if let n = Int(text, radix: radix) { return .int(n) }
            return .bigInt("0\(kind)\(text)")
        }
        var intPart = false
        if dec(peek ?? " ") { intPart = digits(dec) }
        if peek == "." {
            i += 1
            isFloat = true
            let frac = digits(dec)
            guard intPart || frac else { return nil }
        }
        guard intPart || isFloat else { return nil }
        if let e = peek, e == "e" || e == "E" {
            let save = i
            i += 1
            if let sgn = peek, sgn == "+" || sgn == "-" { i += 1 }
            if digits(dec) { isFloat = true } else { i = save }
        }
        let text = String(String.UnicodeScalarView(s[start..<i])).replacingOccurrences(of: "_", with: "")
        if let j = peek, j == "j" || j == "J" {
            i += 1
            guard !followsIdentifier() else { return nil }
            return .complex(text + "j")
        }
        guard !followsIdentifier() else { return nil }
        if isFloat { return Double(text).map { .float($0) } }
        // A decimal int may not have leading zeros unless it is all zeros ("00" is fine, "01" is not).
        if text.count > 1, text.hasPrefix("0"), text.contains(where: { $0 != "0" }) { return nil }
        if let n = Int(text) { return .int(n) }
        return .bigInt(text)
    }

    /// A number glued to a name (`1abc`) is a syntax error.
    func followsIdentifier() -> Bool {
        guard let c = peek else { return false }
        return Self.isIdentifierContinue(c) || c == "."
    }

    // MARK: names

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isXIDStart
    }

    static func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isXIDContinue
    }

    static func isStringPrefix(_ word: String) -> Bool {
        ["r", "u", "b", "br", "rb", "f", "fr", "rf"].contains(word.lowercased())
    }
}
