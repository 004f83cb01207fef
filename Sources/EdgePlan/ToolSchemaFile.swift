import Foundation

/// The JSON reader behind ``ToolSet/decode(_:path:)``: checks every field and names the one at fault.
///
/// File format (`tools/*.json`):
/// ```
/// {"name": "tinyagent", "description": "…",
///  "tools": [{"name": "send_sms", "description": "…",
///             "arguments": [{"name": "recipients", "type": "array", "items": "string", "description": "…"},
///                           {"name": "message", "type": "string", "description": "…",
///                            "required": false, "default": ""}],
///             "returns": "string"}]}
/// ```
/// Unknown fields are rejected (they are usually typos). An optional argument needs a `default`
/// (of its type, or `null`).
enum ToolSchemaFile {
    static func decode(_ data: Data, path: String) throws(EdgePlanError) -> ToolSet {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw .emptySchemaFile(path: path)
        }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .invalidJSON(path: path, reason: syntaxProblem(data) ?? "\(error)")
        }
        let reader = Reader(path: path)
        let top = try reader.object(root, "(top level)", allowed: ["name", "description", "tools"])
        if let name = top["name"] { _ = try reader.string(name, "name") }
        if let description = top["description"] { _ = try reader.string(description, "description") }
        guard let toolsValue = top["tools"] else { throw reader.fail("tools", "missing; expected an array of tools") }
        guard case .array(let items) = toolsValue else { throw reader.fail("tools", "expected an array of tools") }
        var set = ToolSet()
        for (i, item) in items.enumerated() {
            let tool = try reader.tool(item, "tools[\(i)]")
            if set.sources[tool.name] != nil && tool.name != ToolSet.joinName {
                throw reader.fail("tools[\(i)].name", "duplicate tool name '\(tool.name)'")
            }
            try set.add(tool, source: path)
        }
        return set
    }

    /// `line L, column C: <parser message>` for a JSON syntax error (JSONDecoder gives no position;
    /// JSONSerialization gives a byte offset, "around character N").
    static func syntaxProblem(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            let message = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
            guard let range = message.range(of: "character "),
                  let offset = Int(message[range.upperBound...].prefix { $0.isNumber }) else { return message }
            let prefix = data.prefix(offset)
            let line = prefix.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let lineStart = prefix.lastIndex(of: 0x0A).map { $0 + 1 } ?? prefix.startIndex
            let column = String(decoding: prefix[lineStart...], as: UTF8.self).count + 1
            return "line \(line), column \(column): \(message)"
        }
    }

    private struct Reader {
        let path: String

        func fail(_ field: String, _ problem: String) -> EdgePlanError {
            .schemaField(path: path, field: field, problem: problem)
        }

        func object(_ value: JSONValue, _ field: String, allowed: Set<String>) throws(EdgePlanError) -> [String: JSONValue] {
            guard case .object(let fields) = value else { throw fail(field, "expected a JSON object, got \(value.kind)") }
            for key in fields.keys.sorted() where !allowed.contains(key) {
                throw fail(field, "unknown field '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
            return fields
        }

        func string(_ value: JSONValue, _ field: String) throws(EdgePlanError) -> String {
            guard case .string(let s) = value else { throw fail(field, "expected a string, got \(value.kind)") }
            return s
        }

        func nonEmptyString(_ fields: [String: JSONValue], _ key: String, _ field: String) throws(EdgePlanError) -> String {
            guard let value = fields[key] else { throw fail("\(field).\(key)", "missing") }
            let s = try string(value, "\(field).\(key)")
            guard !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw fail("\(field).\(key)", "must not be empty")
            }
            return s
        }

        func identifier(_ fields: [String: JSONValue], _ field: String) throws(EdgePlanError) -> String {
            let name = try nonEmptyString(fields, "name", field)
            guard PlanLexer.isIdentifier(name) else {
                throw fail("\(field).name", "'\(name)' is not an identifier (letters, digits, _; not starting with a digit)")
            }
            return name
        }

        func tool(_ value: JSONValue, _ field: String) throws(EdgePlanError) -> ToolSchema {
            let fields = try object(value, field, allowed: ["name", "description", "arguments", "returns"])
            let name = try identifier(fields, field)
            let description = try nonEmptyString(fields, "description", field)
            guard let argsValue = fields["arguments"] else { throw fail("\(field).arguments", "missing; use [] for none") }
            guard case .array(let argItems) = argsValue else {
                throw fail("\(field).arguments", "expected an array, got \(argsValue.kind)")
            }
            var arguments: [ToolArgument] = []
            for (j, item) in argItems.enumerated() {
                let arg = try argument(item, "\(field).arguments[\(j)]")
                if arguments.contains(where: { $0.name == arg.name }) {
                    throw fail("\(field).arguments[\(j)].name", "duplicate argument name '\(arg.name)'")
                }
                arguments.append(arg)
            }
            if name == ToolSet.joinName && !arguments.isEmpty {
                throw fail("\(field).arguments", "join takes no arguments")
            }
            guard let returnsValue = fields["returns"] else { throw fail("\(field).returns", "missing return type") }
            let returns = try type(returnsValue, items: nil, "\(field).returns")
            return ToolSchema(name: name, description: description, arguments: arguments, returns: returns)
        }

        func argument(_ value: JSONValue, _ field: String) throws(EdgePlanError) -> ToolArgument {
            let fields = try object(value, field, allowed: ["name", "type", "items", "description", "required", "default"])
            let name = try identifier(fields, field)
            guard let typeValue = fields["type"] else { throw fail("\(field).type", "missing") }
            let type = try type(typeValue, items: fields["items"], "\(field).type")
            if fields["items"] != nil, case .array = type {} else if fields["items"] != nil {
                throw fail("\(field).items", "only an array type has items")
            }
            let description = try nonEmptyString(fields, "description", field)
            var isRequired = true
            if let required = fields["required"] {
                guard case .bool(let b) = required else { throw fail("\(field).required", "expected true or false") }
                isRequired = b
            }
            var defaultValue: PlanValue?
            if let d = fields["default"] {
                guard !isRequired else { throw fail("\(field).default", "a required argument has no default; set \"required\": false") }
                if case .object = d { throw fail("\(field).default", "an object cannot be a default") }
                defaultValue = d.planValue
                if defaultValue != PlanValue.none && !PlanTypeCheck.matches(d.planValue, type) {
                    throw fail("\(field).default", "\(d.kind) does not match the argument type \(type)")
                }
            } else if !isRequired {
                throw fail("\(field).default", "missing; an optional argument needs a default (of its type, or null)")
            }
            return ToolArgument(name: name, type: type, description: description,
                                isRequired: isRequired, defaultValue: defaultValue)
        }

        func type(_ value: JSONValue, items: JSONValue?, _ field: String) throws(EdgePlanError) -> ToolValueType {
            let name: String
            switch value {
            case .string(let s): name = s
            case .object(let fields):   // nested form {"type": "array", "items": …}
                guard let inner = fields["type"] else { throw fail(field, "missing type") }
                _ = try object(value, field, allowed: ["type", "items"])
                return try type(inner, items: fields["items"], "\(field).type")
            default: throw fail(field, "expected a type name, got \(value.kind)")
            }
            switch name {
            case "string": return .string
            case "integer": return .integer
            case "number": return .number
            case "boolean": return .boolean
            case "any": return .any
            case "array":
                guard let items else { throw fail(field, "an array needs \"items\" (e.g. \"items\": \"string\")") }
                return .array(try type(items, items: nil, field.replacingSuffix(".type", with: ".items")))
            default:
                throw fail(field, "unknown type '\(name)' (use string, integer, number, boolean, array, any)")
            }
        }
    }
}

/// A parsed JSON value that keeps booleans and numbers apart (JSONSerialization does not on Linux).
enum JSONValue: Decodable, Sendable, Equatable {
    case null, bool(Bool), int(Int), double(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The plan value a default stands for (objects become `None`; the loader never lets one through).
    var planValue: PlanValue {
        switch self {
        case .null, .object: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .float(d)
        case .string(let s): return .string(s)
        case .array(let a): return .list(a.map(\.planValue))
        }
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self + replacement
    }
}
