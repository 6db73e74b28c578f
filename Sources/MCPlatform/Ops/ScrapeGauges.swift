import Prometheus

/// The gauges read at scrape time rather than recorded as things happen: the durable queues'
/// depth, the database, what the in-memory buffers dropped, and the process's resources.
struct ScrapeGauges: Sendable {
    let platform: Platform

    /// Sets every gauge of `registry` from what is true now. When the database does not answer,
    /// `mcplatform_database_up` is 0 and the queue gauges keep their last values.
    func update(_ registry: PrometheusCollectorRegistry) async {
        func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
            let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
            return labels.isEmpty ? registry.makeGauge(descriptor: descriptor) : registry.makeGauge(descriptor: descriptor, labels: labels)
        }
        let depthHelp = "Work waiting in a durable queue: ingest jobs queued or running, unsent email, pending webhook deliveries."
        let databaseUp = gauge("mcplatform_database_up", "1 when the database answered the scrape's queries, else 0.")
        do {
            let row = try await platform.database.one(
                """
                SELECT (SELECT COUNT(*) FROM ingest_jobs WHERE status IN ('queued', 'running')) AS ingest,
                    (SELECT COUNT(*) FROM outbox_emails WHERE sent_at IS NULL AND failed_at IS NULL) AS email,
                    (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending') AS webhook
                """)
            for queue in ["ingest", "email", "webhook"] {
                gauge("mcplatform_queue_depth", depthHelp, labels: [("queue", queue)]).set(
                    to: Double(try row.decode(queue, as: Int64.self)))
            }
            databaseUp.set(to: 1.0)
        } catch {
            databaseUp.set(to: 0.0)
        }
        gauge("mcplatform_database_pool_size", "Database connections this instance may open (--db-pool-size).")
            .set(to: Double(platform.configuration.databasePoolSize))
        gauge(
            "mcplatform_analytics_events_dropped_total",
            "Tool call events dropped since start because the in-memory buffer was full."
        ).set(to: Double(platform.events.dropped))
        let errors = platform.errors.totals
        gauge("mcplatform_unexpected_errors_total", "Unexpected errors recorded by error tracking since start.").set(
            to: Double(errors.recorded))
        gauge("mcplatform_unexpected_errors_dropped_total", "Unexpected errors not saved since start because the buffer was full.")
            .set(to: Double(errors.dropped))

        let process = ProcessStatistics.current()
        let figures: [(String, String, Double?)] = [
            ("process_resident_memory_bytes", "Resident memory size in bytes.", process.residentMemoryBytes),
            ("process_open_fds", "Number of open file descriptors.", process.openFileDescriptors),
            ("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.", process.startTime),
            ("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", process.cpuSeconds),
        ]
        for (name, help, value) in figures {
            if let value { gauge(name, help).set(to: value) }
        }
    }
}
