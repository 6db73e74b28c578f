import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// The POST of one delivery attempt (docs/support.md#webhooks): the body in the webhook's
/// format (a ticket's or an alert's event), and headers naming the event and the delivery, signed with the webhook's secret.
enum WebhookRequest {
    static let userAgent = "MCPlatform-Webhooks/1"
    /// How much of an answer's body is kept in the delivery log.
    static let maximumResponseBytes = 2048

    static func make(_ claim: WebhookQueue.Claim, secret: String, timestamp: Date, timeout: TimeAmount) -> OutboundHTTP.Request? {
        guard let url = URL(string: claim.url) else { return nil }
        let body = body(format: claim.format, payload: claim.delivery.payload)
        return OutboundHTTP.Request(
            url: url, method: .POST,
            headers: [
                ("Content-Type", "application/json"),
                ("User-Agent", userAgent),
                ("X-MCPlatform-Event", claim.delivery.event),
                ("X-MCPlatform-Delivery", String(claim.delivery.id)),
                ("X-MCPlatform-Signature", signature(secret: secret, timestamp: timestamp, body: body)),
            ],
            body: Data(body.utf8), maximumBytes: maximumResponseBytes, truncatesBody: true, timeout: timeout)
    }

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret's UTF-8 bytes>`.
    static func signature(secret: String, timestamp: Date, body: String) -> String {
        let seconds = Int64(timestamp.timeIntervalSince1970.rounded(.down))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(seconds).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(seconds),v1=\(mac.hexEncoded)"
    }

    /// The event's JSON as it is, or for Slack `{"text": …}`.
    static func body(format: Webhook.Format, payload: String) -> String {
        switch format {
        case .json:
            return payload
        case .slack:
            let text =
                (try? SupportEvent.decode(json: payload)).map(slackText) ?? (try? AlertEvent.decode(json: payload))?.slackText
                ?? "MCPlatform sent an event it could not describe."
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(["text": text])) ?? Data("{}".utf8), as: UTF8.self)
        }
    }

    /// One paragraph in Slack's markup: what happened to which ticket, with a link to it.
    static func slackText(_ event: SupportEvent) -> String {
        let ticket = event.ticket
        let link = "<\(ticket.url)|#\(ticket.number) \(slackEscaped(ticket.title))>"
        let server = "*\(slackEscaped(event.server.name))*"
        let text: String
        switch event.event {
        case .ticketCreated:
            let reporter = ticket.reporterEmail.map { ", from \(slackEscaped($0))" } ?? ""
            text =
                "New support ticket \(link) on \(server) (\(ticket.severity.rawValue) severity\(reporter)): \(excerpt(ticket.description))"
        case .ticketCommented:
            let comment = event.comment
            let kind = comment?.isPublic == true ? "replied to" : "added an internal note to"
            text = "\(slackEscaped(comment?.author ?? "Someone")) \(kind) \(link) on \(server): \(excerpt(comment?.body ?? ""))"
        case .ticketStatusChanged:
            let change = event.change
            text =
                "\(slackEscaped(change?.author ?? "Someone")) moved \(link) on \(server) from \(change?.from.label ?? "?") to \(change?.to.label ?? ticket.status.label)."
        }
        return (event.test == true ? "[Test event] " : "") + text
    }

    /// The first 200 characters of `text` on one line, escaped.
    private static func excerpt(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return slackEscaped(line.count > 200 ? String(line.prefix(199)) + "…" : line)
    }

    /// Slack reads `&`, `<` and `>` as markup.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
