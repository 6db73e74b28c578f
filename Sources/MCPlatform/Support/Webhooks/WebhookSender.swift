import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers the organizations' webhooks: every instance runs one, polling the queue every
/// second. Deliveries are leased (``WebhookQueue/claimDue(limit:lease:now:)``), so that
/// instances sharing the database never send the same one at once, and a few are sent at a time,
/// so that one slow endpoint does not hold up the others.
///
/// Each attempt POSTs through ``OutboundHTTP`` (no private addresses unless allowed, no
/// redirects followed) within ``timeout``. A 2xx answer delivers; anything else (another status,
/// a redirect, a timeout, a refused connection) is a failed attempt, tried again after
/// `retryBase · 2^(attempts − 1)`, at most an hour, and given up after ``maximumAttempts``.
/// ``disableAfter`` failed attempts in a row turn the webhook off.
struct WebhookSender: Service {
    let queue: WebhookQueue
    let secretKey: SecretKey
    let http: OutboundHTTP
    /// The wait before the first retry (`--webhook-retry-seconds`).
    let retryBase: TimeInterval
    let logger: Logger
    /// How long an endpoint has to answer.
    var timeout: TimeAmount = .seconds(10)
    var pollInterval: Duration = .seconds(1)

    static let maximumAttempts = 8
    static let disableAfter = 15
    static let maximumDelay: TimeInterval = 3600
    /// How long a claimed delivery is this instance's: longer than an attempt can take.
    static let lease: TimeInterval = 60
    static let concurrentDeliveries = 8

    func run() async throws {
        logger.info("delivering webhooks", metadata: ["webhooks.retry_seconds": "\(retryBase)"])
        await repeatUntilShutdown(every: pollInterval) {
            // Shutdown cancels whatever this waits on, a database that stopped answering included.
            // A delivery interrupted then is sent again once its lease has run out.
            await cancelWhenGracefulShutdown { await deliverDue() }
        }
    }

    /// Sends what is due until nothing is; at `now` when given (tests), else as time goes by.
    func deliverDue(at now: Date? = nil) async {
        do {
            while !Task.isCancelled {
                let time = now ?? Date()
                let claims = try await queue.claimDue(limit: Self.concurrentDeliveries, lease: Self.lease, now: time)
                if claims.isEmpty { return }
                await withTaskGroup(of: Void.self) { group in
                    for claim in claims { group.addTask { await deliver(claim, at: time) } }
                }
            }
        } catch {
            if !Task.isCancelled { logger.warning("webhook delivery error", metadata: ["error": .string(String(describing: error))]) }
        }
    }

    /// Sends one claimed delivery and records the attempt, unless it was interrupted (by shutdown).
    func deliver(_ claim: WebhookQueue.Claim, at now: Date) async {
        let (attempt, body) = await send(claim, at: now)
        let number = claim.delivery.attempts + 1
        var metadata: Logger.Metadata = [
            "webhook.id": "\(claim.delivery.webhookID)", "webhook.delivery": "\(claim.delivery.id)", "webhook.attempt": "\(number)",
            "webhook.result": .string(attempt.summary),
        ]
        do {
            if !attempt.succeeded, Task.isCancelled { return }
            let retryAt =
                attempt.succeeded || number >= Self.maximumAttempts
                ? nil : now.addingTimeInterval(Self.retryDelay(afterAttempt: number, base: retryBase))
            let outcome = WebhookQueue.Outcome(attempt: attempt, responseBody: body, retryAt: retryAt)
            let disabledReason = try await queue.record(outcome, of: claim, disableAfter: Self.disableAfter)
            if attempt.succeeded {
                logger.info("webhook delivered", metadata: metadata)
            } else if let retryAt {
                metadata["webhook.retry_at"] = .string(retryAt.formatted(.iso8601))
                logger.notice("webhook delivery failed; will retry", metadata: metadata)
            } else {
                logger.warning("webhook delivery failed; given up", metadata: metadata)
            }
            if let disabledReason {
                metadata["webhook.disabled_reason"] = .string(disabledReason)
                logger.warning("webhook turned off after repeated failures", metadata: metadata)
            }
        } catch {
            metadata["error"] = .string(String(describing: error))
            logger.error("webhook delivery not recorded", metadata: metadata)
        }
    }

    /// POSTs the delivery; returns the attempt and the start of the answer's body.
    private func send(_ claim: WebhookQueue.Claim, at now: Date) async -> (WebhookDelivery.Attempt, String?) {
        func failure(_ error: String) -> (WebhookDelivery.Attempt, String?) {
            (WebhookDelivery.Attempt(at: now, responseStatus: nil, error: error), nil)
        }
        guard let secret = try? secretKey.open(claim.sealedSecret, purpose: WebhookStore.secretPurpose) else {
            return failure("the webhook's secret cannot be read (was the platform's secret key changed?): rotate it")
        }
        guard let request = WebhookRequest.make(claim, secret: secret, timestamp: now, timeout: timeout) else {
            return failure("not a URL")
        }
        do {
            let response = try await http.send(request)
            var error: String?
            if (300..<400).contains(response.status) {
                error = response.headers.first(name: "Location").map { "redirect to \($0) (not followed)" } ?? "redirect (not followed)"
            }
            let body = String(decoding: response.body, as: UTF8.self)
            return (WebhookDelivery.Attempt(at: now, responseStatus: response.status, error: error), body.isEmpty ? nil : body)
        } catch {
            return failure(String(describing: error))
        }
    }

    /// `base` after the first attempt, twice as long after each further one, at most ``maximumDelay``.
    static func retryDelay(afterAttempt attempt: Int, base: TimeInterval) -> TimeInterval {
        min(base * pow(2, Double(max(attempt, 1) - 1)), maximumDelay)
    }
}
