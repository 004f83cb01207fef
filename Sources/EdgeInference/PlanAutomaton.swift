// A byte-level automaton over the plan grammar (PlanGrammar.swift). Its state is a small value (no
// arrays), so it is copied freely, hashed as a cache key, and fed one byte at a time:
//
//     var s = PlanAutomaton()
//     s.feed(byte, grammar) → false when no valid plan starts with the bytes so far (s is then unusable)
//     s.minimumCompletion(grammar) → fewest bytes that finish the plan from here (for token budgets)

/// The state of the plan automaton after some bytes. Equal states allow exactly the same continuations.
public struct PlanAutomaton: Hashable, Sendable {
    enum Phase: UInt8, Sendable {
        /// `N. ` of the current step (pos = bytes matched; aux 1 = the optional leading space was taken).
        case lineStart
        /// Tool name (pos = trie node).
        case toolName
        /// A value must start here (aux 1 = just after `(` or `[`, so `)` / `]` may close instead).
        case valueStart
        /// Inside a string (aux 1 = after a backslash; utf8Need/utf8Lead = pending UTF-8; ref = `$N` digits).
        case string
        /// `True`, `False` or `None` (aux = which, pos = letters matched).
        case keyword
        /// An int or float (aux = NumberFlags, pos = digits so far).
        case number
        /// A value is complete: `, `, `]` or `)` may follow.
        case afterValue
        /// After `,`: exactly one space.
        case afterComma
        /// After a tool call's `)`: a newline.
        case afterCall
        /// After `join()`: an optional newline (aux 1 = taken) and `<END_OF_PLAN>` (pos = bytes matched).
        case endMarker
        /// `<END_OF_PLAN>` written: nothing may follow.
        case done
    }

    enum NumberFlags {
        static let hasDigit: UInt8 = 1, leadingZero: UInt8 = 2, fraction: UInt8 = 4, fractionDigit: UInt8 = 8
        static let allowFloat: UInt8 = 16
    }

    static let keywords: [[UInt8]] = [Array("True".utf8), Array("False".utf8), Array("None".utf8)]

    /// The step being written (1-based).
    public private(set) var step: Int32 = 1
    var phase: Phase = .lineStart
    var pos: Int32 = 0
    var tool: Int16 = -1
    var arg: UInt8 = 0
    var depth: UInt8 = 0
    var aux: UInt8 = 0
    var utf8Need: UInt8 = 0
    var utf8Lead: UInt8 = 0
    /// In a string: -1 no reference pending; 0 after `$`; N after `$` and the digits of N.
    var ref: Int32 = -1
    /// Bit N-1: `$N` already used in the current call. A step never needs one output twice (TinyAgent's metric
    /// counts such a plan wrong), and forbidding it stops a small model from repeating `"$1", "$2", …` in a list
    /// until the token budget runs out. Steps above 64 are not tracked.
    var usedRefs: UInt64 = 0

    /// The state before any text.
    public init() {}

    /// True once `<END_OF_PLAN>` has been written.
    public var isComplete: Bool { phase == .done }

    /// Feeds `bytes` in order; false (and a spent state) as soon as one is refused.
    public mutating func feed(_ bytes: [UInt8], _ g: PlanGrammar) -> Bool {
        for b in bytes where !feed(b, g) { return false }
        return true
    }

