import AsyncHTTPClient
import Foundation
import KubernetesClient
import NIOCore
import NIOHTTP1
import NIOSSL

/// A container's readiness probe run against its local process, as the kubelet runs it: an `httpGet` is ready on a
/// status 200–399 (HTTPS without certificate verification, like the kubelet); no probe means `GET /readyz` over HTTP.
struct ReadinessProbe: Sendable {
    var scheme: String
    var path: String
    var port: Int
    var headers: [(String, String)]

    /// The probe of `container` (raw JSON of the pod spec) against `launch`; a failure when it cannot be run here.
    static func of(_ probe: JSONValue?, launch: PodLaunch) throws -> ReadinessProbe {
        guard let published = launch.published else {
            throw PodLaunch.Failure("the readinessProbe needs a published port; this pod publishes none")
        }
        guard let probe else { return ReadinessProbe(scheme: "HTTP", path: "/readyz", port: published.localPort, headers: []) }
        guard let get = probe["httpGet"] else {
            throw PodLaunch.Failure("the readinessProbe is not an httpGet probe; the process runtime runs httpGet probes only")
        }
        let containerPort: Int
        if let number = get["port"]?.intValue {
            containerPort = number
        } else if let name = get["port"]?.stringValue, let number = launch.namedPorts[name] ?? Int(name) {
            containerPort = number
        } else {
            throw PodLaunch.Failure("the readinessProbe names port \(get["port"].map { "\($0)" } ?? "none"), which the container does not declare")
        }
        guard containerPort == published.containerPort else {
            throw PodLaunch.Failure(
                "the readinessProbe targets port \(containerPort); only the published port \(published.containerPort) is reachable")
        }
        let headers = (get["httpHeaders"]?.arrayValue ?? []).compactMap { header -> (String, String)? in
            guard let name = header["name"]?.stringValue, let value = header["value"]?.stringValue else { return nil }
            return (name, value)
        }
        return ReadinessProbe(
            scheme: (get["scheme"]?.stringValue ?? "HTTP").uppercased(), path: get["path"]?.stringValue ?? "/", port: published.localPort,
            headers: headers)
    }

    var url: String { "\(scheme == "HTTPS" ? "https" : "http")://127.0.0.1:\(port)\(path.hasPrefix("/") ? path : "/" + path)" }

    /// True when the probe succeeds now.
    func check(with client: HTTPClient) async -> Bool {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await client.execute(request, timeout: .seconds(2))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return (200..<400).contains(Int(response.status.code))
        } catch {
            return false
        }
    }

    /// The client probes go through: no certificate verification (the kubelet's HTTPS probes verify nothing either).
    static func makeClient() -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(2))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
