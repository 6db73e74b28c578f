import Synchronization

/// Runs `body`, and `duration` after the start asks `expired` whether to give up: an error it
/// returns is thrown at once and `body` is cancelled; `nil` lets `body` run on. The answer never
/// waits for a `body` that ignores cancellation (PostgresNIO's pool keeps retrying a database that
/// refuses connections, and no task group could return before it gives up): `body` is left to
/// finish on its own. Cancelling the caller cancels `body`.
func withDeadline<T: Sendable>(
    _ duration: Duration,
    expired: @escaping @Sendable () -> (any Error)?,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.begin(continuation)
            race.track(
                work: Task { race.settle(await Result(catching: body)) },
                timer: Task {
                    guard (try? await Task.sleep(for: duration)) != nil, let error = expired() else { return }
                    race.settle(.failure(error))
                })
        }
    } onCancel: {
        race.cancel()
    }
}

/// Thrown by ``withDeadline(_:expired:_:)`` callers that simply time out.
struct TimeoutError: Error {}

/// The shared state of one ``withDeadline(_:expired:_:)``: resumes its continuation with the
/// first outcome and cancels both tasks then; later outcomes are dropped.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var cancelled = false
    }
    private let state = Mutex(State())

    /// Called first, before either task exists; the race is over once the continuation is gone.
    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Keeps the tasks to cancel; cancels them at once when the race is already over or the
    /// caller was cancelled before they existed.
    func track(work: Task<Void, Never>, timer: Task<Void, Never>) {
        let (settled, cancelled) = state.withLock { state in
            state.work = work
            state.timer = timer
            return (state.continuation == nil, state.cancelled)
        }
        if settled { timer.cancel() }
        if cancelled { work.cancel() }
    }

    func settle(_ result: Result<T, any Error>) {
        let (continuation, work, timer) = state.withLock { state in
            (state.continuation.take(), state.work, state.timer)
        }
        guard let continuation else { return }
        work?.cancel()
        timer?.cancel()
        continuation.resume(with: result)
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            return state.work
        }?.cancel()
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing `body`.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
