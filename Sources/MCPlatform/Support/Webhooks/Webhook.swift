import Foundation

/// An organization's endpoint for ticket and alert events (docs/support.md#webhooks): where they are
/// POSTed, in which format, which events, and whether it is on. Its secret is not part of it:
/// sealed in the database, shown once (at creation and when rotated).
struct Webhook: Sendable, Equatable {
    let id: Int64
    let organizationID: Int64
    let url: String
    let format: Format
    /// The events it receives, in ``WebhookEvent`` order.
    let events: [WebhookEvent]
    let enabled: Bool
    /// Failed attempts since its last successful delivery.
    let consecutiveFailures: Int
    /// Why it is off (a person turned it off, or too many failures); nil when enabled.
    let disabledReason: String?
    let createdAt: Date
    let updatedAt: Date
    /// The state of its newest delivery, and when that was queued; nil before the first.
    let lastDeliveryStatus: WebhookDelivery.Status?
    let lastDeliveryAt: Date?

    /// What is POSTed.
    enum Format: String, Sendable, CaseIterable {
        /// The event's JSON payload.
        case json
        /// `{"text": …}`: one readable paragraph, for Slack-compatible incoming webhooks.
        case slack

        var label: String {
            switch self {
            case .json: "JSON"
            case .slack: "Slack"
            }
        }
    }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        organizationID = try row.decode("organization_id")
        url = try row.decode("url")
        format = Format(rawValue: try row.decode("format")) ?? .json
        events = Self.events(stored: try row.decode("events"))
        enabled = try row.decode("enabled")
        consecutiveFailures = Int(try row.decode("consecutive_failures", as: Int64.self))
        disabledReason = try row.decode("disabled_reason")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
        lastDeliveryStatus = (try row.decode("last_status", as: String?.self)).flatMap(WebhookDelivery.Status.init)
        lastDeliveryAt = try row.decode("last_at")
    }

    /// The `events` column: names separated by commas (what ``WebhookQueue/enqueue(_:organizationID:on:now:)`` matches).
    static func events(stored: String) -> [WebhookEvent] {
        let names = Set(stored.split(separator: ",").map(String.init))
        return WebhookEvent.allCases.filter { names.contains($0.rawValue) }
    }

    /// A webhook's settings as a person enters them, validated.
    struct Settings: Sendable, Equatable {
        let url: String
        let format: Format
        let events: [WebhookEvent]

        static let maximumURLLength = 2000

        /// - Parameter allowHTTP: whether plain `http` URLs are accepted (when the platform may
        ///   reach private networks: tests and on-premises set-ups); otherwise `https` only.
        init(url: String, format: String, events: [String], allowHTTP: Bool) throws(WebhookError) {
            let url = url.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !url.isEmpty else { throw .url("enter the URL to POST events to") }
            guard url.count <= Self.maximumURLLength else { throw .url("at most \(Self.maximumURLLength) characters") }
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host, !host.isEmpty,
                parsed.user == nil, parsed.password == nil
            else {
                throw .url("enter a full URL such as https://hooks.example.com/mcplatform")
            }
            guard scheme == "https" || (scheme == "http" && allowHTTP) else { throw .url("the URL must start with https://") }
            guard let format = Format(rawValue: format) else { throw .format }
            let chosen = Set(events)
            let events = WebhookEvent.allCases.filter { chosen.contains($0.rawValue) }
            guard !events.isEmpty, events.count == chosen.count else { throw .events }
            self.url = url
            self.format = format
            self.events = events
        }
    }
}

/// A webhook that cannot be saved; `description` is fit to show next to the field.
enum WebhookError: Error, Equatable, CustomStringConvertible {
    case url(String)
    case format
    case events
    /// The organization has ``WebhookStore/maximumPerOrganization`` already.
    case limit

    /// The form field it is about.
    var field: String {
        switch self {
        case .url: "url"
        case .format: "format"
        case .events: "events"
        case .limit: "url"
        }
    }

    var description: String {
        switch self {
        case .url(let reason): reason
        case .format: "choose JSON or Slack"
        case .events: "choose at least one event"
        case .limit: "an organization has at most \(WebhookStore.maximumPerOrganization) webhooks: delete one first"
        }
    }
}
