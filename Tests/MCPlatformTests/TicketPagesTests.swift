import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The support inbox and ticket pages through the router: filters, unread counts and the
/// sidebar badge, replies and internal notes (and what the end user's agent sees), triage
/// changes in the activity stream, bulk actions, escaping, tenant isolation, CSRF, and the
/// server setting that turns the ticket tools off.
@Suite struct TicketPagesTests {
    typealias Harness = DashboardHarness

    static let inbox = "/orgs/acme/tickets"

    /// Ada, owner of acme, with the servers guide and beta.
    static func owner(_ harness: Harness) async throws -> Browser {
        let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
        try await harness.createServer(by: ada, in: "acme", slug: "guide", name: "Acme Docs")
        try await harness.createServer(by: ada, in: "acme", slug: "beta", name: "Beta Docs")
        return ada
    }

    /// A ticket raised on `server` (as the MCP tool would), with one search before it.
    @discardableResult
    static func ticket(
        _ harness: Harness, server slug: String = "guide", title: String, description: String = "It does not work.", context: String? = nil,
        severity: Ticket.Priority = .normal, email: String? = "dev@users.example", participant: String = "session:s1",
        summary: String = "login error 401"
    ) async throws -> Ticket {
        let server = try #require(try await harness.platform.tenancy.server(slug: slug))
        return try await TicketStore(database: harness.platform.database).create(
            .init(
                organizationID: server.organizationID, serverID: server.id, title: title, description: description, context: context,
                severity: severity, participant: participant, endUserID: nil, sessionID: "s1", email: email, clientName: "Cursor",
                activity: [
                    ToolCallRecord(tool: "search_docs", summary: summary, isError: false, latencyMilliseconds: 12, at: Date()),
                    ToolCallRecord(
                        tool: "read_page", summary: "https://docs.acme.dev/auth", isError: true, latencyMilliseconds: 3, at: Date()),
                ]))
    }

    static func numbers(_ page: WebPage) -> [Int] {
        page.html.components(separatedBy: "id=\"ticket-row-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    static func rowClass(_ page: WebPage, _ number: Int) -> String? {
        page.attribute("class", after: "ticket-row-\(number)")
    }

    static func events(_ harness: Harness, number: Int) async throws -> [TicketEvent] {
        let store = TicketStore(database: harness.platform.database)
        let organization = try #require(try await harness.platform.tenancy.server(slug: "guide")).organizationID
        let ticket = try #require(try await store.ticket(number: number, organizationID: organization))
        return try await store.events(of: ticket)
    }

    // MARK: Inbox

    @Test func anEmptyInboxSaysHowTicketsArrive() async throws {
        try await Harness.run { harness in
            let inbox = try await Self.owner(harness).get(Self.inbox)
            #expect(inbox.status == .ok && inbox.has(id: "tickets-empty") && !inbox.has(id: "nav-support-count"))
            #expect(inbox.html.contains("create_support_ticket") && inbox.html.contains(#"aria-current="page">Support</a>"#))
        }
    }

    @Test(arguments: Backend.available)
    func inboxFiltersUnreadCountsAndTheBadge(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.owner(harness)
            try await Self.ticket(harness, title: "Login fails", severity: .high)
            try await Self.ticket(harness, server: "beta", title: "Crash on deploy", severity: .urgent, email: "ops@users.example")
            let resolved = try await Self.ticket(harness, title: "Old question")
            let ada0 = try #require(try await harness.platform.accounts.users.find(email: "ada@example.com"))
            let store = TicketStore(database: harness.platform.database)
            _ = try await store.setStatus(.resolved, of: resolved, author: ada0)

            let open = try await ada.get(Self.inbox)
            #expect(Self.numbers(open) == [2, 1])
            #expect(open.text(ofID: "nav-support-count") == "2")
            #expect(open.text(ofID: "tab-open")?.hasPrefix("Open") == true)
            #expect(open.html.contains(#"id="tab-open" href="?status=open" aria-current="page">Open <span class="count">2</span>"#))
            #expect(open.html.contains(#"id="tab-resolved" href="?status=resolved">Resolved <span class="count">1</span>"#))
            #expect(Self.rowClass(open, 1) == "unread")

            #expect(Self.numbers(try await ada.get(Self.inbox + "?status=resolved")) == [3])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?status=all")) == [3, 2, 1])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?priority=urgent")) == [2])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?server=beta")) == [2])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?server=nope")) == [])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?q=LOGIN")) == [1])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?q=ops%40users")) == [2])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?assignee=unassigned")) == [2, 1])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?assignee=me")) == [])

            // Opening a ticket marks it read for Ada (only).
            let page = try await ada.get(Self.inbox + "/1")
            #expect(page.status == .ok)
            #expect(page.text(ofID: "nav-support-count") == "1")
            let after = try await ada.get(Self.inbox)
            #expect(Self.rowClass(after, 1) == "read" && Self.rowClass(after, 2) == "unread")
            #expect(try await store.unreadCount(organizationID: resolved.organizationID, userID: ada0.id) == 1)

            let assigned = try await ada.submit(Self.inbox + "/1", to: Self.inbox + "/1/assignee", ["assignee": "\(ada0.id)"])
            #expect(assigned.location == Self.inbox + "/1?notice=assigned")
            #expect(Self.numbers(try await ada.get(Self.inbox + "?assignee=me")) == [1])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?assignee=unassigned")) == [2])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?assignee=\(ada0.id)&server=guide&priority=high")) == [1])
        }
    }

