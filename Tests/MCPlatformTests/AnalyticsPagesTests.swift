import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The analytics pages through the router, from real MCP calls processed by the analytics
/// processor: the overview's numbers and deltas, the lists, the session timeline, the CSV
/// exports, who may read them (every role of the organization; 404 for others; the operator
/// view for operators only) and that no query text ever becomes markup or a spreadsheet formula.
@Suite struct AnalyticsPagesTests {
    typealias Harness = DashboardHarness

    static let base = "/orgs/acme/servers/guide/analytics"
    static let script = "<script>alert(1)</script>"
    static let formula = "=HYPERLINK(\"http://evil.example\",\"zzqx\")"

    /// Ada, owner of acme, with server guide holding the docs corpus; an MCP session on it
    /// searched three times (one result read, one script with no results, one formula with no
    /// results), processed after the resolution window. Returns Ada and the session's id.
    static func scripted(_ harness: Harness) async throws -> (Browser, Int64) {
        let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
        try await harness.createServer(by: ada, in: "acme", slug: "guide", name: "Acme Docs")
        let platform = harness.platform
        let server = try #require(try await platform.tenancy.server(slug: "guide"))
        let folder = try DocsIngestionTests.Folder(DocsIngestionTests.corpus)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform)

        let client = MCPClient(client: harness.client)
        let (session, _) = try await client.initialize()
        let install = try await client.tool("search_docs", ["query": "How do I install the SDK?"], session: session)
        let url = try #require(AnalyticsTests.results(install).first?["url"] as? String)
        _ = try await client.tool("read_page", ["url": url], session: session)
        _ = try await client.tool("search_docs", ["query": script], session: session)
        _ = try await client.tool("search_docs", ["query": formula], session: session)
        try await platform.events.flush(to: platform.database)
        try await platform.requestStatistics.flush(to: platform.database)
        try await AnalyticsTests.processor(platform).processOnce(now: Date().addingTimeInterval(601))
        let sessions = try await AnalyticsReport(database: platform.database).sessions(
            serverID: server.id, period: .last(7), participant: nil, limit: 5, offset: 0)
        return (ada, try #require(sessions.first?.id))
    }

    /// The value and delta of the metric card `id`.
    static func metric(_ page: WebPage, _ id: String) -> (value: String, delta: String)? {
        guard let card = page.html.range(of: "id=\"metric-\(id)\"") else { return nil }
        func text(after marker: String) -> String {
            guard let start = page.html[card.upperBound...].range(of: marker) else { return "" }
            let rest = page.html[start.upperBound...].drop { $0 != ">" }.dropFirst()
            return WebPage.unescape(String(rest.prefix { $0 != "<" }))
        }
        return (text(after: "class=\"value\""), text(after: "class=\"delta"))
    }

