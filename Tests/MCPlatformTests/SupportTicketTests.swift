import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MCP
import Testing

@testable import MCPlatform

/// Support tickets: the MCP tools through the endpoint (anonymous sessions) and through the
/// method handler (signed-in end users), the notifications they queue, and ``TicketStore`` and
/// ``MCPEventLog`` on both backends.
@Suite struct SupportTicketTests {
    static let tools = ["create_support_ticket", "get_support_ticket", "list_my_tickets"]

    static func text(_ result: [String: Any]) -> String {
        ((result["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
    }

    static func structured(_ result: [String: Any]) -> [String: Any] {
        result["structuredContent"] as? [String: Any] ?? [:]
    }

    static func ticket(_ title: String = "Login fails", email: String? = "ada@example.com", with extra: [String: Any] = [:])
        -> [String: Any]
    {
        var arguments: [String: Any] = ["title": title, "description": "acme login prints 401 after the browser step."]
        arguments["email"] = email
        return arguments.merging(extra) { $1 }
    }

    static func count(_ database: any Database, _ sql: String) async throws -> Int {
        Int(try await database.one("SELECT COUNT(*) AS n FROM \(raw: sql)").decode("n", as: Int64.self))
    }

    // MARK: create_support_ticket

    @Test(arguments: Backend.available)
    func anonymousTicketsNeedAnEmailAndAreNumberedPerOrganization(backend: Backend) async throws {
        try await MCPEndpointTests.withEndpoint(backend) { client, platform in
            let (session, _) = try await client.initialize()
            let listed = try await client.call("tools/list", [:], session: session)["tools"] as? [[String: Any]] ?? []
            let names = listed.compactMap { $0["name"] as? String }
            #expect(Self.tools.allSatisfy(names.contains), "\(names)")

            let noEmail = try await client.tool("create_support_ticket", Self.ticket(email: nil), session: session)
            #expect(noEmail["isError"] as? Bool == true)
            #expect(Self.text(noEmail).contains("Ask the user for an email address"), "\(Self.text(noEmail))")
            #expect(try await Self.count(platform.database, "tickets") == 0)

            let first = try await client.tool("create_support_ticket", Self.ticket(), session: session)
            #expect(first["isError"] as? Bool != true, "\(Self.text(first))")
            #expect(Self.text(first).hasPrefix("Created support ticket #1: Login fails"), "\(Self.text(first))")
            #expect(Self.text(first).contains("reply by email to ada@example.com"))
            let view = Self.structured(first)
            #expect(view["number"] as? Int == 1)
            #expect(view["status"] as? String == "pending")
            #expect(view["severity"] as? String == "normal")
            let createSchema = try #require(listed.first { $0["name"] as? String == "create_support_ticket" }?["outputSchema"])
            #expect(SchemaCheck.problems(first["structuredContent"] as Any, createSchema) == [])

            let second = try await client.tool(
                "create_support_ticket", Self.ticket("Second", with: ["severity": "high", "context": "acme 2.1.0"]), session: session)
            #expect(Self.structured(second)["number"] as? Int == 2)
            #expect(Self.structured(second)["severity"] as? String == "high")

            // Server `other` belongs to acme too: the numbering continues there.
            let other = try await client.post(MCPClient.initializeBody(version: ProtocolVersion.latest), path: "/mcp/other")
            let otherSession = try #require(other.headers[.mcpSessionID])
            let third = try await client.call(
                "tools/call", ["name": "create_support_ticket", "arguments": Self.ticket("On other")], session: otherSession,
                path: "/mcp/other")
            #expect(Self.structured(third)["number"] as? Int == 3)

            // Another organization starts at 1.
            let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            _ = try await platform.tenancy.createServer(slug: Slug("globex-docs"), name: "Globex Docs", organization: globex)
            let g = try await client.post(MCPClient.initializeBody(version: ProtocolVersion.latest), path: "/mcp/globex-docs")
            let gSession = try #require(g.headers[.mcpSessionID])
            let globexTicket = try await client.call(
                "tools/call", ["name": "create_support_ticket", "arguments": Self.ticket()], session: gSession, path: "/mcp/globex-docs")
            #expect(Self.structured(globexTicket)["number"] as? Int == 1)

            let acme = try #require(try await platform.tenancy.server(slug: "guide")).organizationID
            let stored = try #require(try await TicketStore(database: platform.database).ticket(number: 2, organizationID: acme))
            #expect(stored.context == "acme 2.1.0")
            #expect(stored.email == "ada@example.com")
            #expect(stored.participant == "session:\(session)")
            #expect(stored.clientName == "swift-test")
            #expect(try await TicketStore(database: platform.database).events(of: stored).map(\.kind) == [.created])
        }
    }

    @Test func theSessionsEarlierCallsAreTheTicketsActivity() async throws {
        try await MCPEndpointTests.withEndpoint { client, platform in
            let (session, _) = try await client.initialize()
            let (otherSession, _) = try await client.initialize()
            _ = try await client.tool("search_docs", ["query": "login 401 error"], session: session)
            _ = try await client.tool("about", [:], session: session)
            _ = try await client.tool("search_docs", ["query": "not mine"], session: otherSession)
            let created = try await client.tool("create_support_ticket", Self.ticket(), session: session)
            #expect(created["isError"] as? Bool != true, "\(Self.text(created))")
            let ticket = try #require(try await TicketStore(database: platform.database).ticket(number: 1, organizationID: 1))
            #expect(ticket.activity.map(\.tool) == ["search_docs", "about"])
            #expect(ticket.activity.first?.summary == "login 401 error")
            #expect(ticket.activity.last?.summary == nil)
            #expect(ticket.activity.allSatisfy { $0.latencyMilliseconds >= 0 })
        }
    }

    @Test func invalidTicketsAreToolErrors() async throws {
        try await MCPEndpointTests.withEndpoint { client, platform in
            let (session, _) = try await client.initialize()
            let cases: [([String: Any], String)] = [
                (Self.ticket("   "), "'title' is required."),
                (Self.ticket(String(repeating: "t", count: 201)), "'title' is longer than 200 characters."),
                (Self.ticket("two\nlines"), "'title' must be a single line."),
                (Self.ticket(email: "not-an-address"), "'email' is not an email address."),
                (Self.ticket(email: "a@b"), "'email' is not an email address."),
                (Self.ticket(with: ["severity": "catastrophic"]), "'severity' must be one of: low, normal, high, urgent."),
                (
                    Self.ticket(with: ["description": String(repeating: "d", count: 10_001)]),
                    "'description' is longer than 10000 characters."
                ),
                (Self.ticket(with: ["description": ""]), "'description' is required."),
                (Self.ticket(with: ["title": 42]), "'title' must be a string."),
            ]
            for (arguments, message) in cases {
                let result = try await client.tool("create_support_ticket", arguments, session: session)
                #expect(result["isError"] as? Bool == true, "\(message)")
                #expect(Self.text(result) == message)
                #expect(result["structuredContent"] == nil)
            }
            #expect(try await Self.count(platform.database, "tickets") == 0)
            let longest = try await client.tool(
                "create_support_ticket",
                Self.ticket(String(repeating: "t", count: 200), with: ["description": String(repeating: "d", count: 10_000)]),
                session: session)
            #expect(longest["isError"] as? Bool != true, "the limits themselves are allowed: \(Self.text(longest))")
        }
    }

    @Test func theEleventhTicketInAnHourIsRefused() async throws {
        try await CreateSupportTicketTool.hourlyLimit.waitForRoom()
        try await MCPEndpointTests.withEndpoint { client, platform in
            let (session, _) = try await client.initialize()
            for number in 1...10 {
                let result = try await client.tool("create_support_ticket", Self.ticket("Ticket \(number)"), session: session)
                #expect(Self.structured(result)["number"] as? Int == number, "\(Self.text(result))")
            }
            let refused = try await client.tool("create_support_ticket", Self.ticket("Eleventh"), session: session)
            #expect(refused["isError"] as? Bool == true)
            #expect(Self.text(refused).hasPrefix("Too many tickets from this user in the last hour."))
            #expect(try await Self.count(platform.database, "tickets") == 10)
        }
    }

    @Test func markupInTheTitleIsStoredAsIs() async throws {
        try await MCPEndpointTests.withEndpoint { client, platform in
            let (session, _) = try await client.initialize()
            let title = "<script>alert('x')</script> & \"quotes\""
            let result = try await client.tool("create_support_ticket", Self.ticket(title), session: session)
            #expect(Self.structured(result)["title"] as? String == title)
            let stored = try #require(try await TicketStore(database: platform.database).ticket(number: 1, organizationID: 1))
            #expect(stored.title == title)
        }
    }

    // MARK: get_support_ticket, list_my_tickets

    @Test(arguments: Backend.available)
    func readingOnesOwnTickets(backend: Backend) async throws {
        try await MCPEndpointTests.withEndpoint(backend) { client, platform in
            let (session, _) = try await client.initialize()
            let (stranger, _) = try await client.initialize()
            _ = try await client.tool("create_support_ticket", Self.ticket("Mine"), session: session)
            _ = try await client.tool("create_support_ticket", Self.ticket("Theirs"), session: stranger)

            let store = TicketStore(database: platform.database)
            let ticket = try #require(try await store.ticket(number: 1, organizationID: 1))
            let agent = try await platform.accounts.users.create(email: "agent@acme.test", name: "Grace", password: "long enough password")
            let t0 = Date(timeIntervalSince1970: 1_750_000_000)
            try await store.comment(on: ticket, body: "Internal: probably the clock skew bug", isPublic: false, author: agent, now: t0)
            try await store.comment(on: ticket, body: "Please run acme logout first.", isPublic: true, author: agent, now: t0 + 60)
            let changed = try #require(try await store.setStatus(.inProgress, of: ticket, author: agent, now: t0 + 120))
            #expect(try await store.setStatus(.inProgress, of: changed, author: agent) == nil, "unchanged: no event")
            _ = try await store.setPriority(.urgent, of: changed, author: agent, now: t0 + 130)
            _ = try await store.assign(changed, to: agent, author: agent, now: t0 + 140)

            let read = try await client.tool("get_support_ticket", ["number": 1], session: session)
            #expect(read["isError"] as? Bool != true, "\(Self.text(read))")
            let text = Self.text(read)
            #expect(
                text == """
                    Support ticket #1: Mine
                    Status: in progress · severity normal

                    Grace replied (2025-06-15T15:07:40Z):
                    Please run acme logout first.

                    Status changed to in progress by Grace.

                    Next: Show the user the replies. If the problem is solved, say so; otherwise they can reply by email.
                    """)
            #expect(!text.contains("Internal") && !text.contains("urgent"), "no notes, priorities or assignments")
            let view = Self.structured(read)
            #expect(view["status"] as? String == "in_progress")
            let replies = view["replies"] as? [[String: Any]] ?? []
            #expect(replies.map { $0["kind"] as? String } == ["reply", "status"])
            #expect(replies.first?["text"] as? String == "Please run acme logout first.")
            #expect(replies.first?["at"] as? String == "2025-06-15T15:07:40Z")
            let listed = try await client.call("tools/list", [:], session: session)["tools"] as? [[String: Any]] ?? []
            let schema = try #require(listed.first { $0["name"] as? String == "get_support_ticket" }?["outputSchema"])
            #expect(SchemaCheck.problems(read["structuredContent"] as Any, schema) == [])

            for (number, who) in [(1, stranger), (2, session), (99, session)] {
                let refused = try await client.tool("get_support_ticket", ["number": number], session: who)
                #expect(refused["isError"] as? Bool == true)
                #expect(Self.text(refused).hasPrefix("There is no ticket #\(number) of this user"), "\(Self.text(refused))")
            }
            let zero = try await client.tool("get_support_ticket", ["number": 0], session: session)
            #expect(zero["isError"] as? Bool == true)

            let mine = try await client.tool("list_my_tickets", [:], session: session)
            let tickets = Self.structured(mine)["tickets"] as? [[String: Any]] ?? []
            #expect(tickets.map { $0["number"] as? Int } == [1])
            #expect(tickets.first?["status"] as? String == "in_progress")
            let listSchema = try #require(listed.first { $0["name"] as? String == "list_my_tickets" }?["outputSchema"])
            #expect(SchemaCheck.problems(mine["structuredContent"] as Any, listSchema) == [])
            #expect(Self.text(mine).contains("- #1 Mine [in progress]"))
            #expect(!Self.text(mine).contains("Theirs"))

            let (fresh, _) = try await client.initialize()
            let none = try await client.tool("list_my_tickets", [:], session: fresh)
            #expect(Self.text(none) == "The user has no support tickets on this server.")
            #expect((Self.structured(none)["tickets"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func ticketsAreHiddenWhenTheServerTurnsThemOff() async throws {
        try await MCPEndpointTests.withEndpoint(settings: ServerSettings(supportTickets: false)) { client, platform in
            let (session, _) = try await client.initialize()
            let tools = try await client.call("tools/list", [:], session: session)["tools"] as? [[String: Any]] ?? []
            let names = tools.compactMap { $0["name"] as? String }
            #expect(!names.isEmpty && Set(names).isDisjoint(with: Self.tools), "\(names)")
            for (name, arguments) in [
                ("create_support_ticket", Self.ticket()), ("get_support_ticket", ["number": 1]), ("list_my_tickets", [:]),
            ] as [(String, [String: Any])] {
                let body = try JSONSerialization.data(
                    withJSONObject: ["jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": ["name": name, "arguments": arguments]])
                let response = try await client.post(String(decoding: body, as: UTF8.self), session: session)
                #expect(response.errorCode == -32602, "\(name)")
                #expect(((response.json["error"] as? [String: Any])?["message"] as? String)?.contains("Unknown tool: \(name)") == true)
            }
            #expect(try await Self.count(platform.database, "tickets") == 0)
        }
    }

    // MARK: Signed-in end users

    @Test(arguments: Backend.available)
    func aSignedInUsersTicketsFollowThemAcrossSessions(backend: Backend) async throws {
        try await MCPEndpointTests.withEndpoint(backend) { _, platform in
            let server = try #require(try await platform.tenancy.server(slug: "guide"))
            let endUsers = EndUserStore(database: platform.database)
            let alice = try await endUsers.upsert(
                UpstreamIdentity(subject: "alice", email: "alice@example.com", name: "Alice"), serverID: server.id)
            let bob = try await endUsers.upsert(UpstreamIdentity(subject: "bob", email: nil, name: "Bob"), serverID: server.id)
            let handler = MCPMethodHandler(platform: platform)
            func session(_ endUserID: Int64?) async throws -> MCPSession {
                try await platform.sessions.create(
                    serverID: server.id, protocolVersion: ProtocolVersion.latest, clientName: "claude", clientVersion: "1",
                    clientCapabilities: "{}", endUserID: endUserID)
            }
            func call(_ name: String, _ arguments: [String: Value], in session: MCPSession) async throws -> CallTool.Result {
                let outcome = await handler.handle(
                    method: "tools/call", params: ["name": .string(name), "arguments": .object(arguments)], server: server,
                    session: session, logger: .quiet)
                guard case .result(let result) = outcome else { throw TestFailure("\(name): \(outcome)") }
                return try #require(result as? CallTool.Result)
            }
            func text(_ result: CallTool.Result) -> String {
                if case .text(let text, _, _)? = result.content.first { return text }
                return ""
            }

            let first = try await session(alice.id)
            let created = try await call(
                "create_support_ticket", ["title": "Quota", "description": "Raise my quota please."], in: first)
            #expect(created.isError != true, "\(text(created))")
            #expect(text(created).contains("who will reply by email to alice@example.com"))
            let stored = try #require(try await TicketStore(database: platform.database).ticket(number: 1, organizationID: 1))
            #expect(stored.email == "alice@example.com", "the end user's email by default")
            #expect(stored.endUserID == alice.id)
            #expect(stored.participant == "user:\(alice.id)")

            let given = try await call(
                "create_support_ticket", ["title": "Other", "description": "d", "email": "work@alice.example"], in: first)
            #expect(given.structuredContent?.objectValue?["number"] == .int(2))
            #expect(try await TicketStore(database: platform.database).ticket(number: 2, organizationID: 1)?.email == "work@alice.example")

            let second = try await session(alice.id)
            let read = try await call("get_support_ticket", ["number": 1], in: second)
            #expect(read.isError != true, "another session of the same end user: \(text(read))")
            let listed = try await call("list_my_tickets", [:], in: second)
            #expect(
                listed.structuredContent?.objectValue?["tickets"]?.arrayValue?.compactMap { $0.objectValue?["number"] } == [
                    .int(2), .int(1),
                ])

            let anonymous = try await session(nil)
            #expect(try await call("get_support_ticket", ["number": 1], in: anonymous).isError == true)
            let bobs = try await session(bob.id)
            #expect(try await call("get_support_ticket", ["number": 1], in: bobs).isError == true)
            // Bob has no email on file: signed in, the ticket is still taken (replies through MCP only).
            let noEmail = try await call("create_support_ticket", ["title": "Bob's", "description": "d"], in: bobs)
            #expect(noEmail.isError != true, "\(text(noEmail))")
            #expect(try await TicketStore(database: platform.database).ticket(number: 3, organizationID: 1)?.email == nil)
        }
    }

    // MARK: Notifications

    @Test(arguments: Backend.available)
    func notificationsGoToTheTeamTheWebhooksAndTheReporter(backend: Backend) async throws {
        try await MCPEndpointTests.withEndpoint(backend) { client, platform in
            let acme = try #require(try await platform.tenancy.server(slug: "guide"))
            let database = platform.database
            let users = platform.accounts.users
            let memberships = platform.accounts.memberships
            let owner = try await users.create(email: "owner@acme.test", name: "Olivia", password: "long enough password")
            let admin = try await users.create(email: "admin@acme.test", name: "Adam", password: "long enough password")
            let member = try await users.create(email: "member@acme.test", name: "Mel", password: "long enough password")
            try await memberships.add(userID: owner.id, organizationID: acme.organizationID, role: .owner)
            try await memberships.add(userID: admin.id, organizationID: acme.organizationID, role: .admin)
            try await memberships.add(userID: member.id, organizationID: acme.organizationID, role: .member)
            let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            let outsider = try await users.create(email: "boss@globex.test", name: "Boss", password: "long enough password")
            try await memberships.add(userID: outsider.id, organizationID: globex.id, role: .owner)

            let now = Date()
            for (organization, url, events, enabled) in [
                (acme.organizationID, "https://hooks.example/all", "ticket.created,ticket.commented,ticket.status_changed", true),
                (acme.organizationID, "https://hooks.example/comments", "ticket.commented", true),
                (acme.organizationID, "https://hooks.example/disabled", "ticket.created", false),
                (globex.id, "https://hooks.example/globex", "ticket.created", true),
            ] {
                try await database.query(
                    """
                    INSERT INTO webhooks (organization_id, url, format, events, secret, enabled, created_at, updated_at)
                    VALUES (\(organization), \(url), 'json', \(events), 'secret', \(enabled), \(now), \(now))
                    """)
            }

            let (session, _) = try await client.initialize()
            let created = try await client.tool("create_support_ticket", Self.ticket("Login <fails>"), session: session)
            #expect(created["isError"] as? Bool != true, "\(Self.text(created))")

            let emails = try await database.query("SELECT to_address, subject, body FROM outbox_emails ORDER BY id")
            let recipients = try emails.map { try $0.decode("to_address", as: String.self) }
            #expect(Set(recipients) == ["owner@acme.test", "admin@acme.test"], "owners and admins, not members or other orgs")
            let body = try emails.first?.decode("body", as: String.self) ?? ""
            #expect(try emails.first?.decode("subject", as: String.self) == "[Acme #1] Login <fails>")
            #expect(body.contains("Answer it in the dashboard: \(platform.configuration.publicOrigin)/orgs/acme/tickets/1"), "\(body)")
            #expect(body.contains("Reporter: ada@example.com"))

            let deliveries = try await database.query(
                "SELECT w.url, d.event, d.payload, d.status FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id")
            #expect(try deliveries.map { try $0.decode("url", as: String.self) } == ["https://hooks.example/all"])
            #expect(try deliveries.first?.decode("status", as: String.self) == "pending")
            let payload = try SupportEvent.decode(json: try #require(deliveries.first).decode("payload", as: String.self))
            #expect(payload.event == .ticketCreated)
            #expect(payload.ticket.number == 1 && payload.ticket.title == "Login <fails>")
            #expect(payload.ticket.reporterEmail == "ada@example.com")
            #expect(payload.organization.slug == "acme" && payload.server.slug == "guide")
            #expect(payload.ticket.url.hasSuffix("/orgs/acme/tickets/1"))

            // A public reply emails the reporter (and goes to both comment webhooks); a note emails nobody.
            let store = TicketStore(database: database)
            let ticket = try #require(try await store.ticket(number: 1, organizationID: acme.organizationID))
            let notifications = SupportNotifications(platform: platform, logger: .quiet)
            let emailsBefore = try await Self.count(database, "outbox_emails")
            let note = try await store.comment(on: ticket, body: "internal only", isPublic: false, author: owner)
            await notifications.commented(ticket, comment: note, author: owner, server: acme)
            #expect(try await Self.count(database, "outbox_emails") == emailsBefore, "an internal note emails nobody")
            let reply = try await store.comment(on: ticket, body: "Fixed in 2.1.1.", isPublic: true, author: owner)
            await notifications.commented(ticket, comment: reply, author: owner, server: acme)
            let replyEmail = try await database.one("SELECT to_address, subject, body FROM outbox_emails ORDER BY id DESC LIMIT 1")
            #expect(try await Self.count(database, "outbox_emails") == emailsBefore + 1)
            #expect(try replyEmail.decode("to_address", as: String.self) == "ada@example.com")
            #expect(try replyEmail.decode("subject", as: String.self) == "Re: [Acme #1] Login <fails>")
            #expect(try replyEmail.decode("body", as: String.self).contains("Fixed in 2.1.1."))
            #expect(try await Self.count(database, "webhook_deliveries WHERE event = 'ticket.commented'") == 4, "two comments, two hooks")
            let commented = try await database.query(
                "SELECT payload FROM webhook_deliveries WHERE event = 'ticket.commented' ORDER BY id")
            let visibility = try commented.map {
                try SupportEvent.decode(json: try $0.decode("payload", as: String.self)).comment?.isPublic
            }
            #expect(visibility == [false, false, true, true])

            // Assigned to the admin: the admin hears of the owner's comments, not of their own.
            let assigned = try #require(try await store.assign(ticket, to: admin, author: owner))
            let countBefore = try await Self.count(database, "outbox_emails")
            await notifications.assigned(assigned, author: owner, server: acme)
            #expect(try await Self.count(database, "outbox_emails WHERE to_address = 'admin@acme.test'") == 2)
            let own = try await store.comment(on: assigned, body: "looking", isPublic: false, author: admin)
            await notifications.commented(assigned, comment: own, author: admin, server: acme)
            #expect(try await Self.count(database, "outbox_emails") == countBefore + 1)
        }
    }

    // MARK: TicketStore

    /// A database with organizations `acme` (server `guide`) and `globex` (server `gdocs`).
    static func withStore(
        _ backend: Backend, _ body: @Sendable (TicketStore, Platform, TenantServer, TenantServer) async throws -> Void
    ) async throws {
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database)
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            _ = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: acme)
            _ = try await platform.tenancy.createServer(slug: Slug("gdocs"), name: "Globex Docs", organization: globex)
            try await body(
                TicketStore(database: database), platform, try #require(try await platform.tenancy.server(slug: "guide")),
                try #require(try await platform.tenancy.server(slug: "gdocs")))
        }
    }

    static func new(
        _ server: TenantServer, title: String = "Help", severity: Ticket.Priority = .normal, participant: String = "session:s1",
        email: String? = "ada@example.com"
    ) -> TicketStore.NewTicket {
        TicketStore.NewTicket(
            organizationID: server.organizationID, serverID: server.id, title: title, description: "d", context: nil, severity: severity,
            participant: participant, endUserID: nil, sessionID: "s1", email: email, clientName: nil, activity: [])
    }

    @Test(arguments: Backend.available)
    func concurrentTicketsGetConsecutiveNumbers(backend: Backend) async throws {
        try await Self.withStore(backend) { store, _, guide, gdocs in
            let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await store.create(Self.new(guide, title: "T\(index)")).number }
                }
                group.addTask { try await store.create(Self.new(gdocs)).number }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var expected = Array(1...20)
            expected.append(1)
            #expect(numbers.sorted() == expected.sorted())
            #expect(try await store.create(Self.new(guide)).number == 21)
        }
    }

    @Test(arguments: Backend.available)
    func inboxFiltersAndUnread(backend: Backend) async throws {
        try await Self.withStore(backend) { store, platform, guide, gdocs in
            let t0 = Date(timeIntervalSince1970: 1_750_000_000)
            let users = platform.accounts.users
            let grace = try await users.create(email: "grace@acme.test", name: "Grace", password: "long enough password")
            let linus = try await users.create(email: "linus@acme.test", name: "Linus", password: "long enough password")
            let one = try await store.create(Self.new(guide, title: "Login fails", severity: .high), now: t0)
            let two = try await store.create(Self.new(guide, title: "Billing 100% wrong", email: "bob@corp.example"), now: t0 + 10)
            let three = try await store.create(Self.new(guide, title: "Docs typo_here", severity: .low), now: t0 + 20)
            _ = try await store.create(Self.new(gdocs, title: "Globex's"), now: t0 + 30)
            _ = try #require(try await store.assign(two, to: grace, author: grace, now: t0 + 40))
            _ = try #require(try await store.setStatus(.resolved, of: three, author: grace, now: t0 + 50))

            func titles(_ configure: (inout TicketStore.InboxFilter) -> Void = { _ in }) async throws -> [String] {
                var filter = TicketStore.InboxFilter()
                configure(&filter)
                return try await store.inbox(organizationID: guide.organizationID, filter: filter, userID: grace.id).map(\.ticket.title)
            }
            #expect(try await titles() == ["Billing 100% wrong", "Login fails"], "open ones, most recently active first")
            #expect(try await titles { $0.statuses = [] } == ["Docs typo_here", "Billing 100% wrong", "Login fails"])
            #expect(try await titles { $0.statuses = [.resolved] } == ["Docs typo_here"])
            #expect(try await titles { $0.priority = .high } == ["Login fails"])
            #expect(try await titles { $0.assigneeID = grace.id } == ["Billing 100% wrong"])
            #expect(try await titles { $0.assigneeID = 0 } == ["Login fails"])
            #expect(try await titles { $0.assigneeID = linus.id } == [])
            #expect(try await titles { $0.serverID = gdocs.id } == [], "scoped to the organization")
            #expect(try await titles { $0.text = "LOGIN" } == ["Login fails"])
            #expect(try await titles { $0.text = "corp.example" } == ["Billing 100% wrong"])
            #expect(try await titles { $0.text = "100%" } == ["Billing 100% wrong"])
            #expect(try await titles { $0.text = "%" } == ["Billing 100% wrong"], "% is literal")
            #expect(try await titles { ($0.statuses, $0.text) = ([], "_") } == ["Docs typo_here"], "_ is literal")
            #expect(try await titles { ($0.limit, $0.offset) = (1, 1) } == ["Login fails"])
            #expect(try await store.statusCounts(organizationID: guide.organizationID) == [.pending: 2, .resolved: 1])

            func unread(_ user: User) async throws -> [String: Bool] {
                var filter = TicketStore.InboxFilter()
                filter.statuses = []
                let entries = try await store.inbox(organizationID: guide.organizationID, filter: filter, userID: user.id)
                return Dictionary(uniqueKeysWithValues: entries.map { ($0.ticket.title, $0.unread) })
            }
            #expect(try await unread(grace).values.allSatisfy { $0 })
            #expect(try await store.unreadCount(organizationID: guide.organizationID, userID: grace.id) == 2, "open ones only")

            let current = try #require(try await store.ticket(number: one.number, organizationID: guide.organizationID))
            try await store.markRead(current, userID: grace.id, now: t0 + 60)
            #expect(try await unread(grace)["Login fails"] == false)
            #expect(try await unread(linus)["Login fails"] == true, "per user")
            #expect(try await store.unreadCount(organizationID: guide.organizationID, userID: grace.id) == 1)
            try await store.comment(on: current, body: "more", isPublic: true, author: linus, now: t0 + 70)
            #expect(try await unread(grace)["Login fails"] == true, "new activity after reading")
            #expect(try await store.unreadCount(organizationID: guide.organizationID, userID: grace.id) == 2)
            let updated = try #require(try await store.ticket(number: one.number, organizationID: guide.organizationID))
            try await store.markRead(updated, userID: grace.id, now: t0 + 65)
            #expect(try await unread(grace)["Login fails"] == false, "read as of its latest activity, even with a clock behind")
            #expect(
                try await store.ticket(number: two.number, serverID: gdocs.id, participant: "session:s1") == nil,
                "numbers are per organization")
            #expect(try await store.ticket(number: one.number, serverID: guide.id, participant: "session:s1") != nil)
        }
    }

    // MARK: MCPEventLog (the ticket's timeline)

    static func entry(_ server: TenantServer, session: String = "s1", tool: String = "search_docs", summary: String? = nil) -> MCPEvent {
        MCPEvent(
            serverID: server.id, sessionID: session, participant: "session:\(session)", endUserID: nil, method: "tools/call", tool: tool,
            summary: summary, queryKey: nil, resultCount: nil, pages: [], outcome: .ok, errorCode: nil, latencyMicroseconds: 3000,
            at: Date(), clientName: nil, clientVersion: nil)
    }

    @Test func aFullBufferDropsAndCountsNewCalls() async throws {
        try await Self.withStore(.sqlite) { _, platform, guide, _ in
            let log = MCPEventLog()
            for _ in 0..<(MCPEventLog.capacity + 5) { log.record(Self.entry(guide)) }
            #expect(log.dropped == 5)
            try await log.flush(to: platform.database)
            #expect(try await Self.count(platform.database, "mcp_events") == MCPEventLog.capacity)
            log.record(Self.entry(guide))
            #expect(log.dropped == 5, "room again after a flush")
        }
    }

    @Test(arguments: Backend.available)
    func aFailedFlushKeepsTheCalls(backend: Backend) async throws {
        try await Self.withStore(backend) { _, platform, guide, _ in
            let database = platform.database
            let log = MCPEventLog()
            log.record(Self.entry(guide, summary: "first"))
            log.record(Self.entry(guide, summary: "second"))
            try await database.query("ALTER TABLE mcp_events RENAME TO mcp_events_away")
            await #expect(throws: (any Error).self) { try await log.flush(to: database) }
            log.record(Self.entry(guide, summary: "third"))
            try await database.query("ALTER TABLE mcp_events_away RENAME TO mcp_events")
            let recent = try await log.recentToolCalls(serverID: guide.id, sessionID: "s1", database: database)
            #expect(recent.map(\.summary) == ["first", "second", "third"], "kept in order, then written")
            #expect(log.dropped == 0)
            #expect(try await log.recentToolCalls(serverID: guide.id, sessionID: "other", database: database).isEmpty)
        }
    }

    @Test func recentWaitsForAFlushUnderWay() async throws {
        try await Self.withStore(.sqlite) { _, platform, guide, _ in
            let log = MCPEventLog()
            for index in 0..<2_000 { log.record(Self.entry(guide, session: "s\(index % 7)", summary: "\(index)")) }
            async let background: Void = log.flush(to: platform.database)
            let recent = try await log.recentToolCalls(serverID: guide.id, sessionID: "s0", limit: 1_000, database: platform.database)
            try await background
            #expect(recent.count == 286, "every call of the session, though the other flush had taken them")
        }
    }
}

