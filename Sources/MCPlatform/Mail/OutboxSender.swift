import Foundation
import Logging
import ServiceLifecycle

/// Delivers the ``Outbox`` through the SMTP relay: every instance runs one when `--smtp-url` is
/// set; the claim in ``Outbox/claimNext(now:)`` hands each message to one instance at a time.
///
/// A sent message is marked sent; a failed one keeps its error for the operator console and is
/// tried again later, or given up at once on a permanent (5xx) refusal. Graceful shutdown
/// interrupts a delivery in progress, which is then tried again.
struct OutboxSender: Service {
    let outbox: Outbox
    let client: SMTPClient
    let from: MailAddress
    let pollInterval: Duration
    let logger: Logger

    func run() async throws {
        logger.info("delivering email", metadata: ["smtp": .string(client.configuration.redactedURL), "from": .string(from.description)])
        await repeatUntilShutdown(every: pollInterval) {
            do {
                while !Task.isShuttingDownGracefully, let message = try await outbox.claimNext() {
                    try await deliver(message)
                }
            } catch {
                logger.warning("email delivery error", metadata: ["error": .string(String(describing: error))])
            }
        }
    }

    /// Sends one claimed message and records the outcome.
    func deliver(_ message: Outbox.Message) async throws {
        let metadata: Logger.Metadata = ["email.id": "\(message.id)", "email.attempt": "\(message.attempts)"]
        let error: SMTPError
        do {
            let mail = MailMessage(
                from: from, to: try MailAddress(address: message.to), subject: message.subject, body: message.body, date: Date())
            let client = client
            try await cancelWhenGracefulShutdown { try await client.send(mail) }
            try await outbox.markSent(id: message.id)
            logger.info("email sent", metadata: metadata)
            return
        } catch let failure as SMTPError {
            error = failure
        } catch let failure as MailFormatError {
            error = .invalidMessage(failure.description)
        } catch is CancellationError {
            error = .connection("interrupted by the shutdown of this instance")
        }
        var details = metadata
        details["error"] = .string(error.description)
        if let retry = try await outbox.markFailed(message, error: error.description, permanent: error.isPermanent) {
            details["email.retry_at"] = .string(retry.formatted(.iso8601))
            logger.warning("email not sent; will retry", metadata: details)
        } else {
            logger.error("email not sent; given up", metadata: details)
        }
    }
}
