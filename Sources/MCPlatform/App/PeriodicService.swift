import ServiceLifecycle
import Synchronization

/// Runs `body`, then waits `interval`, until graceful shutdown begins (which also cuts the wait
/// short). For background services such as sweepers and workers.
func repeatUntilShutdown(every interval: Duration, _ body: () async -> Void) async {
    while !Task.isShuttingDownGracefully {
        await body()
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
            return
        }
    }
}

/// Runs `operation` and waits for it at most `timeout`; returns whether it finished in time.
/// An operation that overruns keeps going in the background: for work a shutdown must not wait
/// on indefinitely (a flush to a database that has gone away).
func waitAtMost(_ timeout: Duration, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    final class Outcome: Sendable {
        let continuation: Mutex<CheckedContinuation<Bool, Never>?>
        init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = Mutex(continuation) }
        func resume(_ finished: Bool) { continuation.withLock { $0.take() }?.resume(returning: finished) }
    }
    return await withCheckedContinuation { continuation in
        let outcome = Outcome(continuation)
        Task {
            await operation()
            outcome.resume(true)
        }
        Task {
            try? await Task.sleep(for: timeout)
            outcome.resume(false)
        }
    }
}
