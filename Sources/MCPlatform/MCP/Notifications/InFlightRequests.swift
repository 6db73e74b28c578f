import Foundation
import MCP
import Synchronization

/// The requests this instance is answering, per MCP session and request id, so that
/// `notifications/cancelled` can stop one. Only requests running on the instance that receives
/// the notification can be cancelled (a notification routed to another instance is ignored, as
/// the specification allows for requests the receiver does not know).
final class InFlightRequests: Sendable {
    private struct Key: Hashable {
        let sessionID: String
        let requestID: ID
    }

    private let running = Mutex<[Key: (token: UInt64, cancel: @Sendable () -> Void)]>([:])
    private let nextToken = Atomic<UInt64>(0)

    /// Runs `work` as request `requestID` of session `sessionID`; nil when it was cancelled
    /// meanwhile (its answer, if any, is dropped: the client no longer expects one).
    func run<T: Sendable>(sessionID: String, requestID: ID, _ work: @escaping @Sendable () async -> T) async -> T? {
        let key = Key(sessionID: sessionID, requestID: requestID)
        let task = Task { await work() }
        let token = nextToken.add(1, ordering: .relaxed).newValue
        running.withLock { $0[key] = (token, { task.cancel() }) }
        defer {
            running.withLock { entries in
                if entries[key]?.token == token { entries[key] = nil }
            }
        }
        let value = await task.value
        return task.isCancelled ? nil : value
    }

    /// Cancels request `requestID` of session `sessionID` if it is running here.
    @discardableResult
    func cancel(sessionID: String, requestID: ID) -> Bool {
        guard let entry = running.withLock({ $0[Key(sessionID: sessionID, requestID: requestID)] }) else { return false }
        entry.cancel()
        return true
    }

    /// How many requests are running (for tests and leak checks).
    var count: Int { running.withLock { $0.count } }

    /// The request a `notifications/cancelled` names (`params.requestId`), if well-formed.
    static func requestID(cancelling params: Value?) -> ID? {
        switch params?.objectValue?["requestId"] {
        case .string(let id)?: .string(id)
        case .int(let id)?: .number(id)
        default: nil
        }
    }
}

extension JSONRPCError {
    /// The error a cancelled request is recorded with (never sent: the client gets no answer).
    public static let requestCancelledCode = -32800

    static let requestCancelled = JSONRPCError(code: requestCancelledCode, message: "Request cancelled")
}
