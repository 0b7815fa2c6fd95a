import HTTPTypes
import Hummingbird
import JitsudoAPI
import Metrics

/// 503 with `Retry-After: 1` when ``EvaluationGate`` is full and the call would evaluate or compile Rego.
/// `jitsudo_evaluations_refused_total` counts the refusals.
struct EvaluationLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let gate: EvaluationGate

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        guard EvaluationGate.evaluates(method: request.method.rawValue, path: request.uri.path) else { return try await next(request, context) }
        guard gate.tryEnter() else {
            Counter(label: "jitsudo_evaluations_refused_total").increment()
            let refusal = APIError.unavailable("policy evaluation capacity of this replica is in use (\(gate.limit) at once); retry shortly")
            var response = try HTTPJSON.response(refusal.body, status: .serviceUnavailable)
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { gate.leave() }
        return try await next(request, context)
    }
}
