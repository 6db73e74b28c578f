import Foundation
import HTTPTypes
import Hummingbird

/// The signed-in user of a dashboard request, with the CSRF token their forms must carry.
struct Visitor: Sendable {
    let user: User
    let sessionToken: String
    let csrfToken: String
    let memberships: [Membership]
    /// Open support tickets of the current organization this visitor has not seen (the
    /// sidebar's badge); set by ``Dashboard/member(_:_:)`` for pages.
    var unreadTickets = 0
}

/// A response that ends a dashboard request early (a redirect to sign in, a 404, a 403…).
struct PageResponse: Error, HTTPResponseError {
    let response: Response

    var status: HTTPResponse.Status { response.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response
    }

    static func redirect(_ location: String) -> PageResponse {
        PageResponse(response: Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"]))
    }
}

/// What every dashboard handler needs: the platform, the signed-in visitor, their
/// organization membership, forms with CSRF checks, and rendering inside the app layout.
struct Dashboard: Sendable {
    let platform: Platform
    var accounts: AccountServices { platform.accounts }
    var pages: HTMLPages { platform.pages }

    static let sessionCookie = "mcp_session"
    /// The CSRF cookie of forms shown before signing in (double-submit).
    static let anonymousCSRFCookie = "mcp_csrf"
    static let maximumFormBytes = 64 << 10

    // MARK: Visitors

    /// The signed-in visitor, or nil.
    func visitor(_ request: Request) async throws -> Visitor? {
        guard let token = AuthorizationFlow.cookieValue(request, named: Self.sessionCookie),
            let user = try await accounts.sessions.user(token: token)
        else { return nil }
        return Visitor(
            user: user, sessionToken: token, csrfToken: accounts.sessions.csrfToken(for: token),
            memberships: try await accounts.memberships.memberships(userID: user.id))
    }

    /// The signed-in visitor; otherwise a redirect to the sign-in page that comes back here.
    func requireVisitor(_ request: Request) async throws -> Visitor {
        guard let visitor = try await visitor(request) else {
            throw PageResponse.redirect("/login?next=" + FormEncoding.escape(request.uri.path))
        }
        return visitor
    }

    /// The signed-in operator; 404 for other accounts, so that the operator's pages do not exist for them.
    func requireOperator(_ request: Request) async throws -> Visitor {
        let visitor = try await requireVisitor(request)
        guard visitor.user.isOperator else { throw notFound() }
        return visitor
    }

    /// The visitor's membership of the organization in the path: 404 when they have none, so
    /// that other organizations' existence is not revealed.
    func requireMembership(_ visitor: Visitor, _ context: AppRequestContext) throws -> Membership {
        let slug = context.parameters.get("org") ?? ""
        guard let membership = visitor.memberships.first(where: { $0.organization.slug == slug }) else { throw notFound() }
        return membership
    }

    /// The signed-in visitor and their membership of the organization in the path. For a page
    /// (GET), the visitor carries the count of unread support tickets for the sidebar.
    func member(_ request: Request, _ context: AppRequestContext) async throws -> (Visitor, Membership) {
        var visitor = try await requireVisitor(request)
        let membership = try requireMembership(visitor, context)
        if request.method == .get {
            visitor.unreadTickets = try await TicketStore(database: platform.database).unreadCount(
                organizationID: membership.organization.id, userID: visitor.user.id)
        }
        return (visitor, membership)
    }

    /// The visitor, their membership, and the organization's server in the path.
    func serverScope(_ request: Request, _ context: AppRequestContext) async throws -> (Visitor, Membership, TenantServer) {
        let (visitor, membership) = try await member(request, context)
        return (visitor, membership, try await requireServer(membership, context))
    }

    /// The server in the path, when it belongs to the membership's organization; else 404.
    func requireServer(_ membership: Membership, _ context: AppRequestContext) async throws -> TenantServer {
        guard let server = try await platform.tenancy.server(slug: context.parameters.get("server") ?? ""),
            server.organizationID == membership.organization.id
        else { throw notFound() }
        return server
    }

    /// 403 unless `allowed`.
    func require(_ allowed: Bool, _ visitor: Visitor, _ membership: Membership, what: String) throws {
        guard allowed else {
            throw PageResponse(
                response: render(
                    "notice",
                    [
                        "heading": "Not allowed",
                        "message": "Your role (\(membership.role.rawValue)) cannot \(what). Ask an owner or admin.",
                    ],
                    visitor: visitor, membership: membership, title: "Not allowed", status: .forbidden))
        }
    }

    func notFound() -> PageResponse {
        PageResponse(
            response: pages.message(
                "Page not found", "There is nothing here, or you do not have access to it.", eyebrow: "MCPlatform", status: .notFound))
    }

    // MARK: Forms

    /// The form of a POST (at most 64 KiB, no repeated fields).
    func form(_ request: Request) async throws -> [String: String] {
        guard let body = try? await request.body.collect(upTo: Self.maximumFormBytes) else {
            throw PageResponse(
                response: pages.message("Form too large", "The form exceeds 64 KiB.", eyebrow: "MCPlatform", status: .contentTooLarge))
        }
        let (values, duplicates) = FormEncoding.decode(String(buffer: body))
        guard duplicates.isEmpty else {
            throw PageResponse(
                response: pages.message("Invalid form", "A field appears more than once.", eyebrow: "MCPlatform", status: .badRequest))
        }
        return values
    }

