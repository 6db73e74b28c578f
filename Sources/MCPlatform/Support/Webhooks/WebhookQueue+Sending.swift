import Foundation

/// The sending side of the queue, used by ``WebhookSender``: claims with a lease, outcomes,
/// and the purge of old deliveries.
extension WebhookQueue {
    /// A due delivery leased to this instance, with what it takes to send it.
    struct Claim: Sendable {
        let delivery: WebhookDelivery
        let url: String
        let format: Webhook.Format
        /// The webhook's sealed secret.
        let sealedSecret: String
        /// Until when the delivery is this instance's: also the token that proves it when the outcome is recorded.
        let lease: Date
    }

    /// Leases up to `limit` due deliveries of enabled webhooks to the caller, oldest first.
    /// Each lease is a conditional update, so that instances sharing the database never hold the
    /// same delivery at once; a delivery whose sender died is due again when its lease ends.
    func claimDue(limit: Int, lease: TimeInterval, now: Date = Date()) async throws -> [Claim] {
        let candidates = try await database.query(
            """
            SELECT \(raw: WebhookDelivery.columns.split(separator: ", ").map { "d." + $0 }.joined(separator: ", ")),
              w.url, w.format, w.secret
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= \(now) AND (d.claimed_until IS NULL OR d.claimed_until <= \(now))
              AND w.enabled = \(true)
            ORDER BY d.next_attempt_at, d.id LIMIT \(limit)
            """)
        let until = now.addingTimeInterval(lease)
        var claims: [Claim] = []
        for row in candidates {
            let delivery = try WebhookDelivery(row: row)
            let leased = try await database.query(
                """
                UPDATE webhook_deliveries SET claimed_until = \(until)
                WHERE id = \(delivery.id) AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= \(now))
                RETURNING id
                """)
            guard !leased.isEmpty else { continue }
            claims.append(
                Claim(
                    delivery: delivery, url: try row.decode("url"), format: Webhook.Format(rawValue: try row.decode("format")) ?? .json,
                    sealedSecret: try row.decode("secret"), lease: until))
        }
        return claims
    }

    /// What became of one attempt.
    struct Outcome: Sendable {
        let attempt: WebhookDelivery.Attempt
        /// The first bytes of the answer's body.
        let responseBody: String?
        /// When to try again; nil: delivered (when the attempt succeeded) or given up.
        let retryAt: Date?
    }

    /// Records the attempt of a claimed delivery and counts it for its webhook: a success resets
    /// the webhook's consecutive failures, a failure adds one and, at `disableAfter`, turns the
    /// webhook off. Returns the webhook's reason for being turned off when this attempt did so.
    /// Nothing is recorded when the lease was lost (it ran out and another instance took over).
    @discardableResult
    func record(_ outcome: Outcome, of claim: Claim, disableAfter: Int) async throws -> String? {
        let delivered = outcome.attempt.succeeded
        let status: WebhookDelivery.Status = delivered ? .delivered : (outcome.retryAt == nil ? .failed : .pending)
        let log = WebhookDelivery.encodeLog(claim.delivery.attemptLog + [outcome.attempt])
        return try await database.transaction { db in
            let updated = try await db.query(
                """
                UPDATE webhook_deliveries SET status = \(status.rawValue), attempts = attempts + 1, next_attempt_at = \(outcome.retryAt),
                  claimed_until = NULL, response_status = \(outcome.attempt.responseStatus), response_body = \(outcome.responseBody),
                  error = \(outcome.attempt.error), attempt_log = \(log), delivered_at = \(delivered ? outcome.attempt.at : nil)
                WHERE id = \(claim.delivery.id) AND claimed_until = \(claim.lease)
                RETURNING id
                """)
            guard !updated.isEmpty else { return nil }
            if delivered {
                try await db.query("UPDATE webhooks SET consecutive_failures = 0 WHERE id = \(claim.delivery.webhookID)")
                return nil
            }
            let reason = "Turned off after \(disableAfter) failed attempts in a row (the last: \(outcome.attempt.summary))."
            try await db.query(
                "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = \(claim.delivery.webhookID)")
            let disabled = try await db.query(
                """
                UPDATE webhooks SET enabled = \(false), disabled_reason = \(reason), updated_at = \(outcome.attempt.at)
                WHERE id = \(claim.delivery.webhookID) AND enabled = \(true) AND consecutive_failures >= \(disableAfter)
                RETURNING id
                """)
            return disabled.isEmpty ? nil : reason
        }
    }

    /// Deletes deliveries queued before `cutoff`, whatever their state; returns how many.
    @discardableResult
    func purge(before cutoff: Date) async throws -> Int {
        try await database.query("DELETE FROM webhook_deliveries WHERE created_at < \(cutoff) RETURNING id").count
    }
}
