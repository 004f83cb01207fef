/// The result of an error-recovering parse: the plan as far as it could be read, and every syntax problem.
public struct PlanParseResult: Sendable, Equatable {
    /// Items of every line that parsed; a line with a syntax error is left out.
    public var plan: Plan
    /// Syntax problems in line order (at most one per line).
    public var diagnostics: [PlanDiagnostic]
    /// Step numbers of step lines that were left out because of a syntax error (number → line),
    /// so the validator does not report them again as missing steps.
    public var unparsedSteps: [Int: Int]

    /// No syntax problem.
    public var isValid: Bool { diagnostics.isEmpty }
}

/// Whether a text can still become a valid plan (syntax only; see ``PlanParser/prefixStatus(_:)``).
public enum PlanPrefixStatus: Sendable, Equatable {
    /// Every line parses and the plan is closed by `<END_OF_PLAN>`.
    case complete
    /// No error so far: more text could complete it (the last line may be unfinished).
    case prefix
    /// No continuation can fix this text.
    case invalid(PlanDiagnostic)
}

/// Parser for the LLMCompiler plan format (reference/tinyagent.md §2.2), one line at a time.
///
/// Line kinds (leading spaces and tabs allowed, blank lines ignored, `\r\n` accepted):
/// - `Thought: text`
/// - `N. tool(arg, …)`: exactly one space after the dot (TinyAgent's regex needs it), no space
///   before `(`, Python-literal arguments, optionally followed by `<END_OF_PLAN>`;
/// - `<END_OF_PLAN>`; after it only blank lines may follow.
public enum PlanParser {
    /// Parses `text`, recovering at each line, so all syntax errors are reported.
    public static func parse(_ text: String) -> PlanParseResult {
        var result = PlanParseResult(plan: Plan(hasEndMarker: false), diagnostics: [], unparsedSteps: [:])
        let lines = splitLines(text)
        let endsWithNewline = text.utf8.last == 0x0A
        for (i, line) in lines.enumerated() {
            let number = i + 1
            let isOpenLast = i == lines.count - 1 && !endsWithNewline
            if result.plan.hasEndMarker {
                if line.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
                    let col = line.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? 0
                    result.diagnostics.append(PlanDiagnostic(
                        line: number, column: column(line, col),
                        message: "text after \(Plan.endMarker): nothing may follow the end marker"))
                    break
                }
                continue
            }
            switch parseLine(line, number: number) {
            case .blank: break
            case .item(let item, let endMarker):
                result.plan.items.append(item)
                if endMarker { result.plan.hasEndMarker = true }
            case .endMarker:
                result.plan.hasEndMarker = true
            case .failure(let error, let stepIndex):
                if let stepIndex, result.unparsedSteps[stepIndex] == nil { result.unparsedSteps[stepIndex] = number }
                result.diagnostics.append(PlanDiagnostic(
                    line: number, column: column(line, error.offset), message: error.message,
                    isIncomplete: error.atEnd && isOpenLast))
            }
        }
        return result
    }

    /// Parses the text between a call's parentheses (e.g. `"a", ["$1"], None`) into values.
    public static func parseArguments(_ text: String) throws(EdgePlanError) -> [PlanValue] {
        let bytes = Array(text.utf8) + [UInt8(ascii: ")")]
        var parser = ValueParser(lexer: PlanLexer(bytes: bytes))
        do throws(PlanLexError) {
            let values = try parser.arguments()
            var lexer = parser.lexer
            guard try lexer.next() == .end else {
                throw PlanLexError(offset: lexer.tokenStart, message: "unexpected text after the arguments", atEnd: false)
            }
            return values
        } catch {
            throw .syntax(line: 1, column: column(bytes, error.offset), message: error.message)
        }
    }

    /// Whether `text` is a complete plan, a prefix that more text could complete, or neither.
    /// Syntax only: schema checks belong to ``PlanValidator``.
    public static func prefixStatus(_ text: String) -> PlanPrefixStatus {
        let result = parse(text)
        if let bad = result.diagnostics.first(where: { !$0.isIncomplete }) { return .invalid(bad) }
        if result.diagnostics.isEmpty && result.plan.hasEndMarker { return .complete }
        return .prefix
    }

    // MARK: lines

    enum LineResult {
        case blank
        case item(PlanItem, endMarker: Bool)
        case endMarker
        case failure(PlanLexError, stepIndex: Int?)
    }

    static let thoughtPrefix = Array("Thought:".utf8)
    static let endMarkerBytes = Array(Plan.endMarker.utf8)

    /// Parses one line (without its newline).
    static func parseLine(_ line: [UInt8], number: Int) -> LineResult {
        var p = 0
        while p < line.count && (line[p] == 0x20 || line[p] == 0x09) { p += 1 }
        if p == line.count { return .blank }
        if hasPrefix(line, at: p, thoughtPrefix) {
            var q = p + thoughtPrefix.count
            if q < line.count {
                guard line[q] == 0x20 else {
                    return .failure(PlanLexError(offset: q, message: "expected a space after 'Thought:'", atEnd: false), stepIndex: nil)
                }
                q += 1
            }
            return .item(.thought(PlanThought(String(decoding: line[q...], as: UTF8.self), line: number)), endMarker: false)
        }
        if hasPrefix(line, at: p, endMarkerBytes) {
            if let extra = firstNonSpace(line, from: p + endMarkerBytes.count) {
                return .failure(PlanLexError(offset: extra, message: "text after \(Plan.endMarker): nothing may follow the end marker",
                                             atEnd: false), stepIndex: nil)
            }
            return .endMarker
        }
        if PlanLexer.isDigit(line[p]) {
            return stepLine(line, from: p, number: number)
        }
        let rest = Array(line[p...])
        let couldGrow = rest.count < thoughtPrefix.count && thoughtPrefix.starts(with: rest)
            || rest.count < endMarkerBytes.count && endMarkerBytes.starts(with: rest)
        return .failure(PlanLexError(offset: p, message: "expected a step 'N. tool(arguments)', a 'Thought:' line or \(Plan.endMarker)",
                                     atEnd: couldGrow), stepIndex: nil)
    }

    private static func stepLine(_ line: [UInt8], from start: Int, number: Int) -> LineResult {
        var p = start
        while p < line.count && PlanLexer.isDigit(line[p]) { p += 1 }
        let digits = String(decoding: line[start..<p], as: UTF8.self)
        guard let index = Int(digits) else {
            return .failure(PlanLexError(offset: start, message: "step number \(digits) is too large", atEnd: false), stepIndex: nil)
        }
        func fail(_ at: Int, _ message: String) -> LineResult {
            .failure(PlanLexError(offset: at, message: message, atEnd: at >= line.count), stepIndex: index)
        }
        guard p < line.count, line[p] == UInt8(ascii: ".") else { return fail(p, "expected '.' after the step number \(index)") }
        p += 1
        guard p < line.count, line[p] == 0x20 else { return fail(p, "expected one space after '\(index).'") }
        p += 1
        guard p < line.count, PlanLexer.isIdentifierStart(line[p]) else {
            return fail(p, p < line.count && line[p] == 0x20 ? "expected exactly one space after '\(index).'"
                                                              : "expected a tool name after '\(index). '")
        }
        let nameStart = p
        while p < line.count && PlanLexer.isIdentifierContinue(line[p]) { p += 1 }
        let tool = String(decoding: line[nameStart..<p], as: UTF8.self)
        guard p < line.count, line[p] == UInt8(ascii: "(") else {
            return fail(p, p < line.count && line[p] == 0x20 ? "no space allowed between '\(tool)' and '('"
                                                              : "expected '(' after the tool name '\(tool)'")
        }
        var parser = ValueParser(lexer: PlanLexer(bytes: line, offset: p + 1))
        let arguments: [PlanValue]
        do {
            arguments = try parser.arguments()
        } catch {
            return .failure(error, stepIndex: index)
        }
        p = parser.lexer.offset
        while p < line.count && (line[p] == 0x20 || line[p] == 0x09) { p += 1 }
        var endMarker = false
        if hasPrefix(line, at: p, endMarkerBytes) {
            endMarker = true
            p += endMarkerBytes.count
            if let extra = firstNonSpace(line, from: p) {
                return fail(extra, "text after \(Plan.endMarker): nothing may follow the end marker")
            }
        } else if p < line.count {
            let rest = Array(line[p...])
            if endMarkerBytes.starts(with: rest) { return fail(line.count, "unfinished \(Plan.endMarker)") }
            return fail(p, line[p] == UInt8(ascii: "#") ? "comments are not allowed in a plan"
                                                          : "unexpected text after the closing ')' of \(tool)")
        }
        let step = PlanStep(index: index, tool: tool, arguments: arguments, line: number)
        return .item(.step(step), endMarker: endMarker)
    }

    // MARK: helpers

    /// Lines of `text` as UTF-8 bytes, split on `\n`, a trailing `\r` removed (no empty last line after a final `\n`).
    static func splitLines(_ text: String) -> [[UInt8]] {
        var lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { slice -> [UInt8] in
            slice.last == 0x0D ? Array(slice.dropLast()) : Array(slice)
        }
        if text.utf8.last == 0x0A { lines.removeLast() }
        return lines
    }

    static func hasPrefix(_ line: [UInt8], at p: Int, _ prefix: [UInt8]) -> Bool {
        line.count - p >= prefix.count && line[p..<(p + prefix.count)].elementsEqual(prefix)
    }

    static func firstNonSpace(_ line: [UInt8], from p: Int) -> Int? {
        line[p...].firstIndex { $0 != 0x20 && $0 != 0x09 }
    }

    /// 1-based character column of byte `offset`.
    static func column(_ line: [UInt8], _ offset: Int) -> Int {
        String(decoding: line[0..<min(offset, line.count)], as: UTF8.self).count + 1
    }
}