    @Test func bulkActionsSetStatusAssignAndMarkRead() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            for title in ["One", "Two", "Three"] { try await Self.ticket(harness, title: title) }
            let list = try await ada.get(Self.inbox)
            #expect(list.text(ofID: "nav-support-count") == "3")

            let read = try await ada.post(
                Self.inbox + "/bulk", ["ticket-1": "on", "ticket-2": "on", "action": "read", "status": "open", "q": ""])
            #expect(read.location == Self.inbox + "?status=open&notice=bulk-read")
            #expect(try await ada.follow(read).text(ofID: "nav-support-count") == "1")

            let mine = try await ada.post(Self.inbox + "/bulk", ["ticket-3": "on", "action": "assign-me", "priority": "normal"])
            #expect(mine.location == Self.inbox + "?status=open&priority=normal&notice=bulk-assigned")
            #expect(Self.numbers(try await ada.get(Self.inbox + "?assignee=me")) == [3])

            let closed = try await ada.post(
                Self.inbox + "/bulk", ["ticket-1": "on", "ticket-3": "on", "action": "status", "bulk_status": "closed"])
            #expect(closed.location == Self.inbox + "?status=open&notice=bulk-status")
            #expect(Self.numbers(try await ada.get(Self.inbox)) == [2])
            #expect(Self.numbers(try await ada.get(Self.inbox + "?status=closed")) == [3, 1])
            let events = try await Self.events(harness, number: 3)
            #expect(events.map(\.kind) == [.created, .assignment, .status])
            #expect(events.last?.authorName == "Test User" && events.last?.newValue == "closed")

