/// Argument type rules shared by the schema loader (defaults) and ``PlanValidator``.
///
/// - `string`: a string (any text, `$N` inside allowed) or a value that is exactly one reference
///   (its output is substituted as text);
/// - `integer`: an int; `number`: an int or a float; `boolean`: `True`/`False`;
/// - `array of T`: a list or tuple whose items are T, or a single T (TinyAgent wraps a lone string);
/// - `any`: anything;
/// - a value that is exactly one reference (`$1`, `"$1"`) has the return type of the step it names;
/// - `None` only for optional arguments (checked by the validator, not here) and never inside lists.
enum PlanTypeCheck {
    /// Whether `value` fits `type`, with references typed by `referenceType` (nil: unknown, accepted).
    static func matches(_ value: PlanValue, _ type: ToolValueType,
                        referenceType: (PlanReference) -> ToolValueType? = { _ in nil }) -> Bool {
        if case .float(let d) = value, !d.isFinite { return false }
        if type == .any { return true }
        if let ref = value.soleReference {
            guard let produced = referenceType(ref) else { return true }
            return produces(produced, fits: type)
        }
        switch (type, value) {
        case (.string, .string): return true
        case (.integer, .int): return true
        case (.number, .int), (.number, .float): return true
        case (.boolean, .bool): return true
        case (.array(let items), .list(let values)), (.array(let items), .tuple(let values)):
            return values.allSatisfy { matches($0, items, referenceType: referenceType) }
        case (.array(let items), _):
            if case .none = value { return false }
            return matches(value, items, referenceType: referenceType)
        default: return false
        }
    }

    /// Whether a step returning `produced` may be referenced where `expected` is wanted.
    static func produces(_ produced: ToolValueType, fits expected: ToolValueType) -> Bool {
        if produced == .any || expected == .any || expected == .string { return true }
        if produced == expected { return true }
        switch (produced, expected) {
        case (.integer, .number): return true
        case (_, .array(let items)): return produces(produced, fits: items)
        default: return false
        }
    }

    /// Short description of a value for messages: `string "abc"`, `integer 3`, `$1 (string from get_email_address)`.
    static func describe(_ value: PlanValue) -> String {
        let text = PlanPrinter.print(value)
        let shown = text.count > 40 ? String(text.prefix(37)) + "…" : text
        switch value {
        case .string: return "string \(shown)"
        case .int: return "integer \(shown)"
        case .float: return "float \(shown)"
        case .bool: return "boolean \(shown)"
        case .none: return "None"
        case .list: return "list \(shown)"
        case .tuple: return "tuple \(shown)"
        case .reference: return "reference \(shown)"
        }
    }
}