    /// Feeds one byte; false when no valid plan continues with it (the state is then unusable).
    public mutating func feed(_ b: UInt8, _ g: PlanGrammar) -> Bool {
        switch phase {
        case .lineStart:
            let digits = PlanGrammar.digitCount(Int(step))
            let p = Int(pos)
            if step == 1 && p == 0 && aux == 0 && b == 0x20 { aux = 1; return true }
            let expected: UInt8 = p < digits ? PlanGrammar.digit(of: Int(step), at: p, count: digits)
                : p == digits ? UInt8(ascii: ".") : 0x20
            guard b == expected else { return false }
            if p == digits + 1 { phase = .toolName; pos = 0; aux = 0 } else { pos += 1 }
            return true
        case .toolName:
            if b == UInt8(ascii: "(") {
                let t = g.trieTool[Int(pos)]
                guard t >= 0 else { return false }
                tool = Int16(t); arg = 0; depth = 0
                phase = .valueStart; aux = 1
                return true
            }
            guard b < 128 else { return false }
            let child = g.trieNext[Int(pos) * 128 + Int(b)]
            guard child >= 0 else { return false }
            pos = child
            return true
        case .valueStart: return startValue(b, g)
        case .string: return stringByte(b)
        case .keyword:
            let word = Self.keywords[Int(aux)]
            guard b == word[Int(pos)] else { return false }
            pos += 1
            if Int(pos) == word.count { phase = .afterValue }
            return true
        case .number:
            if b >= 0x30 && b <= 0x39 {
                if aux & NumberFlags.fraction != 0 {
                    guard pos < 30 else { return false }
                    aux |= NumberFlags.fractionDigit
                    pos += 1
                    return true
                }
                if aux & NumberFlags.leadingZero != 0 || pos >= 15 { return false }   // no leading zeros; stay within 64 bits
                if aux & NumberFlags.hasDigit == 0 && b == 0x30 { aux |= NumberFlags.leadingZero }
                aux |= NumberFlags.hasDigit
                pos += 1
                return true
            }
            if b == UInt8(ascii: "."), aux & NumberFlags.allowFloat != 0, aux & NumberFlags.hasDigit != 0,
               aux & NumberFlags.fraction == 0 {
                aux |= NumberFlags.fraction
                return true
            }
            guard numberIsComplete else { return false }
            phase = .afterValue
            return feed(b, g)
        case .afterValue:
            let t = g.tools[Int(tool)]
            switch b {
            case UInt8(ascii: ","):
                guard depth > 0 || Int(arg) + 1 < t.argumentCount else { return false }
                phase = .afterComma
                return true
            case UInt8(ascii: "]"):
                guard depth > 0 else { return false }
                depth -= 1
                return true
            case UInt8(ascii: ")"):
                guard depth == 0, Int(arg) + 1 >= t.minimumArguments else { return false }
                closeCall(t)
                return true
            default: return false
            }
        case .afterComma:
            guard b == 0x20 else { return false }
            if depth == 0 { arg += 1 }
            phase = .valueStart; aux = 0
            return true
        case .afterCall:
            guard b == 0x0A else { return false }
            step += 1
            phase = .lineStart; pos = 0; aux = 0; tool = -1; arg = 0; depth = 0; usedRefs = 0
            return true
        case .endMarker:
            if pos == 0 && aux == 0 && b == 0x0A { aux = 1; return true }
            guard b == PlanGrammar.endMarker[Int(pos)] else { return false }
            pos += 1
            if Int(pos) == PlanGrammar.endMarker.count { phase = .done; aux = 0; pos = 0 }
            return true
        case .done: return false
        }
    }

    private func isUsed(_ n: Int32) -> Bool { n >= 1 && n <= 64 && usedRefs & (UInt64(1) << UInt64(n - 1)) != 0 }

    private var numberIsComplete: Bool {
        aux & NumberFlags.hasDigit != 0 && (aux & NumberFlags.fraction == 0 || aux & NumberFlags.fractionDigit != 0)
    }

    private mutating func closeCall(_ t: PlanGrammar.Tool) {
        phase = t.isJoin ? .endMarker : .afterCall
        pos = 0; aux = 0
    }

    private mutating func startValue(_ b: UInt8, _ g: PlanGrammar) -> Bool {
        let t = g.tools[Int(tool)]
        let justOpened = aux == 1
        if justOpened && depth == 0 && b == UInt8(ascii: ")") {
            guard t.minimumArguments == 0 else { return false }
            closeCall(t)
            return true
        }
        if justOpened && depth > 0 && b == UInt8(ascii: "]") {
            depth -= 1
            phase = .afterValue; aux = 0
            return true
        }
        guard Int(arg) < t.argumentCount else { return false }
        let kind = t.kinds[Int(arg)][Int(depth)]
        switch b {
        case UInt8(ascii: "\""):
            guard kind == .string || kind == .any else { return false }
            phase = .string; aux = 0; utf8Need = 0; utf8Lead = 0; ref = -1
        case UInt8(ascii: "["):
            guard kind == .array || (kind == .any && Int(depth) + 1 < PlanGrammar.maxDepth) else { return false }
            depth += 1; aux = 1
        case UInt8(ascii: "-"), 0x30...0x39:
            guard kind == .integer || kind == .number || kind == .any else { return false }
            phase = .number; pos = 0
            aux = kind == .integer ? 0 : NumberFlags.allowFloat
            if b != UInt8(ascii: "-") { return feed(b, g) }
        case UInt8(ascii: "T"), UInt8(ascii: "F"):
            guard kind == .boolean || kind == .any else { return false }
            phase = .keyword; aux = b == UInt8(ascii: "T") ? 0 : 1; pos = 1
        case UInt8(ascii: "N"):
            guard depth == 0, !t.required[Int(arg)] else { return false }
            phase = .keyword; aux = 2; pos = 1
        default: return false
        }
        return true
    }

