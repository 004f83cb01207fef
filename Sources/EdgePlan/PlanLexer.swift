/// A token of a plan line's argument list.
public enum PlanToken: Sendable, Equatable {
    case leftParen, rightParen, leftBracket, rightBracket, comma, equals
    /// A quoted string, escapes decoded (adjacent strings are joined by the parser, as Python does).
    case string(String)
    case int(Int)
    case float(Double)
    /// An identifier: `True`, `False`, `None`, or a name the parser will reject.
    case name(String)
    /// An unquoted `$N` or `${N}`.
    case reference(PlanReference)
    /// End of the line.
    case end
}

/// A lexing error at a UTF-8 byte offset of the line.
public struct PlanLexError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String
    /// The error is only that the line ended too early (e.g. inside a string).
    public var atEnd: Bool
}

/// Tokenizer for the Python literals of one plan line, over UTF-8 bytes.
///
/// Reusable on its own (e.g. by a constrained decoder): create it on a line and call ``next()``
/// until `.end`; ``offset`` is the byte position after the last token.
/// Supported: `'…'` and `"…"` strings with Python escapes (`\n \t \r \\ \' \" \a \b \f \v \0`-`\777`
/// octal, `\xhh`, `\uhhhh`, `\Uhhhhhhhh`; an unknown escape keeps its backslash, as Python does),
/// signed decimal ints (64-bit) and floats (`1.5`, `.5`, `5.`, `1e-3`), names, `$N`, `${N}`, and `( ) [ ] , =`.
public struct PlanLexer: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public init(_ line: String) { self.init(bytes: Array(line.utf8)) }

    /// Offset of the first byte of the token that ``next()`` returned last.
    public private(set) var tokenStart = 0

    /// The next token; `.end` at the end of the line (and forever after).
    public mutating func next() throws(PlanLexError) -> PlanToken {
        skipSpaces()
        tokenStart = offset
        guard offset < bytes.count else { return .end }
        let c = bytes[offset]
        switch c {
        case UInt8(ascii: "("): offset += 1; return .leftParen
        case UInt8(ascii: ")"): offset += 1; return .rightParen
        case UInt8(ascii: "["): offset += 1; return .leftBracket
        case UInt8(ascii: "]"): offset += 1; return .rightBracket
        case UInt8(ascii: ","): offset += 1; return .comma
        case UInt8(ascii: "="): offset += 1; return .equals
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return .string(try string())
        case UInt8(ascii: "$"): return .reference(try bareReference())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            if Self.isIdentifierStart(c) {
                var end = offset + 1
                while end < bytes.count && Self.isIdentifierContinue(bytes[end]) { end += 1 }
                let name = String(decoding: bytes[offset..<end], as: UTF8.self)
                offset = end
                return .name(name)
            }
            throw fail("unexpected character '\(Self.character(at: offset, in: bytes))'")
        }
    }

    /// Skips spaces and tabs.
    public mutating func skipSpaces() {
        while offset < bytes.count && (bytes[offset] == 0x20 || bytes[offset] == 0x09) { offset += 1 }
    }

    private func fail(_ message: String, at position: Int? = nil, atEnd: Bool = false) -> PlanLexError {
        PlanLexError(offset: position ?? offset, message: message, atEnd: atEnd)
    }

    // MARK: strings

    private mutating func string() throws(PlanLexError) -> String {
        let quote = bytes[offset]
        let start = offset
        offset += 1
        var out: [UInt8] = []
        while true {
            guard offset < bytes.count else {
                throw fail("unterminated string (add the closing \(quote == 0x22 ? "\"" : "'"))", at: start, atEnd: true)
            }
            let c = bytes[offset]
            if c == quote { offset += 1; break }
            if c == 0x0D || c == 0 {   // Python reads a raw CR as a line break and refuses NUL bytes
                throw fail("raw \(c == 0 ? "NUL" : "carriage return") inside a string; write \(c == 0 ? "\\x00" : "\\r")")
            }
            if c != UInt8(ascii: "\\") { out.append(c); offset += 1; continue }
            guard offset + 1 < bytes.count else { throw fail("unterminated string", at: start, atEnd: true) }
            let e = bytes[offset + 1]
            offset += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt32(e - 0x30)
                var n = 1
                while n < 3, offset < bytes.count, (0x30...0x37).contains(bytes[offset]) {
                    value = value * 8 + UInt32(bytes[offset] - 0x30)
                    offset += 1
                    n += 1
                }
                try appendScalar(value, to: &out, escapeStart: offset - n - 1)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let escapeStart = offset - 2
                let value = try hex(e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8)
                try appendScalar(value, to: &out, escapeStart: escapeStart)
            case UInt8(ascii: "N"): throw fail("\\N{…} escapes are not supported; write the character itself", at: offset - 2)
            default: out.append(UInt8(ascii: "\\")); out.append(e)   // Python keeps unknown escapes
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex(_ count: Int) throws(PlanLexError) -> UInt32 {
        let start = offset - 2
        var value: UInt32 = 0
        for i in 0..<count {
            guard offset < bytes.count else { throw fail("truncated \\x/\\u escape", at: start, atEnd: true) }
            guard let d = Self.hexDigit(bytes[offset]) else {
                throw fail("escape needs \(count) hex digits, found \(i)", at: start)
            }
            value = value &* 16 &+ UInt32(d)
            offset += 1
        }
        return value
    }

    private func appendScalar(_ value: UInt32, to out: inout [UInt8], escapeStart: Int) throws(PlanLexError) {
        guard let scalar = Unicode.Scalar(value) else {
            throw fail("escape is not a Unicode scalar (surrogates and values above 10FFFF are not allowed)", at: escapeStart)
        }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    // MARK: numbers, references

    private mutating func number() throws(PlanLexError) -> PlanToken {
        let start = offset
        var text = ""
        if bytes[offset] == UInt8(ascii: "-") || bytes[offset] == UInt8(ascii: "+") {
            if bytes[offset] == UInt8(ascii: "-") { text = "-" }
            offset += 1
            skipSpaces()
            guard offset < bytes.count else { throw fail("expected a number after the sign", at: start, atEnd: true) }
            guard Self.isDigit(bytes[offset]) || bytes[offset] == UInt8(ascii: ".") else {
                throw fail("expected a number after the sign", at: start)
            }
        }
        let digitsStart = offset
        var isFloat = false
        while offset < bytes.count && Self.isDigit(bytes[offset]) { offset += 1 }
        let intDigits = offset - digitsStart
        if offset < bytes.count && bytes[offset] == UInt8(ascii: ".") {
            isFloat = true
            offset += 1
            let fracStart = offset
            while offset < bytes.count && Self.isDigit(bytes[offset]) { offset += 1 }
            if intDigits == 0 && offset == fracStart {
                throw fail("unexpected '.'", at: start, atEnd: offset == bytes.count)
            }
        }
        if offset < bytes.count && (bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E")) {
            isFloat = true
            offset += 1
            if offset < bytes.count && (bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-")) { offset += 1 }
            let expStart = offset
            while offset < bytes.count && Self.isDigit(bytes[offset]) { offset += 1 }
            if offset == expStart { throw fail("exponent needs digits", at: start, atEnd: offset == bytes.count) }
        }
        if offset < bytes.count && Self.isIdentifierContinue(bytes[offset]) {
            throw fail("invalid number (only decimal ints and floats are allowed)", at: start)
        }
        text += String(decoding: bytes[digitsStart..<offset], as: UTF8.self)
        if isFloat {
            guard let d = Double(text), d.isFinite else { throw fail("float out of range", at: start) }
            return .float(d)
        }
        if intDigits > 1 && bytes[digitsStart] == UInt8(ascii: "0") && bytes[digitsStart..<offset].contains(where: { $0 != 0x30 }) {
            throw fail("leading zeros are not allowed in an integer", at: start)
        }
        guard let i = Int(text) else { throw fail("integer out of range (64-bit)", at: start) }
        return .int(i)
    }

    private mutating func bareReference() throws(PlanLexError) -> PlanReference {
        let start = offset
        guard let (ref, length) = Self.reference(in: bytes, at: offset) else {
            let atEnd = offset + 1 == bytes.count || (offset + 2 == bytes.count && bytes[offset + 1] == UInt8(ascii: "{"))
                || (bytes.count > offset + 2 && bytes[offset + 1] == UInt8(ascii: "{")
                    && bytes[(offset + 2)...].allSatisfy(Self.isDigit))
            throw fail("'$' must start a reference $N or ${N}", at: start, atEnd: atEnd)
        }
        offset += length
        return ref
    }

    // MARK: shared helpers

    /// The reference starting at `i` (`$N` or `${N}`) and its byte length, if there is one.
    static func reference(in bytes: [UInt8], at i: Int) -> (PlanReference, Int)? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "$") else { return nil }
        var j = i + 1
        let braced = j < bytes.count && bytes[j] == UInt8(ascii: "{")
        if braced { j += 1 }
        let digitsStart = j
        while j < bytes.count && isDigit(bytes[j]) { j += 1 }
        guard j > digitsStart else { return nil }
        if braced {
            guard j < bytes.count, bytes[j] == UInt8(ascii: "}") else { return nil }
            j += 1
        }
        var step = 0
        for d in bytes[digitsStart..<(braced ? j - 1 : j)] {
            let (m, o1) = step.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(d - 0x30))
            if o1 || o2 { step = Int.max; break }
            step = s
        }
        return (PlanReference(step: step, braced: braced), j - i)
    }

    /// Every `$N` / `${N}` inside `text`, with its byte range.
    static func referenceSpans(in text: String) -> [(reference: PlanReference, range: Range<Int>)] {
        let bytes = Array(text.utf8)
        var out: [(PlanReference, Range<Int>)] = []
        var i = 0
        while i < bytes.count {
            if let (ref, length) = reference(in: bytes, at: i) {
                out.append((ref, i..<(i + length)))
                i += length
            } else {
                i += 1
            }
        }
        return out
    }

    /// Every `$N` / `${N}` inside `text`, in order (TinyAgent's `\$\{?(\d+)\}?`, braces balanced).
    public static func references(in text: String) -> [PlanReference] {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return [] }
        return referenceSpans(in: text).map(\.reference)
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`.
    public static func isIdentifier(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, isIdentifierStart(first) else { return false }
        return b.dropFirst().allSatisfy(isIdentifierContinue)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }
    static func isIdentifierContinue(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }
    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// The (possibly multi-byte) character starting at byte `i`, for messages.
    static func character(at i: Int, in bytes: [UInt8]) -> String {
        var j = i + 1
        while j < bytes.count && bytes[j] & 0xC0 == 0x80 { j += 1 }
        return String(decoding: bytes[i..<j], as: UTF8.self)
    }
}
