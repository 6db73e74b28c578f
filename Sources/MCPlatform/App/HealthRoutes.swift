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
                try await withDeadline(.seconds(2), expired: { TimeoutError() }) { try await database.ping() }
                return JSONResponse.make(.ok, ["status": "ready", "database": "ok"])
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": .string(String(describing: error))])
                return JSONResponse.make(.serviceUnavailable, ["status": "unavailable", "database": "unreachable"])
            }
        }
    }
}
