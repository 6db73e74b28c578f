import Foundation
import MCP

/// A ticket as the end user's agent sees it: status and public activity, never internal notes.
struct TicketView: Codable {
    let number: Int
    let title: String
    let status: String
    let severity: String
    /// ISO 8601, as the output schema says (a `Date` would encode as a number).
    let createdAt: String
    let replies: [Reply]
    let next: String

    struct Reply: Codable {
        let kind: String
        let author: String?
        let text: String
        let at: String
    }

    /// The tool result: a readable text for the model and the structured view.
    static func result(for ticket: Ticket, events: [TicketEvent], lead: String, next: String) throws -> CallTool.Result {
        let replies = events.compactMap { event -> Reply? in
            switch event.kind {
            case .reply: Reply(kind: "reply", author: event.authorName, text: event.body ?? "", at: Self.timestamp(event.createdAt))
            case .status:
                Reply(
                    kind: "status", author: event.authorName,
                    text: "Status changed to \(Ticket.Status(rawValue: event.newValue ?? "")?.label.lowercased() ?? event.newValue ?? "")",
                    at: Self.timestamp(event.createdAt))
            default: nil
            }
        }
        var lines = [lead, "Status: \(ticket.status.label.lowercased()) · severity \(ticket.severity.rawValue)"]
        for reply in replies {
            let who = reply.author ?? "Support"
            lines.append(
                reply.kind == "reply" ? "\n\(who) replied (\(reply.at)):\n\(reply.text)" : "\n\(reply.text) by \(who).")
        }
        lines.append("\nNext: \(next)")
        let view = TicketView(
            number: ticket.number, title: ticket.title, status: ticket.status.rawValue, severity: ticket.severity.rawValue,
            createdAt: Self.timestamp(ticket.createdAt), replies: replies, next: next)
        return try CallTool.Result(
            content: [.text(text: lines.joined(separator: "\n"), annotations: nil, _meta: nil)], structuredContent: view)
    }

    /// A date as structured results carry it: ISO 8601 in UTC, whole seconds.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static let schema: Value = [
        "type": "object",
        "properties": [
            "number": ["type": "integer"], "title": ["type": "string"],
            "status": ["type": "string", "enum": .array(Ticket.Status.allCases.map { .string($0.rawValue) })],
            "severity": ["type": "string"], "createdAt": ["type": "string"],
            "replies": [
                "type": "array",
                "items": [
                    "type": "object",
                    "properties": [
                        "kind": ["type": "string", "enum": ["reply", "status"]], "author": ["type": ["string", "null"]],
                        "text": ["type": "string"], "at": ["type": "string"],
                    ],
                    "required": ["kind", "text", "at"],
                ],
            ],
            "next": ["type": "string"],
        ],
        "required": ["number", "title", "status", "severity", "createdAt", "replies", "next"],
    ]
}
