import Foundation

/// A plain-text prompt with `{{slot}}` placeholders (files in `prompts/`).
///
/// Slot names are letters, digits and `_`. Rendering needs a value for every slot and rejects values
/// for slots the template does not have, so a renamed slot fails loudly instead of leaving `{{x}}` in a
/// prompt or silently dropping text. Templates cannot contain a literal `{{`.
public struct PromptTemplate: Sendable, Equatable {
    /// Where the template came from (file path or a label), for error messages.
    public let name: String
    /// Alternating literal text and slots.
    let parts: [Part]

    enum Part: Sendable, Equatable {
        case text(String)
        case slot(String)
    }

    /// Slot names in order of first appearance.
    public var slots: [String] {
        var seen = Set<String>()
        return parts.compactMap { if case .slot(let s) = $0, seen.insert(s).inserted { return s } else { return nil } }
    }

    /// Parses `text`; fails on an unclosed `{{`, an empty or malformed slot name.
    public init(_ text: String, name: String = "<prompt>") throws(PromptTemplateError) {
        self.name = name
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let line = text[..<open.lowerBound].reduce(1) { $0 + ($1 == "\n" ? 1 : 0) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .unclosedSlot(template: name, line: line)
            }
            let slot = String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces)
            guard !slot.isEmpty, slot.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw .badSlotName(template: name, line: line, slot: slot)
            }
            parts.append(.slot(slot))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// Loads a template file.
    public static func load(path: String) throws(PromptTemplateError) -> PromptTemplate {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path)
        }
        return try PromptTemplate(text, name: path)
    }

    /// The text with every slot replaced. Throws when a slot has no value or a value names no slot.
    public func render(_ values: [String: String]) throws(PromptTemplateError) -> String {
        let mine = Set(slots)
        let missing = slots.filter { values[$0] == nil }
        if !missing.isEmpty { throw .missingValues(template: name, slots: missing) }
        let unknown = values.keys.filter { !mine.contains($0) }.sorted()
        if !unknown.isEmpty { throw .unknownSlots(template: name, slots: unknown, known: slots) }
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .slot(let s): out += values[s] ?? ""
            }
        }
        return out
    }
}

/// Errors of ``PromptTemplate``.
public enum PromptTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case unclosedSlot(template: String, line: Int)
    case badSlotName(template: String, line: Int, slot: String)
    case missingValues(template: String, slots: [String])
    case unknownSlots(template: String, slots: [String], known: [String])
    /// A `--prompt-style` value that is not a style.
    case invalidStyle(String)
    /// A model directory's `edgeagent_planner.json` that cannot be used.
    case badStyleRecord(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path): return "\(path): cannot read prompt template"
        case .unclosedSlot(let t, let line): return "\(t):\(line): '{{' without a closing '}}'"
        case .badSlotName(let t, let line, let slot):
            return "\(t):\(line): bad slot name '\(slot)' (use letters, digits and _ inside {{…}})"
        case .missingValues(let t, let slots): return "\(t): no value for slot(s) \(slots.joined(separator: ", "))"
        case .unknownSlots(let t, let slots, let known):
            return "\(t): unknown slot(s) \(slots.joined(separator: ", ")); the template has \(known.joined(separator: ", "))"
        case .invalidStyle(let s): return "--prompt-style must be compact, full or minimal, got \(s)"
        case .badStyleRecord(let path, let reason): return "\(path): \(reason)"
        }
    }
}
