import Foundation
import Logging
import ServiceLifecycle

/// Evaluates every alert rule on every server it covers, each interval, on every instance
/// (docs/operations.md#monitoring-and-alerts). A condition that starts to hold opens an alert
/// and notifies once; one that stops holding resolves it and notifies once; nothing is sent
/// while it keeps firing. Instances racing on the same alert are settled by the database (see
/// ``AlertStore/open(_:value:message:now:)`` and ``AlertStore/resolve(_:now:)``): only the
/// one whose write changed a row notifies. Alerts of rules turned off, deleted from a server's
/// scope or narrowed to another server are resolved.
struct AlertEvaluator: Service {
    let platform: Platform
    let interval: Duration
    let logger: Logger

    var store: AlertStore { AlertStore(database: platform.database) }

    func run() async throws {
        logger.info("evaluating alert rules", metadata: ["alerts.interval": "\(interval)"])
        await repeatUntilShutdown(every: interval) {
            await cancelWhenGracefulShutdown { _ = await evaluate() }
        }
    }

    /// One round over every rule; returns the alerts opened and resolved by this instance.
    @discardableResult
    func evaluate(now: Date = Date()) async -> (opened: [Alert], resolved: [Alert]) {
        var opened: [Alert] = []
        var resolved: [Alert] = []
        do {
            let servers = try await platform.tenancy.servers()
            let firing = try await store.firing()
            for rule in try await store.allRules() {
                let covered = rule.enabled ? servers.filter { Self.covers(rule, $0) } : []
                for server in covered {
                    let key = AlertKey(ruleID: rule.id, serverID: server.id)
                    let measurement = try await AlertMeasurement.measure(rule, serverID: server.id, platform: platform, now: now)
                    if measurement.exceeded, !firing.contains(key),
                        let alert = try await store.open(key, value: measurement.value, message: measurement.message, now: now)
                    {
                        opened.append(alert)
                        await notify(alert, rule: rule, now: now)
                    } else if !measurement.exceeded, firing.contains(key), let alert = try await store.resolve(key, now: now) {
                        resolved.append(alert)
                        await notify(alert, rule: rule, now: now)
                    }
                }
                let coveredIDs = Set(covered.map(\.id))
                for key in firing where key.ruleID == rule.id && !coveredIDs.contains(key.serverID) {
                    if let alert = try await store.resolve(key, now: now) {
                        resolved.append(alert)
                        await notify(alert, rule: rule, now: now)
                    }
                }
            }
        } catch {
            if !Task.isCancelled {
                logger.warning("evaluating alert rules failed", metadata: ["error": .string(String(describing: error))])
            }
        }
        return (opened, resolved)
    }

    /// Whether `rule` applies to `server`: its own server, or any of its organization's (any at
    /// all for a platform-wide rule).
    static func covers(_ rule: AlertRule, _ server: TenantServer) -> Bool {
        if let serverID = rule.serverID { return serverID == server.id }
        return rule.organizationID.map { $0 == server.organizationID } ?? true
    }

    private func notify(_ alert: Alert, rule: AlertRule, now: Date) async {
        logger.notice(
            alert.state == .firing ? "alert firing" : "alert resolved",
            metadata: ["tenant": .string(alert.serverSlug), "alert.rule": "\(rule.id)", "alert.message": .string(alert.message)])
        await AlertNotifications(platform: platform, logger: logger).notify(alert, rule: rule, now: now)
    }
}
