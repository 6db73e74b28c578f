import ServiceLifecycle

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
