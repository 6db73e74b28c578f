import Foundation

/// One event queued for one webhook: sent until it is delivered (a 2xx answer) or given up
/// after ``WebhookSender/maximumAttempts``; every attempt is kept in its log.
struct WebhookDelivery: Sendable, Equatable {
    let id: Int64
    let webhookID: Int64
    /// A ``WebhookEvent`` raw value.
    let event: String
    /// The event's JSON (``WebhookPayload/json()``): the body in the JSON format.
    let payload: String
    let status: Status
    let attempts: Int
    /// When it is tried next; nil once delivered or failed.
    let nextAttemptAt: Date?
    /// The last attempt's answer: its status and the first 2 KiB of its body…
    let responseStatus: Int?
    let responseBody: String?
    /// …or why there was none (a timeout, a refused connection, a redirect).
    let error: String?
    /// Every attempt, oldest first.
    let attemptLog: [Attempt]
    let createdAt: Date
    let deliveredAt: Date?

    enum Status: String, Sendable, CaseIterable {
        case pending, delivered, failed
    }

    /// One POST and its outcome.
    struct Attempt: Sendable, Equatable, Codable {
        let at: Date
        /// The answer's HTTP status, when there was one.
        let responseStatus: Int?
        /// What went wrong other than the status: a redirect, a timeout, a refusal.
        let error: String?

        enum CodingKeys: String, CodingKey {
            case at, responseStatus = "response_status", error
        }

        var succeeded: Bool { error == nil && (200..<300).contains(responseStatus ?? 0) }

        /// `HTTP 200`, `HTTP 302: redirect to …`, or the error.
        var summary: String {
            switch (responseStatus, error) {
            case (let status?, let error?): "HTTP \(status): \(error)"
            case (let status?, nil): "HTTP \(status)"
            case (nil, let error?): error
            case (nil, nil): "no answer"
            }
        }
    }

    /// Whether it carries the sample event of "Send test event".
    var isTest: Bool {
        (try? SupportEvent.decode(json: payload))?.test == true
    }

    static let columns =
        "id, webhook_id, event, payload, status, attempts, next_attempt_at, response_status, response_body, error, attempt_log, created_at, delivered_at"

    init(row: SQLRow) throws {
        id = try row.decode("id")
        webhookID = try row.decode("webhook_id")
        event = try row.decode("event")
        payload = try row.decode("payload")
        status = Status(rawValue: try row.decode("status")) ?? .pending
        attempts = Int(try row.decode("attempts", as: Int64.self))
        nextAttemptAt = try row.decode("next_attempt_at")
        responseStatus = (try row.decode("response_status", as: Int64?.self)).map(Int.init)
        responseBody = try row.decode("response_body")
        error = try row.decode("error")
        attemptLog = Self.decodeLog(try row.decode("attempt_log"))
        createdAt = try row.decode("created_at")
        deliveredAt = try row.decode("delivered_at")
    }

    /// The `attempt_log` column: a JSON array of attempts, dates in Unix milliseconds.
    static func encodeLog(_ log: [Attempt]) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(log)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeLog(_ json: String) -> [Attempt] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return (try? decoder.decode([Attempt].self, from: Data(json.utf8))) ?? []
    }
}
