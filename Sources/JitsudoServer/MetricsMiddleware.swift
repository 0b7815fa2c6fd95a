import Hummingbird
import Metrics

/// `jitsudo_http_requests_total{route,status}` and `jitsudo_http_request_duration_seconds{route}`; the route is
/// the matched pattern (never an id), so label cardinality stays low.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        Counter(label: "jitsudo_http_requests_total", dimensions: [("route", route), ("status", String(response.status.code))]).increment()
        Metrics.Timer(label: "jitsudo_http_request_duration_seconds", dimensions: [("route", route)], preferredDisplayUnit: .seconds)
            .recordInterval(since: start)
        return response
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
