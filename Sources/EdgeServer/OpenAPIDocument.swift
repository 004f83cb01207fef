import Foundation

/// The OpenAPI 3.0 description served at `GET /openapi.json`, written by hand next to the handlers it
/// describes (a test checks every route is listed).
enum OpenAPIDocument {
    /// Every path and method the server answers (the test compares this list with the document).
    static let routes: [(method: String, path: String)] = [
        ("get", "/health"), ("get", "/v1/models"), ("get", "/openapi.json"), ("post", "/v1/chat/completions"),
        ("post", "/v1/completions"), ("post", "/v1/plan"), ("post", "/v1/agent"),
    ]

    static func json(modelId: String) -> Data {
        let doc: [String: Any] = [
            "openapi": "3.0.3",
            "info": ["title": "EdgeAgent server", "version": "1.0.0",
                     "description": "OpenAI-compatible completions and LLMCompiler planning over a local model (\(modelId))."],
            "servers": [["url": "/"]],
            "components": ["schemas": schemas, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
            "security": [["bearer": [String]()]],
            "paths": paths,
        ]
        return (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
    }

    private static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    private static func json(_ schema: [String: Any]) -> [String: Any] { ["application/json": ["schema": schema]] }

    private static var errors: [String: Any] {
        let e: [String: Any] = ["content": json(ref("Error"))]
        return ["400": e.merging(["description": "Malformed JSON, wrong types, unknown model, bad values"]) { $1 },
                "401": e.merging(["description": "Missing or wrong API key (when the server has one)"]) { $1 },
                "413": e.merging(["description": "Body larger than the limit"]) { $1 },
                "429": e.merging(["description": "Queue full; see the Retry-After header"]) { $1 }]
    }

    private static func post(_ summary: String, body: String, response: String, stream: Bool = false) -> [String: Any] {
        var ok: [String: Any] = ["application/json": ["schema": ref(response)]]
        if stream { ok["text/event-stream"] = ["schema": ["type": "string", "description": "data: {chunk} events, then data: [DONE]"]] }
        return ["post": ["summary": summary, "requestBody": ["required": true, "content": json(ref(body))],
                         "responses": errors.merging(["200": ["description": "OK", "content": ok]]) { $1 }]]
    }

    private static func get(_ summary: String, response: String) -> [String: Any] {
        ["get": ["summary": summary, "responses": ["200": ["description": "OK", "content": json(ref(response))]]]]
    }

    private static var paths: [String: Any] {
        ["/health": get("Liveness and queue state", response: "Health"),
         "/v1/models": get("The served model", response: "ModelList"),
         "/openapi.json": get("This document", response: "Object"),
         "/v1/chat/completions": post("Chat completion (OpenAI schema; stream: true for server-sent events)",
                                      body: "ChatCompletionRequest", response: "ChatCompletion", stream: true),
         "/v1/completions": post("Text completion (OpenAI schema)", body: "CompletionRequest", response: "Completion", stream: true),
         "/v1/plan": post("Plan a request as LLMCompiler steps, validated against the tool schemas", body: "PlanRequest",
                          response: "PlanResponse"),
         "/v1/agent": post("Plan, execute (dry run by default) and answer", body: "AgentRequest", response: "AgentResponse")]
    }

    // Computed, as `[String: Any]` is not Sendable.
    private static var string: [String: Any] { ["type": "string"] }
    private static var integer: [String: Any] { ["type": "integer"] }
    private static var number: [String: Any] { ["type": "number"] }
    private static var boolean: [String: Any] { ["type": "boolean"] }
    private static var stop: [String: Any] { ["oneOf": [string, ["type": "array", "items": string, "maxItems": 4]]] }

    private static func object(_ properties: [String: Any], required: [String] = []) -> [String: Any] {
        var o: [String: Any] = ["type": "object", "properties": properties]
        if !required.isEmpty { o["required"] = required }
        return o
    }

    private static var schemas: [String: Any] {
        let usage = object(["prompt_tokens": integer, "completion_tokens": integer, "total_tokens": integer])
        let sampling: [String: Any] = [
            "model": string, "temperature": number.merging(["minimum": 0, "maximum": 2, "default": 1]) { $1 },
            "top_p": number.merging(["minimum": 0, "maximum": 1, "default": 1]) { $1 },
            "max_tokens": integer.merging(["minimum": 1]) { $1 }, "stop": stop, "seed": integer,
            "stream": boolean, "stream_options": object(["include_usage": boolean]), "n": integer.merging(["enum": [1]]) { $1 },
        ]
        let message = object(["role": ["type": "string", "enum": ["system", "developer", "user", "assistant", "tool"]],
                              "content": ["oneOf": [string, ["type": "array", "items": object(["type": string, "text": string])]]]],
                             required: ["role", "content"])
        let step = object(["index": integer, "tool": string, "args": ["type": "array", "items": [String: Any]()]])
        let diagnostic = object(["line": integer, "message": string])
        let plan = object(["plan": string, "steps": ["type": "array", "items": step], "valid": boolean,
                           "errors": ["type": "array", "items": diagnostic], "constrained": boolean])
        let planFields: [String: Any] = ["query": string, "now": string.merging(["format": "date-time"]) { $1 },
                                         "constrain": boolean.merging(["default": true]) { $1 }, "model": string]
        return [
            "Error": object(["error": object(["message": string, "type": string, "param": string.merging(["nullable": true]) { $1 },
                                              "code": string.merging(["nullable": true]) { $1 }])]),
            "Object": ["type": "object"],
            "Health": object(["status": string, "model": string, "running": integer, "queued": integer, "max_queue": integer,
                              "parallel": integer, "completed": integer, "cancelled": integer, "failed": integer]),
            "ModelList": object(["object": string, "data": ["type": "array", "items": object(["id": string, "object": string,
                                                                                              "created": integer, "owned_by": string])]]),
            "ChatCompletionRequest": object(sampling.merging(["messages": ["type": "array", "items": message, "minItems": 1],
                                                              "max_completion_tokens": integer]) { $1 },
                                            required: ["model", "messages"]),
            "CompletionRequest": object(sampling.merging(["prompt": ["oneOf": [string, ["type": "array", "items": string,
                                                                                         "maxItems": 1]]]]) { $1 },
                                        required: ["model", "prompt"]),
            "ChatCompletion": object(["id": string, "object": string, "created": integer, "model": string, "usage": usage,
                                      "choices": ["type": "array", "items": object([
                                          "index": integer, "finish_reason": ["type": "string", "enum": ["stop", "length"]],
                                          "message": object(["role": string, "content": string])])]]),
            "Completion": object(["id": string, "object": string, "created": integer, "model": string, "usage": usage,
                                  "choices": ["type": "array", "items": object(["index": integer, "text": string,
                                                                                "finish_reason": string])]]),
            "PlanRequest": object(planFields, required: ["query"]),
            "PlanResponse": plan,
            "AgentRequest": object(planFields.merging(["dry_run": boolean.merging(["default": true]) { $1 },
                                                       "max_rounds": integer.merging(["minimum": 1, "maximum": 5]) { $1 }]) { $1 },
                                   required: ["query"]),
            "AgentResponse": object([
                "status": ["type": "string", "enum": ["finished", "invalid_plan"]], "answer": string, "dry_run": boolean,
                "rounds": ["type": "array", "items": object([
                    "plan": plan, "decision": string,
                    "results": ["type": "array", "items": object(["index": integer, "tool": string, "args": ["type": "array"],
                                                                  "status": string, "observation": string])]])]]),
        ]
    }
}
