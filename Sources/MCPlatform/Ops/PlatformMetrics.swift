import CoreMetrics
import Foundation
import Prometheus

/// The platform's Prometheus metrics: HTTP requests by route, MCP requests and tool calls by
/// tenant, and gauges read when `/metrics` is scraped (``ScrapeGauges``). Each ``Platform``
/// owns its own registry, so tests that build many applications in one process never share
/// counters; only `mcplatform serve` also hands the registry to swift-metrics
/// (``bootstrapMetricsSystem()``).
public final class PlatformMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Makes `registry` the backend of swift-metrics, so that libraries reporting through it
    /// appear on `/metrics` too. Call once per process, before the application starts.
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// Upper bounds of the duration histograms, in seconds.
    static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]

    // MARK: HTTP

    /// One HTTP request: `route` is the router's matched path (`/mcp/{slug}`), never the raw URI.
    func httpRequest(method: String, route: String, status: Int, duration: Duration) {
        let method = Self.knownHTTPMethods.contains(method) ? method : "other"
        registry.makeCounter(
            descriptor: Self.httpRequests, labels: [("method", method), ("route", route), ("status", "\(status / 100)xx")]
        ).increment()
        registry.makeValueHistogram(descriptor: Self.httpDuration, labels: [("route", route)], buckets: Self.durationBuckets)
            .record(duration.seconds)
    }

    static let knownHTTPMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    static var httpRequests: MetricNameDescriptor {
        descriptor("http", "requests", "total", "HTTP requests by method, matched route and status class.")
    }
    static var httpDuration: MetricNameDescriptor {
        descriptor("http", "request_duration", "seconds", "HTTP request durations by matched route.")
    }

    // MARK: MCP

    /// One request to a tenant's MCP endpoint (`method` is the HTTP method: one POST may carry
    /// a batch); `failed` as the error rate counts it (``MCPEndpoint/countsAsFailure(_:)``).
    func mcpRequest(tenant: String, method: String, failed: Bool, duration: Duration) {
        let method = Self.knownHTTPMethods.contains(method) ? method : "other"
        registry.makeCounter(
            descriptor: Self.mcpRequests, labels: [("tenant", tenant), ("method", method), ("outcome", failed ? "error" : "ok")]
        ).increment()
        registry.makeValueHistogram(descriptor: Self.mcpDuration, labels: [("tenant", tenant)], buckets: Self.durationBuckets)
            .record(duration.seconds)
    }

    /// One `tools/call` of a registered tool, labelled `ok`, `tool_error` (the tool reported an
    /// error to the model, a normal outcome) or `failed` (it threw unexpectedly).
    func toolCall(tenant: String, tool: String, outcome: MCPEvent.Outcome) {
        let label = outcome == .error ? "failed" : outcome.rawValue
        registry.makeCounter(descriptor: Self.toolCalls, labels: [("tenant", tenant), ("tool", tool), ("outcome", label)]).increment()
    }

    static var mcpRequests: MetricNameDescriptor {
        descriptor("mcp", "requests", "total", "MCP endpoint requests by tenant, HTTP method and outcome (ok or error).")
    }
    static var mcpDuration: MetricNameDescriptor {
        descriptor("mcp", "request_duration", "seconds", "MCP endpoint request durations by tenant.")
    }
    static var toolCalls: MetricNameDescriptor {
        descriptor("mcp", "tool_calls", "total", "MCP tool calls by tenant, tool and outcome (ok, tool_error or failed).")
    }

    /// `mcplatform_<subsystem>_<name>_<unit>`.
    private static func descriptor(_ subsystem: String, _ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "mcplatform", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }

    // MARK: Exposition

    /// The text exposition (format 0.0.4) after reading the scrape-time gauges of `platform`.
    func exposition(of platform: Platform) async -> [UInt8] {
        await ScrapeGauges(platform: platform).update(registry)
        return registry.emitToBuffer()
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