    @Test(arguments: Backend.available)
    func theOverviewShowsTheNumbersOfRealMCPCalls(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let (ada, _) = try await Self.scripted(harness)
            let page = try await ada.get(Self.base)
            #expect(page.status == .ok)
            #expect(Self.metric(page, "active-users")! == ("1", "new"))
            #expect(Self.metric(page, "dau")?.value == "1")
            #expect(Self.metric(page, "wau")?.value == "1")
            #expect(Self.metric(page, "mau")?.value == "1")
            #expect(Self.metric(page, "sessions")?.value == "1")
            #expect(Self.metric(page, "searches")! == ("3", "new"))
            #expect(Self.metric(page, "resolution-rate")! == ("33.3 %", "—"), "1 of 3 resolved; nothing before")
            #expect(Self.metric(page, "tool-calls")?.value == "4")
            #expect(Self.metric(page, "tickets")! == ("0", "±0.0 %"))
            #expect(Self.metric(page, "error-rate")?.value == "0.0 %")
            #expect(Self.metric(page, "uptime")! == ("—", "—"))
            #expect(Self.metric(page, "feedback")?.value == "0")
            // A bucket bound; "> 5 s" when the loaded machine made one of the few requests that slow.
            let p95 = try #require(Self.metric(page, "p95-latency")?.value)
            #expect(p95.hasPrefix("≤ ") || p95 == "> 5 s", "\(p95)")
            #expect(Self.metric(page, "average-latency")?.value.hasSuffix(" ms") == true)
            #expect(Self.metric(page, "median-session")?.value.hasSuffix(" s") == true)
            for id in [
                "active-users", "dau", "wau", "mau", "sessions", "median-session", "p90-session", "searches", "resolution-rate", "tickets",
                "error-rate", "p50-latency", "p95-latency", "average-latency", "uptime", "tool-calls", "walkthrough-starts",
                "walkthrough-completions", "feedback",
            ] {
                #expect(Self.metric(page, id) != nil, "card \(id)")
            }
            #expect(page.html.contains("see docs/analytics.md"))
            // Charts: images with their data tables, over 7 days.
            for chart in ["chart-active-users", "chart-searches", "chart-requests"] {
                #expect(page.has(id: chart) && page.has(id: chart + "-data"), "\(chart)")
            }
            #expect(page.html.components(separatedBy: "role=\"img\"").count == 4)
            let today = AnalyticsFormat.shortDay(Date())
            #expect(page.html.contains("<tr><th scope=\"row\">\(today)</th><td>3</td><td>1</td></tr>"), "searches and resolved today")
            // Lists.
            #expect(page.html.contains("id=\"content-gaps\""))
            #expect(page.html.contains("id=\"top-pages\"") && page.html.contains("id=\"clients\"") && page.html.contains("swift-test"))
            #expect(page.html.contains("<code>search_docs</code></td><td>1</td><td>100.0 %</td><td>3</td>"), "adoption")
            // The navigation leads here; the old placeholder is gone.
            #expect(page.html.contains("href=\"\(Self.base)\" aria-current=\"page\">Analytics</a>"))
            #expect(!page.html.contains("Analytics appears here"))
        }
    }

    @Test func thePeriodIsSevenThirtyOrNinetyDays() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            try await harness.createServer(by: ada, in: "acme", slug: "guide", name: "Acme Docs")
            for (query, days) in [("", 7), ("?days=30", 30), ("?days=90", 90), ("?days=365", 7), ("?days=abc", 7), ("?days=-1", 7)] {
                let page = try await ada.get(Self.base + query)
                #expect(page.status == .ok)
                #expect(page.html.contains("id=\"period-\(days)\" href=\"\(Self.base)?days=\(days)\" aria-current=\"page\""), "\(query)")
                #expect(page.html.components(separatedBy: "<th scope=\"row\">").count == 3 * days + 1, "\(query): a row per day")
            }
            let days = try await ada.get(Self.base + "/days.csv?days=30")
            #expect(days.html.split(separator: "\r\n").count == 31)
            #expect(days.html.hasPrefix("day,active_users,sessions,searches,resolved_searches,unresolved_searches,tool_calls,requests,"))
        }
    }

    @Test func queryTextIsNeverMarkupNorAFormula() async throws {
        try await Harness.run { harness in
            let (ada, sessionID) = try await Self.scripted(harness)
            let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
            for path in ["", "/queries", "/queries?days=30", "/sessions/\(sessionID)"] {
                let page = try await ada.get(Self.base + path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.html.contains("<script>"), "\(path)")
                #expect(page.html.contains(escaped), "\(path)")
            }
            // The full lists: every group with its counts and its session.
            let queries = try await ada.get(Self.base + "/queries")
            let gaps = try #require(queries.html.range(of: "id=\"gaps-table\"")).upperBound
            #expect(queries.html[gaps...].contains("<td class=\"query\">\(escaped)</td><td>1</td><td>1</td><td>1</td><td>0</td><td>1</td>"))
            #expect(queries.html.contains("href=\"\(Self.base)/sessions/\(sessionID)\">#\(sessionID)</a>"))

            let csv = try await ada.get(Self.base + "/gaps.csv")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"guide-content-gaps-7d.csv\"")
            let lines = csv.html.components(separatedBy: "\r\n")
            #expect(lines.first == "query,normalized,searches,users,zero_results,resolved,unresolved,last_seen_utc,example_sessions")
            let formulaRow = try #require(lines.first { $0.contains("HYPERLINK") })
            #expect(
                formulaRow.hasPrefix("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"zzqx\"\")\","), "quoted, quotes doubled, neutralized")
            #expect(formulaRow.contains(",1,1,1,0,1,\(Self.day()) ") && formulaRow.hasSuffix(",\(sessionID)"), "\(formulaRow)")
            #expect(lines.contains { $0.hasPrefix("<script>alert(1)</script>,") }, "CSV is not HTML: the text as typed")
            #expect(!lines.contains { $0.hasPrefix("=") })
            let all = try await ada.get(Self.base + "/queries.csv")
            #expect(all.html.components(separatedBy: "\r\n").count == 5, "header, three groups, the final line end")
        }
    }

    /// Today as the CSV's dates start.
    static func day() -> String { AnalyticsFormat.day(Date()) }

    @Test func theSessionExplorerListsTheCallsInOrder() async throws {
        try await Harness.run { harness in
            let (ada, sessionID) = try await Self.scripted(harness)
            let list = try await ada.get(Self.base + "/sessions")
            #expect(list.html.contains("href=\"\(Self.base)/sessions/\(sessionID)\""))
            #expect(list.html.contains("swift-test 1.0"))
            let server = try #require(try await harness.platform.tenancy.server(slug: "guide"))
            let session = try await AnalyticsReport(database: harness.platform.database).session(serverID: server.id, id: sessionID)
            let participant = try #require(session?.participant)
            let filtered = try await ada.get(Self.base + "/sessions?participant=" + FormEncoding.escape(participant))
            #expect(filtered.html.contains("href=\"\(Self.base)/sessions/\(sessionID)\""))
            let nobody = try await ada.get(Self.base + "/sessions?participant=user%3A999")
            #expect(nobody.has(id: "no-sessions"))

            let page = try await ada.get(Self.base + "/sessions/\(sessionID)")
            let rows = page.html.components(separatedBy: "<tr><td class=\"nowrap\">").dropFirst()
            #expect(
                rows.map { $0.contains("<code>search_docs</code>") ? "search" : $0.contains("<code>read_page</code>") ? "read" : "other" }
                    == ["other", "search", "read", "search", "search"], "initialize, then the calls in order")
            #expect(rows.dropFirst().first?.contains("resolution-resolved\">resolved</span> <span class=\"muted\">read</span>") == true)
            #expect(rows.last?.contains("resolution-unresolved\">unresolved</span> <span class=\"muted\">no results</span>") == true)

            let users = try await ada.get(Self.base + "/users")
            #expect(users.html.contains("Anonymous session"))
            let csv = try await ada.get(Self.base + "/users.csv")
            #expect(csv.html.components(separatedBy: "\r\n")[1].hasPrefix(participant + ",,1,3,4,"))
        }
    }

    @Test func everyRoleReadsAndOtherOrganizationsGet404() async throws {
        try await Harness.run { harness in
            let (ada, sessionID) = try await Self.scripted(harness)
            let paths = [
                "", "?days=30", "/queries", "/queries.csv", "/gaps.csv", "/users", "/users.csv", "/sessions", "/sessions/\(sessionID)",
                "/days.csv",
            ]
            for role in [Role.admin, .member] {
                let reader = try await harness.member("\(role.rawValue)@example.com", as: role, of: "acme", invitedBy: ada)
                for path in paths { #expect(try await reader.get(Self.base + path).status == .ok, "\(role) \(path)") }
            }
            let bob = try await harness.owner("bob@example.com", organization: "Globex", slug: "globex")
            try await harness.createServer(by: bob, in: "globex", slug: "gx")
            for path in paths { #expect(try await bob.get(Self.base + path).status == .notFound, "bob \(path)") }
            // Ada's session is not found through Bob's server, nor an unknown one through Ada's.
            #expect(try await bob.get("/orgs/globex/servers/gx/analytics/sessions/\(sessionID)").status == .notFound)
            #expect(try await ada.get(Self.base + "/sessions/999999").status == .notFound)
            #expect(try await ada.get(Self.base + "/sessions/abc").status == .notFound)
            #expect(try await ada.get("/orgs/acme/servers/gx/analytics").status == .notFound)
            let bobs = try await bob.get("/orgs/globex/servers/gx/analytics")
            #expect(Self.metric(bobs, "searches")?.value == "0", "Ada's searches are not Globex's")
            let signedOut = try await harness.browser().get(Self.base)
            #expect(signedOut.status == .seeOther && signedOut.location?.hasPrefix("/login") == true)

            // The operator view: operators only.
            #expect(try await ada.get("/operator/analytics").status == .notFound)
            _ = try await harness.platform.accounts.users.create(
                email: "op@example.com", name: "Operator", password: Harness.password, isOperator: true)
            let watcher = harness.browser()
            let signedIn = try await watcher.submit("/login", ["email": "op@example.com", "password": Harness.password])
            #expect(signedIn.status == .seeOther)
            let console = try await watcher.get("/operator")
            #expect(console.html.contains("href=\"/operator/analytics\""))
            let overview = try await watcher.get("/operator/analytics?days=30")
            #expect(overview.status == .ok)
            let acme = try #require(overview.html.components(separatedBy: "id=\"server-guide\"").dropFirst().first)
            #expect(acme.contains("<td class=\"searches\">3</td><td class=\"resolution-rate\">33.3 %</td>"))
            #expect(overview.html.contains("id=\"server-gx\""))
            #expect(overview.html.contains("id=\"period-30\" href=\"/operator/analytics?days=30\" aria-current=\"page\""))
        }
    }

    @Test func cardsCompareWithThePreviousPeriod() {
        var previous = AnalyticsOverview(period: .last(7))
        var current = previous
        previous.activeUsers = 4
        current.activeUsers = 5
        previous.tickets = 10
        current.tickets = 8
        previous.resolvedSearches = 1
        previous.unresolvedSearches = 1
        current.resolvedSearches = 3
        current.unresolvedSearches = 1
        previous.p95Latency = "≤ 100 ms"
        current.p95Latency = "≤ 50 ms"
        current.medianSessionSeconds = 252
        let cards = MetricCard.overview(current, previous: previous, resolutionWindow: 600).flatMap(\.cards)
        func card(_ id: String) -> MetricCard { cards.first { $0.id == "metric-\(id)" }! }
        #expect((card("active-users").delta, card("active-users").tone) == ("▲ 25.0 %", "good"))
        #expect((card("tickets").delta, card("tickets").tone) == ("▼ 20.0 %", "good"), "fewer tickets is the ticket reduction")
        #expect((card("resolution-rate").value, card("resolution-rate").delta) == ("75.0 %", "▲ 25.0 pt"))
        #expect((card("p95-latency").delta, card("p95-latency").tone) == ("▼ 50.0 %", "good"))
        #expect((card("median-session").value, card("median-session").delta) == ("4 min 12 s", "—"))
        #expect(card("sessions").delta == "±0.0 %")
        #expect(card("resolution-rate").definition.contains("within 10 min"))
        #expect(MetricCard.latencyBound("> 5 s")! > MetricCard.latencyBound("≤ 5000 ms")!)
    }
}
