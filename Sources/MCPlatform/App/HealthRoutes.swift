import Hummingbird
import Logging
import Synchronization

/// `/healthz`: the process is up. `/readyz`: the database answers (within two seconds), so a load
/// balancer stops sending traffic to an instance that has lost it.
struct HealthRoutes {
    let database: any Database

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(.ok, ["status": "ok", "version": Platform.version])
        }
        router.get("/readyz") { _, context in
            do {
                try await withTimeout(.seconds(2)) { try await database.ping() }
                return JSONResponse.make(.ok, ["status": "ready", "database": "ok"])
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": .string(String(describing: error))])
                return JSONResponse.make(.serviceUnavailable, ["status": "unavailable", "database": "unreachable"])
            }
        }
    }
}

struct TimeoutError: Error {}

/// Runs `body`, giving up with ``TimeoutError`` after `duration`. The answer never waits for a
/// `body` that ignores cancellation (a connection pool retrying a database that refuses
/// connections): `body` is cancelled and left to finish on its own.
func withTimeout<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.install(continuation)
        let work = Task { outcome.settle(await Result(catching: { try await body() })) }
        Task {
            try? await Task.sleep(for: duration)
            work.cancel()
            outcome.settle(.failure(TimeoutError()))
        }
    }
}

/// Resumes a continuation with the first outcome it is given; later ones are dropped.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func settle(_ result: Result<T, any Error>) {
        let waiting = continuation.withLock { waiting in
            defer { waiting = nil }
            return waiting
        }
        waiting?.resume(with: result)
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing `body`.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
