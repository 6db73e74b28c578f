import Foundation
import Testing

@testable import MCPlatform

/// PostgreSQL statements wait a bounded time for a pooled connection and then fail clearly,
/// even while the pool keeps retrying a server that refuses connections.
@Suite struct PostgresConnectionWaitTests {
    @Test func aRefusingServerFailsTheStatementByTheDeadline() async throws {
        let listener = try await UpstreamTimeoutTests.SilentServer()
        let port = listener.port
        await listener.stop()  // a local port nothing listens on any more
        let database = try await PostgresDatabase(
            url: "postgres://postgres@127.0.0.1:\(port)/nothing", poolSize: 1, connectionWait: .milliseconds(500), logger: .quiet)
        let started = ContinuousClock.now
        await #expect(throws: DatabaseError.self) { try await database.ping() }
        let waited = ContinuousClock.now - started
        #expect(waited < .seconds(30), "failed after \(waited)")  // 0.5 s; generous for a loaded machine
        await database.close()
    }

    @Test(.enabled(if: Backend.postgresURL != nil))
    func aStatementThatGaveUpNeverRunsLater() async throws {
        try await Backend.postgres.withLocation { location in
            let database = try await location.open(poolSize: 1, connectionWait: .seconds(2), logger: .quiet)
            try await Self.retrying { try await database.query("CREATE TABLE marks (label TEXT NOT NULL)") }
            let (inside, entered) = AsyncStream<Void>.makeStream()
            let holding = Task {
                try await database.transaction { connection in
                    entered.yield()
                    try await Task.sleep(for: .seconds(4))
                    try await connection.query("INSERT INTO marks (label) VALUES ('held')")
                }
            }
            for await _ in inside { break }  // the only connection is taken
            await #expect(throws: DatabaseError.self) {
                try await database.query("INSERT INTO marks (label) VALUES ('gave up')")
            }
            try await holding.value
            try await Task.sleep(for: .milliseconds(500))
            let labels = try await database.query("SELECT label FROM marks").map { try $0.decode("label", as: String.self) }
            #expect(labels == ["held"])
            await database.close()
        }
    }

    /// `body`, tried again while the pool's first connection is still being made on a loaded machine.
    private static func retrying(_ body: () async throws -> Void) async throws {
        for _ in 1..<30 {
            do { return try await body() } catch DatabaseError.unavailable { continue }
        }
        try await body()
    }
}
