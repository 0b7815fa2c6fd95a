import Foundation
import HTTPTypes
import Hummingbird
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import Logging

/// The one mapping from errors to the API's error shape (`api.md` §3), plus `X-Request-Id` on every response.
/// Errors that know their status map to it; anything else is a 500 with a generic message naming the request id.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = request.headers[.xRequestID].flatMap(Self.acceptable) ?? Self.newRequestID()
        context.requestID = requestID
        // Every log line of this call names it under its own key (`request.id` is the elevation request's id).
        context.logger[metadataKey: "http.request_id"] = .string(requestID)
        var response: Response
        do {
            response = try await HTTPRequestScope.$requestID.withValue(requestID) { try await next(request, context) }
        } catch {
            let apiError = Self.map(error, requestID: requestID)
            if apiError.status == 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            response =
                (try? HTTPJSON.response(apiError.body, status: HTTPResponse.Status(code: apiError.status)))
                ?? HTTPJSON.text("internal error", status: .internalServerError)
        }
        response.headers[.xRequestID] = requestID
        return response
    }

    static func map(_ error: any Error, requestID: String) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let refusal as WorkflowRefusal:
            switch refusal.code {
            case .permissionDenied: return .permissionDenied(refusal.message)
            case .failedPrecondition: return .failedPrecondition(refusal.message)
            case .invalidArgument: return .invalidArgument(refusal.message)
            }
        case let failure as ProviderFailure:
            return .providerError(failure.description)
        case let error as StoreError:
            switch error.code {
            case .notFound: return .notFound(error.message)
            case .invalidArgument: return .invalidArgument(error.message)
            case .failedPrecondition, .conflict: return .failedPrecondition(error.message)
            case .unavailable:
                // An audit read whose events no leader has sequenced says so (AuditLog.awaitSequenced); any other
                // store error stays generic (its text may name the database).
                return .unavailable(error.context["unsequenced"] != nil ? error.message : "database unavailable; try again shortly")
            default: return .internalError(requestID: requestID)
            }
        case let error as CoreError:
            return error.code == .illegalTransition ? .failedPrecondition(error.message) : .invalidArgument(error.message)
        case let error as HTTPError:
            switch error.status.code {
            case 404: return .notFound("no such route; the API lives under /api/v1alpha1/")
            case 405: return .notFound("method not allowed on this route")
            case 413: return .payloadTooLarge("request body is larger than 1 MiB")
            case 400..<500: return .invalidArgument(error.body ?? "bad request")
            default: return .internalError(requestID: requestID)
            }
        default:
            return .internalError(requestID: requestID)
        }
    }

    static func acceptable(_ value: String) -> String? {
        guard !value.isEmpty, value.count <= 128, value.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" }) else { return nil }
        return value
    }

    static func newRequestID() -> String {
        (0..<16).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
