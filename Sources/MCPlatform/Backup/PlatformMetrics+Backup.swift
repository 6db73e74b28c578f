import Foundation
import Prometheus

extension PlatformMetrics {
    /// `mcplatform_backup_last_success_timestamp_seconds`: when the last scheduled backup
    /// succeeded (alert when it grows older than the interval allows).
    func backupSucceeded(at date: Date) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "mcplatform", subsystem: "backup", metricName: "last_success_timestamp", unitName: "seconds",
                helpText: "When the last scheduled backup of the SQLite database succeeded, in seconds since the Unix epoch.")
        ).set(to: date.timeIntervalSince1970)
    }

    /// `mcplatform_backup_failures_total`: scheduled backups that failed since start.
    func backupFailures() -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "mcplatform", subsystem: "backup", metricName: "failures", unitName: "total",
                helpText: "Scheduled backups of the SQLite database that failed since start."))
    }
}