extension MCPClient {
    /// `method` on the endpoint at `path` (another server than `guide`).
    func call(_ method: String, _ params: [String: Any], session: String, path: String) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": 1, "method": method, "params": params])
        let response = try await post(String(decoding: body, as: UTF8.self), session: session, path: path)
        return try #require(response.json["result"] as? [String: Any], "\(response.json)")
    }
}

/// A failure with a message, for `guard … else { throw }`.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Checks a decoded JSON value against the subset of JSON Schema the tools' output schemas use
/// (type, properties, required, items, enum). Returns what does not match.
enum SchemaCheck {
    static func problems(_ value: Any, _ schema: Any, at path: String = "$") -> [String] {
        guard let schema = schema as? [String: Any] else { return [] }
        var problems: [String] = []
        if let type = schema["type"] {
            let allowed = (type as? [String]) ?? [(type as? String) ?? ""]
            if !allowed.contains(where: { matches(value, type: $0) }) { return ["\(path): \(value) is not \(allowed)"] }
        }
        if let choices = schema["enum"] as? [String], let text = value as? String, !choices.contains(text) {
            problems.append("\(path): \(text) not in \(choices)")
        }
        if let object = value as? [String: Any] {
            for name in schema["required"] as? [String] ?? [] where object[name] == nil { problems.append("\(path).\(name) is missing") }
            for (name, property) in schema["properties"] as? [String: Any] ?? [:] {
                if let item = object[name] { problems += Self.problems(item, property, at: "\(path).\(name)") }
            }
        }
        if let array = value as? [Any], let items = schema["items"] {
            for (index, item) in array.enumerated() { problems += Self.problems(item, items, at: "\(path)[\(index)]") }
        }
        return problems
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "null": value is NSNull
        case "boolean": value is Bool
        case "integer": (value as? Double).map { $0 == $0.rounded() } ?? false
        case "number": value is Double
        default: true
        }
    }
}
