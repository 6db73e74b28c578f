import Foundation
import Testing

@testable import MCPlatform

/// PostgreSQL statements wait a bounded time for a pooled connection and then fail clearly,
/// even while the pool keeps retrying a server that refuses connections.
@Suite struct PostgresConnectionWaitTests {
    @Test func aRefusingServerFailsTheStatementByTheDeadline() async throws {
        let port = try Self.closedPort()
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

    /// A local TCP port nothing listens on.
    private static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
