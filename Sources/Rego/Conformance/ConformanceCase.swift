/// One OPA compliance case in the JSON-lines format of `conformance/rego/README.md`.
public struct ConformanceCase: Sendable {
    /// Unique name within the category (e.g. `completedoc/null`).
    public let name: String
    /// Category (file stem).
    public let category: String
    /// Module sources, loaded as `test-<i>.rego`.
    public let modules: [String]
    /// Query text.
    public let query: String
    /// Base document.
    public let data: RegoValue
    /// Input document, or nil.
    public let input: RegoValue?
    /// Rego term source used as input instead of `input`.
    public let inputTerm: String?
    /// Expected rows, or nil when an error is expected.
    public let wantResult: [RegoValue]?
    /// Expected error code.
    public let wantErrorCode: String?
    /// Expected error substring.
    public let wantError: String?
    /// Evaluate with strict builtin errors.
    public let strict: Bool
    /// Sort array-valued bindings before comparing.
    public let sortBindings: Bool

    /// Decodes a case from one JSON line.
    public init(jsonLine: String) throws {
        let v = try RegoValue(jsonText: jsonLine)
        name = v["name"]?.stringValue ?? "?"
        category = v["category"]?.stringValue ?? "?"
        if case .array(let ms)? = v["modules"] { modules = ms.compactMap(\.stringValue) } else { modules = [] }
        query = v["query"]?.stringValue ?? ""
        data = v["data"] ?? .emptyObject
        input = v["input"]
        inputTerm = v["input_term"]?.stringValue
        if case .array(let rows)? = v["want_result"] { wantResult = rows } else { wantResult = nil }
        wantErrorCode = v["want_error_code"]?.stringValue
        wantError = v["want_error"]?.stringValue
        strict = v["strict_error"] == .bool(true)
        sortBindings = v["sort_bindings"] == .bool(true)
    }
}
