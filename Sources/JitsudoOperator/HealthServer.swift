public import Hummingbird
public import NIOCore

/// `/healthz` (the process answers), `/readyz` (the API server and the jitsudo.dev kinds were reached) and
/// `/metrics` (Prometheus text) of the operator itself.
public enum HealthServer {
    public static func application(
        controller: OperatorController, host: String, port: Int, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            guard controller.isReady else {
                return Response(
                    status: .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: "not ready: API server or CRDs not reached yet\n"))
                )
            }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: controller.metrics.render())))
            response.headers[.contentType] = "text/plain; version=0.0.4"
            return response
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "jitsudo-operator"),
            onServerRunning: onServerRunning)
    }
}