    /// The form of a signed-in visitor's POST, after checking its CSRF token.
    func form(_ request: Request, visitor: Visitor) async throws -> [String: String] {
        let form = try await form(request)
        guard form["_csrf"] == visitor.csrfToken else { throw csrfFailure() }
        return form
    }

    /// The form of a signed-out POST (sign-up, sign-in), checked against the CSRF cookie.
    func anonymousForm(_ request: Request) async throws -> [String: String] {
        let form = try await form(request)
        guard let cookie = AuthorizationFlow.cookieValue(request, named: Self.anonymousCSRFCookie), !cookie.isEmpty, form["_csrf"] == cookie
        else {
            throw csrfFailure()
        }
        return form
    }

    /// 403: the form's CSRF token is missing or wrong.
    func csrfFailure() -> PageResponse {
        PageResponse(
            response: pages.message(
                "This form has expired",
                "The form could not be verified (it is stale, or cookies are blocked). Go back, reload the page and try again.",
                eyebrow: "MCPlatform", status: .forbidden))
    }

    // MARK: Rendering

    /// Renders `template` inside the app layout: top bar with the organization switcher, and
    /// the organization's navigation.
    func render(
        _ template: String, _ values: [String: Any], visitor: Visitor, membership: Membership?, server: TenantServer? = nil, title: String,
        section: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        values["title"] = title
        values["csrf"] = visitor.csrfToken
        values["user"] = ["name": visitor.user.name, "email": visitor.user.email, "operator": visitor.user.isOperator]
        values["organizations"] = visitor.memberships.map {
            [
                "name": $0.organization.name, "url": "/orgs/\($0.organization.slug)",
                "selected": $0.organization.slug == membership?.organization.slug,
            ]
        }
        if let membership {
            let base = "/orgs/\(membership.organization.slug)"
            values["org"] = [
                "name": membership.organization.name, "slug": membership.organization.slug, "role": membership.role.rawValue, "url": base,
            ]
            let unread = visitor.unreadTickets
            values["nav"] = [
                ("servers", "MCP servers", base, ""), ("support", "Support", base + "/tickets", unread > 0 ? "\(unread)" : ""),
                ("members", "Members", base + "/members", ""), ("api-keys", "API keys", base + "/api-keys", ""),
                ("webhooks", "Webhooks", base + "/webhooks", ""), ("alerts", "Alerts", base + "/alerts", ""),
            ].map { id, label, url, badge -> [String: Any] in
                ["id": "nav-\(id)", "label": label, "url": url, "current": section == id, "hasBadge": !badge.isEmpty, "badge": badge]
            }
            if let server {
                let serverBase = "\(base)/servers/\(server.slug)"
                values["serverNav"] = [
                    "name": server.name,
                    "items": [
                        ["label": "Overview", "url": serverBase, "current": section == "overview"],
                        ["label": "Documentation", "url": serverBase + "/docs", "current": section == "docs"],
                        ["label": "Walkthroughs", "url": serverBase + "/walkthroughs", "current": section == "walkthroughs"],
                        ["label": "Analytics", "url": serverBase + "/analytics", "current": section == "analytics"],
                        ["label": "Search playground", "url": serverBase + "/playground", "current": section == "playground"],
                        ["label": "Authentication", "url": serverBase + "/auth", "current": section == "auth"],
                        ["label": "Settings", "url": serverBase + "/settings", "current": section == "settings"],
                    ],
                ]
            }
        }
        return pages.render(template, values, status: status)
    }

    /// Sets the session cookie and redirects.
    func signIn(_ user: User, redirectTo location: String) async throws -> Response {
        let token = try await accounts.sessions.create(userID: user.id)
        var response = PageResponse.redirect(location).response
        response.headers.append(
            HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, token, maxAge: Int(WebSessionStore.absoluteLifetime))))
        return response
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax"
            + (platform.configuration.publicOrigin.hasPrefix("https://") ? "; Secure" : "")
    }

    /// A signed-out page with its double-submit CSRF cookie (kept when the browser has one).
    func anonymousPage(_ template: String, request: Request, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let existing = AuthorizationFlow.cookieValue(request, named: Dashboard.anonymousCSRFCookie).flatMap {
            $0.utf8.count == 43 ? $0 : nil
        }
        let token = existing ?? RandomToken.make()
        var values = values
        values["csrf"] = token
        // `next` goes into links too, where it must be URL-encoded (the template HTML-escapes it).
        if let next = values["next"] as? String, !next.isEmpty { values["nextQuery"] = FormEncoding.escape(next) }
        var response = pages.render(template, values, status: status)
        if existing == nil {
            response.headers.append(
                HTTPField(name: .setCookie, value: cookie(Dashboard.anonymousCSRFCookie, token, maxAge: 86400)))
        }
        return response
    }

    /// A same-site path to return to after signing in (never another site). Browsers drop tabs
    /// and newlines from URLs and read `\` as `/`, so `/<tab>/evil.example` is `//evil.example`:
    /// no control characters or backslashes anywhere.
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), next.utf8.count <= 512,
            !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" })
        else { return nil }
        return next
    }
}
