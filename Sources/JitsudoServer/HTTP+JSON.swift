import Foundation
import HTTPTypes
import Hummingbird
import JitsudoAPI
import NIOCore
import BoundedJSON

/// JSON in and out of handlers.
enum HTTPJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON response with `status`.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON response with `status`, from the value's own writer (the same bytes as ``encoder`` writes).
    static func response(_ value: some JSONTextEncodable, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.jsonBytes)))
    }

    /// A plain-text response.
    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The request body, at most 1 MiB (413).
    static func body(_ request: Request, context: APIContext) async throws -> ByteBuffer {
        var request = request
        do {
            return try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            // NIO reports an oversized body as `NIOTooManyBytesError`; Hummingbird's own limit as HTTPError 413.
            if let error = error as? HTTPError, error.status != .contentTooLarge { throw error }
            throw APIError.payloadTooLarge("request body is larger than 1 MiB")
        }
    }

    /// The request body as validated fields: at most 1 MiB (413), valid JSON (400), an object (400). Empty means `{}`.
    static func fields(_ request: Request, context: APIContext) async throws -> RequestFields {
        let buffer = try await body(request, context: context)
        guard buffer.readableBytes > 0 else { return try RequestFields(nil) }
        let value: JSONValue
        do {
            value = try JSONValueParser.parse(buffer.readableBytesView, maximumDepth: JSONNesting.defaultMaximumDepth)
        } catch .tooDeep {
            throw APIError.invalidArgument(
                "request body is JSON nested more than \(JSONNesting.defaultMaximumDepth) levels deep; send a flat JSON object")
        } catch .invalid(let reason, let offset) {
            throw APIError.invalidArgument("request body is not valid JSON (\(reason) at byte \(offset)); send a JSON object")
        }
        return try RequestFields(value)
    }
}

extension Request {
    /// A query parameter under its camelCase or snake_case name (both → 400).
    func query(_ camelName: String) throws(APIError) -> String? {
        let snake = RequestFields.snakeCase(camelName)
        let parameters = uri.queryParameters
        let camel = parameters[Substring(camelName)].map(String.init)
        let snakeValue = snake == camelName ? nil : parameters[Substring(snake)].map(String.init)
        if camel != nil, snakeValue != nil { throw APIError.invalidArgument("\(snake): sent as both \(camelName) and \(snake)") }
        return camel ?? snakeValue
    }

    /// A boolean query parameter (`true`/`false`).
    func queryBool(_ camelName: String) throws(APIError) -> Bool {
        guard let text = try query(camelName) else { return false }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0", "": return false
        default: throw APIError.invalidArgument("\(RequestFields.snakeCase(camelName)) must be true or false, got '\(text.prefix(40))'")
        }
    }

    /// An integer query parameter within `range`; values above the range are clamped when `clamp` is set.
    func queryInt(_ camelName: String, default value: Int, range: ClosedRange<Int>, clamp: Bool = true) throws(APIError) -> Int {
        guard let text = try query(camelName), !text.isEmpty else { return value }
        guard let number = Int(text), number >= range.lowerBound else {
            throw APIError.invalidArgument(
                "\(RequestFields.snakeCase(camelName)) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        if number > range.upperBound {
            if clamp { return range.upperBound }
            throw APIError.invalidArgument("\(RequestFields.snakeCase(camelName)) must be at most \(range.upperBound)")
        }
        return number
    }
}
