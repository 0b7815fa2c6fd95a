import Metrics
public import Prometheus

/// The one Prometheus registry of a test process (swift-metrics is bootstrapped once per process): the in-process
/// daemons serve it on `/metrics`, as jitsudod serves its own.
public enum TestMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The registry in Prometheus' text format.
    public static func rendered() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