/// Recursive-descent parser of Python literals over ``PlanLexer`` tokens.
struct ValueParser {
    static let maxDepth = 32
    var lexer: PlanLexer
    private var peeked: PlanToken?
    private var depth = 0

    init(lexer: PlanLexer) { self.lexer = lexer }

    private mutating func peek() throws(PlanLexError) -> PlanToken {
        if let peeked { return peeked }
        let t = try lexer.next()
        peeked = t
        return t
    }

    private mutating func take() throws(PlanLexError) -> PlanToken {
        let t = try peek()
        peeked = nil
        return t
    }

    private func fail(_ message: String) -> PlanLexError {
        PlanLexError(offset: lexer.tokenStart, message: message, atEnd: lexer.tokenStart >= lexer.bytes.count)
    }

    /// Values up to and including the closing `)` of a call (the `(` already consumed).
    mutating func arguments() throws(PlanLexError) -> [PlanValue] {
        try sequence(closing: .rightParen, what: "argument list", allowNamed: true)
    }

    private mutating func sequence(closing: PlanToken, what: String, allowNamed: Bool) throws(PlanLexError) -> [PlanValue] {
        var values: [PlanValue] = []
        while true {
            if try peek() == closing { _ = try take(); return values }
            values.append(try value(allowNamed: allowNamed))
            let t = try peek()
            if t == closing { _ = try take(); return values }
            guard t == .comma else {
                let close = closing == .rightParen ? ")" : "]"
                throw fail(t == .end ? "unclosed \(what): expected ',' or '\(close)'" : "expected ',' or '\(close)' in the \(what)")
            }
            _ = try take()
        }
    }

