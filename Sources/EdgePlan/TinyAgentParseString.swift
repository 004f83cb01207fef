// Python string literals for ``TinyAgentLiteral``: prefixes, single/double/triple quotes, escapes,
// and adjacent-literal concatenation ("a" 'b' → "ab"), as CPython's tokenizer and parser do them.

extension LiteralParser {
    /// One or more adjacent string literals, concatenated. Mixing bytes and text, or any f-string, fails.
    mutating func parseStrings() -> TinyAgentValue? {
        var text = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        var kind: Bool?   // true = bytes, false = text
        while true {
            skip()
            guard let lit = parseOneString() else { break }
            if let k = kind, k != lit.isBytes { return nil }
            kind = lit.isBytes
            if lit.isFormat { return nil }
            if lit.isBytes { bytes += lit.scalars.map { UInt8($0.value) } } else { text.append(contentsOf: lit.scalars) }
            if malformed { return nil }
        }
        if malformed { return nil }
        guard let k = kind else { return nil }
        return k ? .bytes(bytes) : .string(String(text))
    }

    /// One literal at `i` (with optional prefix), or nil if no literal starts here. On a malformed
    /// literal, sets ``malformed`` and returns nil.
    mutating func parseOneString() -> (scalars: [Unicode.Scalar], isBytes: Bool, isFormat: Bool)? {
        guard !malformed else { return nil }
        let start = i
        var prefix = ""
        while let c = peek, c.isASCII, "rRbBuUfF".unicodeScalars.contains(c), prefix.count < 2 {
            prefix.unicodeScalars.append(c)
            i += 1
        }
        guard let quote = peek, quote == "\"" || quote == "'",
              prefix.isEmpty || LiteralParser.isStringPrefix(prefix) else {
            i = start
            return nil
        }
        let lower = prefix.lowercased()
        let raw = lower.contains("r"), isBytes = lower.contains("b"), isFormat = lower.contains("f")
        let triple = i + 2 < s.count && s[i + 1] == quote && s[i + 2] == quote
        i += triple ? 3 : 1
        var out: [Unicode.Scalar] = []
        while true {
            guard let c = peek else { malformed = true; return nil }   // unterminated
            if c == quote {
                if !triple { i += 1; break }
                if i + 2 < s.count, s[i + 1] == quote, s[i + 2] == quote { i += 3; break }
                out.append(c)
                i += 1
                continue
            }
            if !triple, c == "\n" || c == "\r" { malformed = true; return nil }   // EOL while scanning the literal
            if isBytes, !c.isASCII { malformed = true; return nil }
            if c == "\\" {
                guard i + 1 < s.count else { malformed = true; return nil }
                let e = s[i + 1]
                if raw {
                    // Raw: the backslash stays, but it still keeps the next character from ending the literal.
                    out.append(c)
                    out.append(e)
                    i += 2
                    continue
                }
                i += 2
                guard escape(e, into: &out, isBytes: isBytes) else { malformed = true; return nil }
                continue
            }
            out.append(c)
            i += 1
        }
        return (out, isBytes, isFormat)
    }

    /// Decodes the escape after a backslash (`i` is past it). Unknown escapes keep the backslash.
    private mutating func escape(_ e: Unicode.Scalar, into out: inout [Unicode.Scalar], isBytes: Bool) -> Bool {
        switch e {
        case "\n": return true   // line continuation
        case "\r":
            if peek == "\n" { i += 1 }
            return true
        case "\\": out.append("\\")
        case "'": out.append("'")
        case "\"": out.append("\"")
        case "a": out.append("\u{07}")
        case "b": out.append("\u{08}")
        case "f": out.append("\u{0C}")
        case "n": out.append("\n")
        case "r": out.append("\r")
        case "t": out.append("\t")
        case "v": out.append("\u{0B}")
        case "0"..."7":
            var value = e.value - 48
            var n = 1
            while n < 3, let d = peek, d.value >= 48, d.value <= 55 {
                value = value * 8 + d.value - 48
                i += 1
                n += 1
            }
            if isBytes { value &= 0xFF }
            out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        case "x":
            guard let v = hex(2) else { return false }
            out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
        case "u" where !isBytes, "U" where !isBytes:
            guard let v = hex(e == "u" ? 4 : 8), v <= 0x10FFFF else { return false }
            // A lone surrogate has no Swift scalar; it cannot hold a `$N`, so U+FFFD is equivalent here.
            out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
        case "N" where !isBytes:
            // \N{NAME}: needs the Unicode name table; resolve the common case via Swift's own name lookup.
            guard peek == "{", let close = s[i...].firstIndex(of: "}") else { return false }
            let name = String(String.UnicodeScalarView(s[(i + 1)..<close]))
            guard let scalar = LiteralParser.scalar(named: name) else { return false }
            out.append(scalar)
            i = close + 1
        default:
            out.append("\\")
            out.append(e)
        }
        return true
    }

    private mutating func hex(_ count: Int) -> UInt32? {
        guard i + count <= s.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<count {
            guard s[i + k].properties.isASCIIHexDigit, let d = UInt32(String(s[i + k]), radix: 16) else { return nil }
            v = v * 16 + d
        }
        i += count
        return v
    }

    /// The scalar whose Unicode name (or name alias) is `name`, case-insensitively as Python allows.
    static func scalar(named name: String) -> Unicode.Scalar? {
        let upper = name.uppercased()
        guard !upper.isEmpty, upper.count < 90 else { return nil }
        // Printable ASCII covers every realistic plan; a full table would be large for no benefit.
        for v in UInt32(0x20)...UInt32(0x7E) {
            if let sc = Unicode.Scalar(v), sc.properties.name == upper { return sc }
        }
        return nil
    }
}
