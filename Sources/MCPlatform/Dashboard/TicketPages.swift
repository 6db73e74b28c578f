import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The organization's support inbox: tickets raised by end users' agents
/// (`create_support_ticket`), filtered by status, priority, assignee, server and text, with bulk
/// actions. One ticket's page and its changes are in TicketDetailPages.swift. Every member
/// (any role) reads, answers and triages tickets: support agents are usually members.
struct TicketPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }
    var store: TicketStore { TicketStore(database: platform.database) }

    static let pageSize = 50
    static let maximumComment = 10_000

    func addRoutes(to router: Router<AppRequestContext>) {
        let base = "/orgs/{org}/tickets"
        router.get(RouterPath(base)) { request, context in try await inbox(request, context) }
        router.post("\(base)/bulk") { request, context in try await bulk(request, context) }
        router.get("\(base)/{number}") { request, context in try await show(request, context) }
        router.post("\(base)/{number}/comments") { request, context in try await comment(request, context) }
        for change in TicketChange.allCases {
            router.post("\(base)/{number}/\(change.rawValue)") { request, context in try await perform(change, request, context) }
        }
    }

    // MARK: Scope

    /// Who asks, in which organization; with the organization's servers and members.
    struct Scope {
        var visitor: Visitor
        let membership: Membership
        let servers: [TenantServer]
        let members: [Member]

        var inboxURL: String { "/orgs/\(membership.organization.slug)/tickets" }
        func url(_ number: Int, _ path: String = "") -> String { "\(inboxURL)/\(number)\(path)" }
        func server(_ id: Int64) -> TenantServer? { servers.first { $0.id == id } }
        func member(_ id: Int64?) -> Member? { members.first { $0.userID == id } }
    }

    func scope(_ request: Request, _ context: AppRequestContext) async throws -> Scope {
        let (visitor, membership) = try await dashboard.member(request, context)
        let organizationID = membership.organization.id
        return Scope(
            visitor: visitor, membership: membership, servers: try await platform.tenancy.servers(organizationID: organizationID),
            members: try await dashboard.accounts.memberships.members(organizationID: organizationID))
    }

    /// What a page says after a change redirected to it.
    enum Notice: String, PageNotice {
        case replied, noted, status, priority, assigned, unchanged
        case bulkStatus = "bulk-status", bulkAssigned = "bulk-assigned", bulkRead = "bulk-read", noneSelected = "none-selected"

        var text: String {
            switch self {
            case .replied: "Reply sent: the reporter gets it by email and through their agent."
            case .noted: "Internal note added: only your team sees it."
            case .status: "Status changed."
            case .priority: "Priority changed."
            case .assigned: "Assignee changed."
            case .unchanged: "Nothing changed."
            case .bulkStatus: "Status set on the selected tickets."
            case .bulkAssigned: "The selected tickets are assigned to you."
            case .bulkRead: "The selected tickets are marked read."
            case .noneSelected: "Select tickets first (the boxes in the first column)."
            }
        }
    }

    // MARK: Filters

    /// The inbox's filters as the query (or the bulk form) names them; unknown values are ignored.
    struct Query: Equatable {
        /// `open` (pending and in progress), a status, or `all`.
        var status = "open"
        var priority: Ticket.Priority?
        /// `me`, `unassigned`, or a member's user id; nil: anyone.
        var assignee: String?
        var server: String?
        var text = ""
        var page = 1

        init(_ get: (String) -> String?) {
            if let status = get("status"), status == "all" || Ticket.Status(rawValue: status) != nil { self.status = status }
            priority = get("priority").flatMap(Ticket.Priority.init(rawValue:))
            assignee = get("assignee").flatMap { $0 == "me" || $0 == "unassigned" || Int64($0) != nil ? $0 : nil }
            server = get("server").flatMap { $0.isEmpty ? nil : String($0.prefix(63)) }
            text = String((get("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
            page = get("page").flatMap(Int.init).map { min(max($0, 1), 10_000) } ?? 1
        }

        var statuses: [Ticket.Status] {
            switch status {
            case "open": [.pending, .inProgress]
            case "all": []
            default: Ticket.Status(rawValue: status).map { [$0] } ?? []
            }
        }

        func filter(_ scope: Scope) -> TicketStore.InboxFilter {
            var filter = TicketStore.InboxFilter()
            filter.statuses = statuses
            filter.priority = priority
            filter.assigneeID =
                switch assignee {
                case "me"?: scope.visitor.user.id
                case "unassigned"?: 0
                case let id?: Int64(id)
                case nil: nil
                }
            // An unknown server shows nothing rather than everything.
            filter.serverID = server.map { slug in scope.servers.first { $0.slug == slug }?.id ?? -1 }
            filter.text = text.isEmpty ? nil : text
            filter.limit = TicketPages.pageSize + 1
            filter.offset = (page - 1) * TicketPages.pageSize
            return filter
        }

        /// The query string of these filters (without the `?`), with `changes` applied.
        func string(status: String? = nil, page: Int? = nil) -> String {
            var pairs: [(String, String)] = [("status", status ?? self.status)]
            if let priority { pairs.append(("priority", priority.rawValue)) }
            if let assignee { pairs.append(("assignee", assignee)) }
            if let server { pairs.append(("server", server)) }
            if !text.isEmpty { pairs.append(("q", text)) }
            let page = page ?? (status == nil ? self.page : 1)
            if page > 1 { pairs.append(("page", "\(page)")) }
            return pairs.map { "\($0)=\(FormEncoding.escape($1))" }.joined(separator: "&")
        }
    }

    // MARK: The inbox

    func inbox(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let query = Query { request.uri.queryParameters.get($0) }
        let organizationID = scope.membership.organization.id
        let entries = try await store.inbox(organizationID: organizationID, filter: query.filter(scope), userID: scope.visitor.user.id)
        let counts = try await store.statusCounts(organizationID: organizationID)
        let open = (counts[.pending] ?? 0) + (counts[.inProgress] ?? 0)
        var tabs: [(id: String, label: String, count: Int)] = [("open", "Open", open)]
        tabs += Ticket.Status.allCases.map { ($0.rawValue, $0.label, counts[$0] ?? 0) }
        tabs.append(("all", "All", counts.values.reduce(0, +)))
        let rows = entries.prefix(Self.pageSize).map { entry -> [String: Any] in
            let ticket = entry.ticket
            return [
                "number": ticket.number, "title": ticket.title, "url": scope.url(ticket.number), "unread": entry.unread,
                "server": scope.server(ticket.serverID)?.name ?? "–", "status": ticket.status.rawValue, "statusLabel": ticket.status.label,
                "priority": ticket.priority.rawValue, "assignee": scope.member(ticket.assigneeID)?.name ?? "–",
                "email": ticket.email ?? "–", "updated": String(MemberPages.format(ticket.updatedAt).prefix(16)),
            ]
        }
        let me = "\(scope.visitor.user.id)"
        var values: [String: Any] = [
            "tabs": tabs.map { tab -> [String: Any] in
                [
                    "id": tab.id, "label": tab.label, "count": tab.count, "current": tab.id == query.status,
                    "url": "?" + query.string(status: tab.id),
                ]
            },
            "status": query.status, "q": query.text, "tickets": rows, "hasTickets": !rows.isEmpty,
            "hasAnyTicket": !counts.isEmpty, "bulkURL": scope.inboxURL + "/bulk",
            "priorities": Self.options(
                Ticket.Priority.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }, selected: query.priority?.rawValue),
            "assignees": Self.options(
                [("me", "Me"), ("unassigned", "Unassigned")]
                    + scope.members.filter { "\($0.userID)" != me }.map { ("\($0.userID)", $0.name) },
                selected: query.assignee),
            "servers": Self.options(scope.servers.map { ($0.slug, $0.name) }, selected: query.server),
            "statusOptions": Self.options(Ticket.Status.allCases.map { ($0.rawValue, $0.label) }, selected: nil),
            "filters": [
                ["name": "status", "value": query.status], ["name": "priority", "value": query.priority?.rawValue ?? ""],
                ["name": "assignee", "value": query.assignee ?? ""], ["name": "server", "value": query.server ?? ""],
                ["name": "q", "value": query.text], ["name": "page", "value": "\(query.page)"],
            ],
        ]
        if query.page > 1 { values["previousURL"] = "?" + query.string(page: query.page - 1) }
        if entries.count > Self.pageSize { values["nextURL"] = "?" + query.string(page: query.page + 1) }
        values["pageNumber"] = query.page
        if let notice = Notice(request) { values["flash"] = ["kind": notice == .noneSelected ? "error" : "success", "text": notice.text] }
        return dashboard.render(
            "tickets", values, visitor: scope.visitor, membership: scope.membership, title: "Support", section: "support")
    }

    /// Applies a bulk action to the checked tickets (`ticket-<number>` fields), then shows the
    /// inbox again with the same filters.
    func bulk(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let form = try await dashboard.form(request, visitor: scope.visitor)
        let query = Query { form[$0] }
        let numbers = form.keys.compactMap { $0.hasPrefix("ticket-") ? Int($0.dropFirst("ticket-".count)) : nil }.sorted()
        var tickets: [Ticket] = []
        for number in numbers.prefix(Self.pageSize * 2) {
            if let ticket = try await store.ticket(number: number, organizationID: scope.membership.organization.id) {
                tickets.append(ticket)
            }
        }
        let back = scope.inboxURL + "?" + query.string()
        guard !tickets.isEmpty else { return PageResponse.redirect(back + "&notice=\(Notice.noneSelected.rawValue)").response }
        let user = scope.visitor.user
        let notice: Notice
        switch form["action"] {
        case "status":
            guard let status = Ticket.Status(rawValue: form["bulk_status"] ?? "") else { throw dashboard.notFound() }
            for ticket in tickets {
                if let changed = try await store.setStatus(status, of: ticket, author: user), let server = scope.server(ticket.serverID) {
                    await notifications(context).statusChanged(changed, from: ticket.status, author: user, server: server)
                }
            }
            notice = .bulkStatus
        case "assign-me":
            for ticket in tickets {
                if let changed = try await store.assign(ticket, to: user, author: user), let server = scope.server(ticket.serverID) {
                    await notifications(context).assigned(changed, author: user, server: server)
                }
            }
            notice = .bulkAssigned
        case "read":
            for ticket in tickets { try await store.markRead(ticket, userID: user.id) }
            notice = .bulkRead
        default:
            return PageResponse.redirect(back).response
        }
        context.logger.info(
            "tickets changed in bulk",
            metadata: ["organization": .string(scope.membership.organization.slug), "action": .string(form["action"] ?? "")])
        return PageResponse.redirect(back + "&notice=\(notice.rawValue)").response
    }

    // MARK: Helpers

    func notifications(_ context: AppRequestContext) -> SupportNotifications {
        SupportNotifications(platform: platform, logger: context.logger)
    }

    static func options(_ options: [(String, String)], selected: String?) -> [[String: Any]] {
        options.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == selected] }
    }
}
