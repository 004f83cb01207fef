// JSON forms of plans, for `edgeagent plan --json` and the server:
// {"index": 2, "tool": "send_sms", "args": [["$1"], "hi"]}.

/// A value as JSON: strings (references as `"$N"`), numbers, booleans, `null` for `None`,
/// arrays for lists and tuples. Encoding only: the plan text is the source of truth.
extension PlanValue: Encodable {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .float(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .none: try c.encodeNil()
        case .list(let xs), .tuple(let xs): try c.encode(xs)
        case .reference(let r): try c.encode(r.description)
        }
    }
}

/// `{"index": n, "tool": name, "args": [...]}` (the `steps` entries of `plan --json`).
extension PlanStep: Encodable {
    enum CodingKeys: String, CodingKey { case index, tool, args }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(tool, forKey: .tool)
        try c.encode(arguments, forKey: .args)
    }
}
