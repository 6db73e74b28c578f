import Foundation
import Testing

@testable import MCPlatform

/// The storage conformance suite: every test runs against each available backend.
@Suite struct StorageTests {
    @Test(arguments: Backend.available)
    func migrationsApplyFromEmptyAndRerunAsNoOp(backend: Backend) async throws {
        try await backend.withDatabase(migrate: false) { database in
            let migrator = Migrator()
            #expect(try await migrator.appliedVersions(database) == [])
            let first = try await migrator.migrate(database)
            #expect(first.map(\.version) == Migrations.all.map(\.version))
            let second = try await migrator.migrate(database)
            #expect(second.isEmpty)
            #expect(try await migrator.appliedVersions(database) == Migrations.all.map(\.version))
            // The tenancy schema is there and usable.
            let organization = try await TenancyStore(database: database).createOrganization(slug: Slug("acme"), name: "Acme")
            #expect(organization.slug == "acme")
        }
    }

    @Test(arguments: Backend.available)
    func concurrentMigratorsApplyEachMigrationOnce(backend: Backend) async throws {
        try await backend.withDatabase(migrate: false) { database in
            let applied = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await Migrator().migrate(database).count } }
                return try await group.reduce(0, +)
            }
            #expect(applied == Migrations.all.count)
        }
    }

    @Test(arguments: Backend.available)
    func valuesRoundTripInEveryStorageClass(backend: Backend) async throws {
        try await backend.withDatabase { database in
            try await database.query("CREATE TABLE sample (i BIGINT, d DOUBLE PRECISION, t TEXT, b \(raw: database.dialect.blob))")
            let text = "quote ' double \" backslash \\ emoji 🎉 nul-free ünïcode ?$1"
            let bytes: [UInt8] = [0, 1, 2, 255, 0x27, 0x3F]
            try await database.query("INSERT INTO sample (i, d, t, b) VALUES (\(Int64.max), \(1.5), \(text), \(bytes))")
            try await database.query("INSERT INTO sample (i, d, t, b) VALUES (\(Int64.min), \(-0.25), \(String?.none), \([UInt8]?.none))")
            let rows = try await database.query("SELECT i, d, t, b FROM sample ORDER BY i DESC")
            #expect(rows.count == 2)
            #expect(try rows[0].decode("i", as: Int64.self) == .max)
            #expect(try rows[0].decode("d", as: Double.self) == 1.5)
            #expect(try rows[0].decode("t", as: String.self) == text)
            #expect(try rows[0].decode("b", as: [UInt8].self) == bytes)
            #expect(try rows[1].decode("i", as: Int64.self) == .min)
            #expect(try rows[1].decode("t", as: String?.self) == nil)
            #expect(try rows[1].decode("b", as: [UInt8]?.self) == nil)
            #expect(try await database.one("SELECT CAST(2.5 AS NUMERIC) AS n").decode("n", as: Double.self) == 2.5)
            #expect(throws: DatabaseError.self) { try rows[0].decode("t", as: Int64.self) }
            #expect(throws: DatabaseError.self) { try rows[0].decode("missing", as: Int64.self) }
        }
    }

    @Test(arguments: Backend.available)
    func constraintViolationsMapToPortableErrors(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let tenancy = TenancyStore(database: database)
            let organization = try await tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            await #expect(throws: DatabaseError.self) {
                try await database.query("INSERT INTO organizations (slug, name, created_at) VALUES ('acme', 'Again', 0)")
            }
            do {
                try await database.query("INSERT INTO organizations (slug, name, created_at) VALUES ('acme', 'Again', 0)")
                Issue.record("duplicate slug accepted")
            } catch DatabaseError.uniqueViolation {
            } catch {
                Issue.record("expected uniqueViolation, got \(error)")
            }
            do {
                try await database.query(
                    "INSERT INTO mcp_servers (organization_id, slug, name, created_at, updated_at) VALUES (\(organization.id + 999), 'orphan', 'x', 0, 0)"
                )
                Issue.record("dangling foreign key accepted")
            } catch DatabaseError.constraintViolation {
            } catch {
                Issue.record("expected constraintViolation, got \(error)")
            }
        }
    }

    @Test(arguments: Backend.available)
    func transactionsCommitOrRollBackAsAWhole(backend: Backend) async throws {
        struct Abort: Error {}
        try await backend.withDatabase { database in
            try await database.query("CREATE TABLE counter (n BIGINT NOT NULL)")
            try await database.query("INSERT INTO counter (n) VALUES (0)")
            await #expect(throws: Abort.self) {
                try await database.transaction { db in
                    try await db.query("UPDATE counter SET n = n + 100")
                    throw Abort()
                }
            }
            #expect(try await database.first("SELECT n FROM counter")?.decode("n", as: Int.self) == 0)

            // Read-modify-write in concurrent transactions: none may be lost.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await database.transaction { db in
                            let dialectLock: SQLStatement = db.dialect == .postgres ? " FOR UPDATE" : ""
                            let n = try await db.first("SELECT n FROM counter" + dialectLock)!.decode("n", as: Int.self)
                            try await db.query("UPDATE counter SET n = \(n + 1)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await database.first("SELECT n FROM counter")?.decode("n", as: Int.self) == 20)
        }
    }

    @Test(arguments: Backend.available)
    func tenancyStoreCreatesListsAndDeletes(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let tenancy = TenancyStore(database: database)
            let acme = try await tenancy.createOrganization(slug: Slug("acme"), name: "  Acme Inc  ")
            #expect(acme.name == "Acme Inc")
            let globex = try await tenancy.createOrganization(slug: Slug("globex"), name: "")
            #expect(globex.name == "globex")
            await #expect(throws: TenancyError.self) { try await tenancy.createOrganization(slug: Slug("acme"), name: "x") }

            let settings = ServerSettings(allowedOrigins: ["https://docs.acme.dev"], description: "Acme SDK docs")
            let server = try await tenancy.createServer(
                slug: Slug("acme-docs"), name: "Acme Docs", organization: acme, authMode: .oauth, settings: settings)
            #expect(server.organizationSlug == "acme")
            #expect(server.authMode == .oauth)
            #expect(server.settings == settings)
            _ = try await tenancy.createServer(slug: Slug("globex-api"), name: "Globex API", organization: globex)
            await #expect(throws: TenancyError.self) {
                try await tenancy.createServer(slug: Slug("acme-docs"), name: "dup", organization: globex)
            }
            await #expect(throws: TenancyError.self) {
                try await tenancy.createServer(slug: Slug("long-name"), name: String(repeating: "x", count: 201), organization: acme)
            }

            #expect(try await tenancy.servers().map(\.slug) == ["acme-docs", "globex-api"])
            #expect(try await tenancy.servers(organizationID: globex.id).map(\.slug) == ["globex-api"])
            #expect(try await tenancy.organizations().map(\.slug) == ["acme", "globex"])

            let session = try await MCPSessionStore(database: database, idleTimeout: 3600)
                .create(serverID: server.id, protocolVersion: "2025-11-25", clientName: "t", clientVersion: "1", clientCapabilities: "{}")
            #expect(try await tenancy.deleteServer(slug: "acme-docs"))
            #expect(try await tenancy.deleteServer(slug: "acme-docs") == false)
            #expect(try await tenancy.server(slug: "acme-docs") == nil)
            // Deleting a server deletes its sessions.
            #expect(try await database.query("SELECT id FROM mcp_sessions WHERE id = \(session.id)").isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func sessionsAreScopedToTheirServerAndExpire(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let tenancy = TenancyStore(database: database)
            let acme = try await tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let one = try await tenancy.createServer(slug: Slug("one"), name: "One", organization: acme)
            let two = try await tenancy.createServer(slug: Slug("two"), name: "Two", organization: acme)
            let sessions = MCPSessionStore(database: database, idleTimeout: 600)

            let session = try await sessions.create(
                serverID: one.id, protocolVersion: "2025-06-18", clientName: "cursor", clientVersion: "1.0", clientCapabilities: "{}")
            #expect(session.id.count == 32)
            #expect(try await sessions.find(id: session.id, serverID: one.id)?.clientName == "cursor")
            #expect(try await sessions.find(id: session.id, serverID: two.id) == nil)
            #expect(try await sessions.end(id: session.id, serverID: two.id) == false)

            try await sessions.markInitialized(id: session.id, serverID: one.id)
            #expect(try await sessions.find(id: session.id, serverID: one.id)?.initialized == true)

            // Idle beyond the timeout: gone; a request within it refreshes last_seen_at.
            #expect(try await sessions.find(id: session.id, serverID: one.id, now: Date().addingTimeInterval(601)) == nil)
            let later = Date().addingTimeInterval(300)
            #expect(try await sessions.find(id: session.id, serverID: one.id, now: later) != nil)
            #expect(try await sessions.find(id: session.id, serverID: one.id, now: later.addingTimeInterval(500)) != nil)

            #expect(try await sessions.end(id: session.id, serverID: one.id))
            #expect(try await sessions.find(id: session.id, serverID: one.id) == nil)
            #expect(try await sessions.end(id: session.id, serverID: one.id) == false)

            #expect(try await sessions.purge(before: Date().addingTimeInterval(1)) == 1)
            #expect(try await sessions.find(id: String(repeating: "a", count: 500), serverID: one.id) == nil)
        }
    }
}