    private mutating func stringByte(_ b: UInt8) -> Bool {
        if utf8Need > 0 {
            // Continuation byte; the first after E0/ED/F0/F4 has a narrower range (no overlongs, surrogates, > U+10FFFF).
            let (lo, hi): (UInt8, UInt8) = switch utf8Lead {
            case 0xE0: (0xA0, 0xBF)
            case 0xED: (0x80, 0x9F)
            case 0xF0: (0x90, 0xBF)
            case 0xF4: (0x80, 0x8F)
            default: (0x80, 0xBF)
            }
            guard b >= lo && b <= hi else { return false }
            utf8Lead = 0
            utf8Need -= 1
            return true
        }
        if aux == 1 {
            switch b {
            case UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
                 UInt8(ascii: "'"):
                aux = 0
                return true
            default: return false
            }
        }
        if ref >= 0 {
            if b >= 0x30 && b <= 0x39 {
                // `$N` must name an earlier step: every digit keeps 1 ≤ N < step (so no leading zero).
                let n = ref * 10 + Int32(b - 0x30)
                guard n >= 1 && n < step else { return false }
                // A used `$N` that no further digit can turn into another reference is refused here, at its
                // last digit, so the string can always be closed (the token budget relies on that).
                guard !isUsed(n) || n * 10 < step else { return false }
                ref = n
                return true
            }
            if ref == 0 && b == UInt8(ascii: "{") { return false }
            if ref >= 1 && ref <= 64 {
                let bit = UInt64(1) << UInt64(ref - 1)
                guard usedRefs & bit == 0 else { return false }
                usedRefs |= bit
            }
            ref = -1
        }
        switch b {
        case UInt8(ascii: "\""): phase = .afterValue; aux = 0
        case UInt8(ascii: "\\"): aux = 1
        case UInt8(ascii: "$"): ref = 0
        case 0..<0x20: return false
        case 0x20..<0x80: break
        case 0xC2...0xDF: utf8Need = 1
        case 0xE0...0xEF: utf8Need = 2; utf8Lead = b == 0xE0 || b == 0xED ? b : 0
        case 0xF0...0xF4: utf8Need = 3; utf8Lead = b == 0xF0 || b == 0xF4 ? b : 0
        default: return false
        }
        return true
    }

    // MARK: completion length

    /// Fewest bytes that complete the plan from this state (each a single-byte token, so also a bound on tokens
    /// for byte-level tokenizers): close strings and lists, the required arguments left, `)`, then `N. join()`
    /// and `<END_OF_PLAN>`.
    public func minimumCompletion(_ g: PlanGrammar) -> Int {
        let s = Int(step)
        switch phase {
        case .lineStart:
            return PlanGrammar.digitCount(s) + 2 - Int(pos) + 6 + PlanGrammar.endMarker.count
        case .toolName:
            let depthHere = Int(g.trieDepth[Int(pos)])
            var best = Int.max
            for t in g.trieTools[Int(pos)] {
                let tool = g.tools[Int(t)]
                best = min(best, tool.name.count - depthHere + tool.minimumCall + PlanGrammar.afterStep(step: s, isJoin: tool.isJoin))
            }
            return best
        case .done: return 0
        case .afterCall: return PlanGrammar.afterStep(step: s, isJoin: false)
        case .endMarker: return PlanGrammar.endMarker.count - Int(pos)
        default: break
        }
        let t = g.tools[Int(tool)]
        let after = PlanGrammar.afterStep(step: s, isJoin: t.isJoin)
        let a = Int(arg), d = Int(depth)
        if t.argumentCount == 0 { return 1 + after }
        let rest = t.restAfter[a] + after
        switch phase {
        case .valueStart:
            if aux == 1 && d == 0 && t.minimumArguments == 0 { return 1 + after }
            let value = aux == 1 && d > 0 ? 0 : t.kinds[a][d].minimumBytes
            return value + d + rest
        case .string: return Int(utf8Need) + Int(aux) + (ref >= 1 && isUsed(ref) ? 1 : 0) + 1 + d + rest
        case .keyword: return Self.keywords[Int(aux)].count - Int(pos) + d + rest
        case .number: return (numberIsComplete ? 0 : 1) + d + rest
        case .afterValue: return d + rest
        case .afterComma:
            if d > 0 { return 1 + t.kinds[a][d].minimumBytes + d + rest }
            return 1 + t.kinds[a + 1][0].minimumBytes + t.restAfter[a + 1] + after
        default: return 0
        }
    }
}
