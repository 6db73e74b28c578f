import Hummingbird
import Logging

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

/// Runs `body`, giving up with ``TimeoutError`` after `duration`.
func withTimeout<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
