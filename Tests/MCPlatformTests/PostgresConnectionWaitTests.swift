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
        #expect(waited < .seconds(5), "failed after \(waited)")
        await database.close()
    }

    @Test(.enabled(if: Backend.postgresURL != nil))
    func aStatementThatGaveUpNeverRunsLater() async throws {
        try await Backend.postgres.withLocation { location in
            let database = try await location.open(poolSize: 1, connectionWait: .milliseconds(300), logger: .quiet)
            try await database.query("CREATE TABLE marks (label TEXT NOT NULL)")
            let holding = Task {
                try await database.transaction { connection in
                    try await Task.sleep(for: .seconds(1))
                    try await connection.query("INSERT INTO marks (label) VALUES ('held')")
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            await #expect(throws: DatabaseError.self) {
                try await database.query("INSERT INTO marks (label) VALUES ('gave up')")
            }
            try await holding.value
            try await Task.sleep(for: .milliseconds(200))
            let labels = try await database.query("SELECT label FROM marks").map { try $0.decode("label", as: String.self) }
            #expect(labels == ["held"])
            await database.close()
        }
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