            let none = try await ada.post(Self.inbox + "/bulk", ["action": "read"])
            #expect(none.location == Self.inbox + "?status=open&notice=none-selected")
            #expect(try await ada.follow(none).flash?.kind == "error")
        }
    }

    // MARK: The ticket

    @Test(arguments: Backend.available)
    func repliesReachTheAgentButInternalNotesNever(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.owner(harness)
            let agent = MCPClient(client: harness.client)
            let (session, _) = try await agent.initialize()
            _ = try await agent.tool("search_docs", ["query": "rotate api key"], session: session)
            let created = try await agent.tool(
                "create_support_ticket",
                ["title": "Cannot rotate keys", "description": "The rotate button errors.", "email": "dev@users.example"],
                session: session)
            #expect(created["isError"] as? Bool != true, "\(created)")

            let page = try await ada.get(Self.inbox + "/1")
            #expect(page.text(ofID: "ticket-title") == "Cannot rotate keys")
            #expect(page.html.contains("rotate api key"), "the search before the ticket")
            #expect(page.text(ofID: "ticket-email") == "dev@users.example")

            let reply = try await ada.post(Self.inbox + "/1/comments", ["body": "Try v2.3, it fixes this.", "visibility": "reply"])
            #expect(reply.location == Self.inbox + "/1?notice=replied")
            _ = try await ada.get(Self.inbox + "/1")
            let note = try await ada.post(Self.inbox + "/1/comments", ["body": "Customer on legacy plan.", "visibility": "note"])
            #expect(note.location == Self.inbox + "/1?notice=noted")
            let shown = try await ada.follow(note)
            #expect(shown.html.contains("Customer on legacy plan."))
            #expect(shown.html.contains(#"class="event event-note internal""#))
            #expect(shown.html.contains(">internal</span>"))

            let events = try await Self.events(harness, number: 1)
            #expect(events.map(\.kind) == [.created, .reply, .note])
            #expect(events.dropFirst().allSatisfy { $0.authorName == "Test User" })

            let seen = try await agent.tool("get_support_ticket", ["number": 1], session: session)
            let text = WalkthroughToolsTests.text(seen)
            #expect(text.contains("Try v2.3, it fixes this."))
            #expect(!text.contains("legacy plan"))
            #expect(!"\(seen["structuredContent"] ?? "")".contains("legacy plan"))

            // A reply is emailed to the reporter.
            #expect(try await harness.count("outbox_emails", where: "to_address = 'dev@users.example'") == 1)

            let empty = try await ada.post(Self.inbox + "/1/comments", ["body": "  ", "visibility": "reply"])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.fieldErrors == ["write a reply or a note"])
            let long = try await ada.post(
                Self.inbox + "/1/comments", ["body": String(repeating: "x", count: 10_001), "visibility": "note"])
            #expect(long.status == .unprocessableContent)
            #expect(long.fieldErrors.first?.hasPrefix("at most 10,000 characters") == true)
            #expect(try await Self.events(harness, number: 1).count == 3)
        }
    }

    @Test func statusPriorityAndAssigneeChangesAreRecordedWithTheirAuthor() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let bob = try await harness.member("bob@example.com", as: .member, of: "acme", invitedBy: ada)
            _ = try await harness.owner("eve@example.com", organization: "Evil", slug: "evil")
            try await Self.ticket(harness, title: "Slow search")
            let bobUser = try #require(try await harness.platform.accounts.users.find(email: "bob@example.com"))
            let eve = try #require(try await harness.platform.accounts.users.find(email: "eve@example.com"))

            // Members (not only admins) triage.
            #expect(try await bob.submit(Self.inbox + "/1", to: Self.inbox + "/1/status", ["status": "in_progress"]).status == .seeOther)
            #expect(try await bob.post(Self.inbox + "/1/priority", ["priority": "urgent"]).location == Self.inbox + "/1?notice=priority")
            #expect(try await bob.post(Self.inbox + "/1/assignee", ["assignee": "\(bobUser.id)"]).status == .seeOther)
            #expect(try await bob.post(Self.inbox + "/1/priority", ["priority": "urgent"]).location == Self.inbox + "/1?notice=unchanged")

            let foreign = try await bob.post(Self.inbox + "/1/assignee", ["assignee": "\(eve.id)"])
            #expect(foreign.status == .unprocessableContent)
            #expect(foreign.fieldErrors == ["choose a member of Acme"])
            #expect(try await bob.post(Self.inbox + "/1/assignee", ["assignee": "abc"]).status == .unprocessableContent)
            #expect(try await bob.post(Self.inbox + "/1/status", ["status": "done"]).status == .unprocessableContent)

            let page = try await ada.get(Self.inbox + "/1")
            #expect(page.html.contains("changed the status from Pending to In progress"))
            #expect(page.html.contains("changed the priority from normal to urgent"))
            #expect(page.html.contains("assigned the ticket to Test User"))
            #expect(page.text(ofID: "ticket-status") == "In progress")
            let events = try await Self.events(harness, number: 1)
            #expect(events.map(\.kind) == [.created, .status, .priority, .assignment])
            #expect(events.dropFirst().allSatisfy { $0.authorUserID == bobUser.id })
            #expect(try await harness.count("tickets", where: "assignee_id = \(bobUser.id)") == 1)

            #expect(try await bob.post(Self.inbox + "/1/assignee", ["assignee": ""]).status == .seeOther)
            #expect(try await Self.events(harness, number: 1).last?.newValue == nil)
        }
    }

    @Test func whatReportersWriteIsEscaped() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let evil = #"<script>alert(1)</script>"><img src=x onerror=alert(2)>"#
            try await Self.ticket(harness, title: evil, description: evil, context: evil, email: nil, summary: evil)
            try await harness.platform.database.query("UPDATE tickets SET client_name = \(evil)")
            for path in [Self.inbox, Self.inbox + "/1"] {
                let page = try await ada.get(path)
                #expect(page.status == .ok)
                #expect(!page.html.contains("<script>alert"), "\(path)")
                #expect(!page.html.contains("<img src=x"), "\(path)")
                #expect(page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), "\(path)")
            }
            _ = try await ada.post(Self.inbox + "/1/comments", ["body": evil, "visibility": "note"])
            let page = try await ada.get(Self.inbox + "/1")
            #expect(!page.html.contains("<script>alert") && !page.html.contains("<img src=x"))
        }
    }

    @Test func anotherOrganizationGets404AndFormsNeedTheCSRFToken() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            try await Self.ticket(harness, title: "Private")
            let eve = try await harness.owner("eve@example.com", organization: "Evil", slug: "evil")
            #expect(try await eve.get(Self.inbox).status == .notFound)
            #expect(try await eve.get(Self.inbox + "/1").status == .notFound)
            #expect(try await eve.get("/orgs/evil/tickets/1").status == .notFound)
            _ = try await eve.get("/orgs/evil")
            #expect(try await eve.post(Self.inbox + "/1/comments", ["body": "hi", "visibility": "reply"]).status == .notFound)
            #expect(try await ada.get(Self.inbox + "/2").status == .notFound)
            #expect(try await ada.get(Self.inbox + "/abc").status == .notFound)

            _ = try await ada.get(Self.inbox + "/1")
            let posts: [(String, [String: String])] = [
                ("/1/comments", ["body": "hi", "visibility": "reply"]), ("/1/status", ["status": "closed"]),
                ("/1/priority", ["priority": "low"]), ("/1/assignee", ["assignee": ""]), ("/bulk", ["ticket-1": "on", "action": "read"]),
            ]
            for (path, fields) in posts {
                for csrf in [Browser.CSRF.omitted, .value("forged")] {
                    let response = try await ada.post(Self.inbox + path, fields, csrf: csrf)
                    #expect(response.status == .forbidden, "POST \(path), CSRF \(csrf)")
                }
            }
            #expect(try await Self.events(harness, number: 1).count == 1)
        }
    }

    // MARK: Settings

    @Test func theSettingTurnsTheTicketToolsOff() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let settings = "/orgs/acme/servers/guide/settings"
            let shown = try await ada.get(settings)
            #expect(shown.html.contains(#"name="support_tickets" type="checkbox" value="on" checked>"#))
            let agent = MCPClient(client: harness.client)
            let (session, _) = try await agent.initialize()
            #expect(try await WalkthroughToolsTests.toolNames(agent, session: session).contains("create_support_ticket"))

            let saved = try await ada.post(settings, ["name": "Acme Docs", "description": "", "allowed_origins": ""])
            #expect(saved.status == .ok)
            #expect(saved.html.contains(#"name="support_tickets" type="checkbox" value="on">"#))
            let server = try #require(try await harness.platform.tenancy.server(slug: "guide"))
            #expect(server.settings.supportTickets == false)
            let tools = try await WalkthroughToolsTests.toolNames(agent, session: session)
            #expect(!tools.contains("create_support_ticket") && !tools.contains("get_support_ticket") && tools.contains("search_docs"))

            _ = try await ada.post(settings, ["name": "Acme Docs", "support_tickets": "on"])
            #expect(try await harness.platform.tenancy.server(slug: "guide")?.settings.supportTickets == true)
        }
    }

    /// The icon URL setting: validated, then in `serverInfo.icons` for clients (both eras).
    @Test func theIconSettingReachesClients() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let settings = "/orgs/acme/servers/guide/settings"
            let fields = ["name": "Acme Docs", "support_tickets": "on"]
            for bad in ["http://example.com/logo.png", "javascript:alert(1)", "https://", "https://" + String(repeating: "a", count: 2001)]
            {
                let refused = try await ada.post(settings, fields.merging(["icon_url": bad]) { $1 })
                #expect(refused.status == .unprocessableContent, "\(bad.prefix(30))")
                #expect(refused.html.contains("an https:// URL of at most 2,000 characters"))
            }
            #expect(try await harness.platform.tenancy.server(slug: "guide")?.settings.iconURL == nil)

            let icon = "https://acme.example/logo.png"
            #expect(try await ada.post(settings, fields.merging(["icon_url": icon]) { $1 }).status == .ok)
            let agent = MCPClient(client: harness.client)
            let (_, result) = try await agent.initialize()
            #expect((result["serverInfo"] as? [String: Any])?["icons"] as? [[String: String]] == [["src": icon]])
            let discover = try #require(try await agent.modern("server/discover").json["result"] as? [String: Any])
            #expect(ModernProtocolTests.serverInfo(discover)?["icons"] as? [[String: String]] == [["src": icon]])

            _ = try await ada.post(settings, fields.merging(["icon_url": ""]) { $1 })
            #expect(try await harness.platform.tenancy.server(slug: "guide")?.settings.iconURL == nil)
        }
    }
}
