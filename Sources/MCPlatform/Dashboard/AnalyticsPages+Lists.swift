import Foundation
import Hummingbird

/// The analytics lists: every query group and content gap, the end users (paged), the usage
/// sessions (paged, filtered by end user) and one session's timeline.
extension AnalyticsPages {
    /// Rows of the full query lists.
    static let queryRows = 500

    func queries(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let (serverID, period) = (scope.server.id, scope.period)
        let values: [String: Any] = [
            "topQueries": try await report.topQueries(serverID: serverID, period: period, limit: Self.queryRows).map { query(scope, $0) },
            "gaps": try await report.contentGaps(serverID: serverID, period: period, limit: Self.queryRows).map { query(scope, $0) },
            "queriesCSV": scope.url("/queries.csv"), "gapsCSV": scope.url("/gaps.csv"),
        ]
        return render("analytics_queries", values, scope, path: "/queries", title: "Queries")
    }

    func users(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let page = Self.pageNumber(request)
        let rows = try await report.endUsers(
            serverID: scope.server.id, period: scope.period, limit: Self.pageSize + 1, offset: (page - 1) * Self.pageSize)
        var values = pager(scope, "/users", page: page, hasMore: rows.count > Self.pageSize)
        values["users"] = rows.prefix(Self.pageSize).map { user -> [String: Any] in
            [
                "name": user.label ?? Self.anonymous(user.participant), "participant": user.participant,
                "sessions": AnalyticsFormat.number(user.sessions), "searches": AnalyticsFormat.number(user.searches),
                "toolCalls": AnalyticsFormat.number(user.toolCalls), "firstSeen": AnalyticsFormat.dateTime(user.firstSeen),
                "lastSeen": AnalyticsFormat.dateTime(user.lastSeen),
                "sessionsURL": scope.url("/sessions", ["participant": user.participant]),
            ]
        }
        values["csvURL"] = scope.url("/users.csv")
        return render("analytics_users", values, scope, path: "/users", title: "End users")
    }

    func sessions(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        let page = Self.pageNumber(request)
        let participant = (request.uri.queryParameters.get("participant") ?? "").trimmingCharacters(in: .whitespaces)
        guard participant.utf8.count <= 300 else { throw dashboard.notFound() }
        let filter = participant.isEmpty ? nil : participant
        let rows = try await report.sessions(
            serverID: scope.server.id, period: scope.period, participant: filter, limit: Self.pageSize + 1,
            offset: (page - 1) * Self.pageSize)
        var values = pager(scope, "/sessions", page: page, hasMore: rows.count > Self.pageSize, filter.map { ["participant": $0] } ?? [:])
        values["sessions"] = rows.prefix(Self.pageSize).map { session(scope, $0) }
        values["participant"] = participant
        values["filtered"] = filter != nil
        values["allURL"] = scope.url("/sessions")
        values["days"] = scope.period.days
        return render("analytics_sessions", values, scope, path: "/sessions", title: "Sessions")
    }

    func session(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let session = try await report.session(serverID: scope.server.id, id: id)
        else { throw dashboard.notFound() }
        let events = try await report.timeline(serverID: scope.server.id, sessionID: session.id).map { event -> [String: Any] in
            var values: [String: Any] = [
                "at": AnalyticsFormat.dateTime(event.at), "method": event.method, "outcome": event.outcome.rawValue,
                "latency": AnalyticsFormat.milliseconds(event.latencyMilliseconds),
                "results": event.resultCount.map(AnalyticsFormat.number) ?? "",
            ]
            values["tool"] = event.tool
            values["summary"] = event.summary
            values["resolution"] = event.resolution
            values["reason"] = event.resolutionReason?.replacingOccurrences(of: "_", with: " ")
            return values
        }
        return render(
            "analytics_session", ["session": self.session(scope, session), "events": events, "sessionsURL": scope.url("/sessions")], scope,
            title: "Session \(session.id)")
    }

    /// A session as the lists and its page show it.
    func session(_ scope: Scope, _ session: AnalyticsSession) -> [String: Any] {
        var client = session.clientName ?? "unknown client"
        if let version = session.clientVersion { client += " " + version }
        return [
            "id": session.id, "url": "\(scope.baseURL)/sessions/\(session.id)",
            "name": session.label ?? Self.anonymous(session.participant), "participant": session.participant, "client": client,
            "started": AnalyticsFormat.dateTime(session.startedAt), "lastActivity": AnalyticsFormat.dateTime(session.lastActivityAt),
            "duration": AnalyticsFormat.duration(session.durationSeconds), "requests": AnalyticsFormat.number(session.requests),
            "toolCalls": AnalyticsFormat.number(session.toolCalls), "searches": AnalyticsFormat.number(session.searches),
            "participantURL": scope.url("/sessions", ["participant": session.participant]),
        ]
    }

    /// The links to the previous and next pages of a paged list.
    func pager(_ scope: Scope, _ path: String, page: Int, hasMore: Bool, _ query: [String: String] = [:]) -> [String: Any] {
        var values: [String: Any] = ["pageNumber": page]
        if page > 1 { values["previousURL"] = scope.url(path, query.merging(["page": "\(page - 1)"]) { $1 }) }
        if hasMore { values["nextURL"] = scope.url(path, query.merging(["page": "\(page + 1)"]) { $1 }) }
        return values
    }

    /// "Anonymous session 3f2a…": an end user without a name.
    static func anonymous(_ participant: String) -> String {
        participant.hasPrefix("session:") ? "Anonymous session \(participant.dropFirst(8).prefix(8))…" : participant
    }
}
