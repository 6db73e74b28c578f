import Foundation

/// When to raise an alert about a server (docs/operations.md#monitoring-and-alerts): an
/// organization's rule, or a platform-wide one (the operator's, `organizationID` nil); for one
/// server or, when `serverID` is nil, every server it covers.
struct AlertRule: Sendable, Equatable {
    let id: Int64
    let organizationID: Int64?
    let serverID: Int64?
    let kind: Kind
    /// Percent for ``Kind/errorRate``, milliseconds for ``Kind/p95Latency``, failed checks in a
    /// row for ``Kind/serverDown``; unused for ``Kind/ingestionFailure``.
    let threshold: Double
    /// The period measured: the last `windowMinutes` minutes, the current one included. Unused
    /// for ``Kind/serverDown``.
    let windowMinutes: Int
    /// Error rate and latency are judged only with at least this many requests in the window.
    let minRequests: Int
    /// Email the people in charge (the organization's owners and admins; for platform-wide rules,
    /// the operators) when an alert fires and resolves.
    let notifyEmail: Bool
    let enabled: Bool
    let createdAt: Date
    let updatedAt: Date

    var isPlatformWide: Bool { organizationID == nil }

    /// What a rule watches.
    enum Kind: String, Sendable, CaseIterable {
        case errorRate = "error_rate"
        case p95Latency = "p95_latency"
        case ingestionFailure = "ingestion_failure"
        case serverDown = "server_down"

        var label: String {
            switch self {
            case .errorRate: "Error rate"
            case .p95Latency: "p95 latency"
            case .ingestionFailure: "Ingestion failure"
            case .serverDown: "Server down"
            }
        }

        /// Whether the rule's window and minimum of requests matter.
        var usesWindow: Bool { self != .serverDown }
        var usesRequests: Bool { self == .errorRate || self == .p95Latency }
    }

    static let columns =
        "id, organization_id, server_id, kind, threshold, window_minutes, min_requests, notify_email, enabled, created_at, updated_at"

    init(row: SQLRow) throws {
        id = try row.decode("id")
        organizationID = try row.decode("organization_id")
        serverID = try row.decode("server_id")
        kind = try row.decode("kind")
        threshold = try row.decode("threshold")
        windowMinutes = Int(try row.decode("window_minutes", as: Int64.self))
        minRequests = Int(try row.decode("min_requests", as: Int64.self))
        notifyEmail = try row.decode("notify_email")
        enabled = try row.decode("enabled")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }

    /// The condition in words: `Error rate > 1 % over 15 min (at least 20 requests)`.
    var condition: String {
        switch kind {
        case .errorRate:
            "Error rate > \(Self.number(threshold)) % over \(windowMinutes) min (at least \(minRequests) requests)"
        case .p95Latency:
            "p95 latency > \(Self.number(threshold)) ms over \(windowMinutes) min (at least \(minRequests) requests)"
        case .ingestionFailure: "The last ingestion job finished in the last \(windowMinutes) min failed"
        case .serverDown: "The last \(Int(threshold)) uptime checks failed"
        }
    }

    /// `1`, `0.5`: without a trailing `.0`.
    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%g", value)
    }

    /// A rule's settings as a person enters them, validated (every field's problem at once).
    struct Settings: Sendable, Equatable {
        let serverID: Int64?
        let kind: Kind
        let threshold: Double
        let windowMinutes: Int
        let minRequests: Int
        let notifyEmail: Bool

        static let defaultWindow = 15
        static let defaultMinRequests = 20
        static let maximumWindow = 10080

        /// From the form's fields: `kind`, `server` (a slug of `servers`, or empty for all),
        /// `threshold`, `window_minutes`, `min_requests`, `notify_email`.
        init(form: [String: String], servers: [TenantServer]) throws(AlertRuleError) {
            var errors: [String: String] = [:]
            func text(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespaces) }
            let kind = Kind(rawValue: text("kind"))
            if kind == nil { errors["kind"] = "choose what the rule watches" }
            var serverID: Int64?
            if !text("server").isEmpty {
                serverID = servers.first { $0.slug == text("server") }?.id
                if serverID == nil { errors["server"] = "choose one of the servers, or all of them" }
            }
            func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int) -> Int {
                if text(name).isEmpty { return value }
                guard let number = Int(text(name)), range.contains(number) else {
                    errors[name] = "enter a whole number from \(range.lowerBound) to \(range.upperBound)"
                    return value
                }
                return number
            }
            var threshold = 0.0
            switch kind {
            case .errorRate, .p95Latency:
                let range: ClosedRange<Double> = kind == .errorRate ? 0...100 : 1...60000
                if let number = Double(text("threshold")), number.isFinite, range.contains(number) {
                    threshold = number
                } else {
                    let unit = kind == .errorRate ? "percent" : "milliseconds"
                    errors["threshold"] =
                        "enter \(unit) from \(AlertRule.number(range.lowerBound)) to \(AlertRule.number(range.upperBound))"
                }
            case .serverDown:
                if text("threshold").isEmpty { errors["threshold"] = "enter how many failed checks in a row" }
                threshold = Double(integer("threshold", 1...1440, default: 3))
            case .ingestionFailure, nil: break
            }
            let usesWindow = kind?.usesWindow ?? true
            let usesRequests = kind?.usesRequests ?? true
            let windowMinutes =
                usesWindow ? integer("window_minutes", 1...Self.maximumWindow, default: Self.defaultWindow) : Self.defaultWindow
            let minRequests =
                usesRequests ? integer("min_requests", 1...1_000_000, default: Self.defaultMinRequests) : Self.defaultMinRequests
            guard let kind, errors.isEmpty else { throw AlertRuleError(fields: errors) }
            self.serverID = serverID
            self.kind = kind
            self.threshold = threshold
            self.windowMinutes = windowMinutes
            self.minRequests = minRequests
            self.notifyEmail = form["notify_email"] != nil
        }
    }
}

/// A rule that cannot be saved: a reason per form field, fit to show next to it.
struct AlertRuleError: Error, Equatable {
    let fields: [String: String]
}