    private mutating func value(allowNamed: Bool = false) throws(PlanLexError) -> PlanValue {
        let token = try take()
        switch token {
        case .string(let s):
            var text = s
            while case .string(let more) = try peek() { text += more; _ = try take() }  // "a" "b" == "ab"
            return .string(text)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .reference(let r): return .reference(r)
        case .name("True"): return .bool(true)
        case .name("False"): return .bool(false)
        case .name("None"): return .none
        case .name(let name):
            let start = lexer.tokenStart
            if allowNamed, try peek() == .equals {
                throw PlanLexError(offset: start, message: "named arguments are not allowed ('\(name)='); pass arguments by position",
                                   atEnd: false)
            }
            let couldGrow = start + name.utf8.count >= lexer.bytes.count
                && ["True", "False", "None"].contains { $0.hasPrefix(name) }
            throw PlanLexError(offset: start, message: "unexpected name '\(name)'; strings must be quoted", atEnd: couldGrow)
        case .leftBracket:
            return .list(try nested { (p: inout ValueParser) throws(PlanLexError) in
                try p.sequence(closing: .rightBracket, what: "list", allowNamed: false)
            })
        case .leftParen:
            return try nested { (p: inout ValueParser) throws(PlanLexError) in try p.parenthesized() }
        case .end: throw fail("expected a value")
        case .rightParen, .rightBracket, .comma, .equals: throw fail("expected a value")
        }
    }

    private mutating func nested<T>(_ body: (inout ValueParser) throws(PlanLexError) -> T) throws(PlanLexError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("lists and tuples nested more than \(Self.maxDepth) deep") }
        return try body(&self)
    }

    /// After `(`: `()` empty tuple, `(x,)` / `(x, y)` tuple, `(x)` just x.
    private mutating func parenthesized() throws(PlanLexError) -> PlanValue {
        if try peek() == .rightParen { _ = try take(); return .tuple([]) }
        let first = try value()
        let t = try peek()
        if t == .rightParen { _ = try take(); return first }
        guard t == .comma else { throw fail(t == .end ? "unclosed tuple: expected ',' or ')'" : "expected ',' or ')' in the tuple") }
        _ = try take()
        return .tuple([first] + (try sequence(closing: .rightParen, what: "tuple", allowNamed: false)))
    }
}
