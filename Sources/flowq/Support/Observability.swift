import Logging
import Metrics
import Prometheus

/// Logs to standard error at `level` and metrics into a Prometheus registry, for the long-running commands
/// (`collect`, `serve`); returns the registry that `/metrics` prints.
func bootstrapObservability(level: Logger.Level) -> PrometheusCollectorRegistry {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = level
        return h
    }
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}
