import Foundation
import Hummingbird
import Logging

/// An organization's members and invitations, and accepting an invitation.
struct MemberPages: Sendable {
    let dashboard: Dashboard
    var accounts: AccountServices { dashboard.accounts }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/orgs/{org}/members") { request, context in try await members(request, context) }
        router.post("/orgs/{org}/invitations") { request, context in try await invite(request, context) }
        router.post("/orgs/{org}/invitations/{id}/revoke") { request, context in try await revoke(request, context) }
        router.get("/invitations/{token}") { request, context in try await invitation(request, context) }
        router.post("/invitations/{token}") { request, context in try await accept(request, context) }
    }

    private func members(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        return try await page(visitor, membership)
    }

    private func page(
        _ visitor: Visitor, _ membership: Membership, invitationLink: String? = nil, errors: [String: String] = [:], email: String = "",
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let organization = membership.organization
        let members = try await accounts.memberships.members(organizationID: organization.id)
        let invitations = membership.role.canInvite ? try await accounts.invitations.pending(organizationID: organization.id) : []
        var values: [String: Any] = [
            "members": members.map { ["name": $0.name, "email": $0.email, "role": $0.role.rawValue, "you": $0.userID == visitor.user.id] },
            "canInvite": membership.role.canInvite,
            "roles": membership.role.grantableRoles.map { ["value": $0.rawValue, "selected": $0 == .member] },
            "invitations": invitations.map {
                [
                    "email": $0.email, "role": $0.role.rawValue, "expires": Self.format($0.expiresAt),
                    "revokeURL": "/orgs/\(organization.slug)/invitations/\($0.id)/revoke",
                ]
            },
            "hasInvitations": !invitations.isEmpty,
            "inviteURL": "/orgs/\(organization.slug)/invitations",
            "email": email,
            "errors": errors,
        ]
        values["invitationLink"] = invitationLink
        return dashboard.render(
            "members", values, visitor: visitor, membership: membership, title: "Members", section: "members", status: status)
    }

    private func invite(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        try dashboard.require(membership.role.canInvite, visitor, membership, what: "invite members")
        let form = try await dashboard.form(request, visitor: visitor)
        let emailText = form["email"] ?? ""
        guard let email = try? UserStore.normalizedEmail(emailText) else {
            return try await page(
                visitor, membership, errors: ["email": AccountError.invalidEmail.description], email: emailText,
                status: .unprocessableContent)
        }
        guard let role = Role(rawValue: form["role"] ?? ""), membership.role.grantableRoles.contains(role) else {
            return try await page(
                visitor, membership, errors: ["role": "choose a role you may grant"], email: email, status: .unprocessableContent)
        }
        let (_, token) = try await accounts.invitations.create(
            organizationID: membership.organization.id, email: email, role: role, invitedBy: visitor.user.id)
        context.logger.info(
            "invitation created", metadata: ["organization": .string(membership.organization.slug), "role": .string(role.rawValue)])
        return try await page(visitor, membership, invitationLink: dashboard.platform.configuration.publicOrigin + "/invitations/" + token)
    }

    private func revoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership) = try await dashboard.member(request, context)
        try dashboard.require(membership.role.canInvite, visitor, membership, what: "revoke invitations")
        _ = try await dashboard.form(request, visitor: visitor)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            try await accounts.invitations.revoke(id: id, organizationID: membership.organization.id)
        else { throw dashboard.notFound() }
        return PageResponse.redirect("/orgs/\(membership.organization.slug)/members").response
    }

    // MARK: Accepting

    private func invitation(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let invitation = try await accounts.invitations.find(token: token), invitation.isUsable(),
            let organization = try await dashboard.platform.tenancy.organization(id: invitation.organizationID)
        else { return gone() }
        let path = "/invitations/" + token
        guard let visitor = try await dashboard.visitor(request) else {
            return dashboard.pages.render(
                "invitation",
                [
                    "organization": organization.name, "role": invitation.role.rawValue, "email": invitation.email,
                    "signUpURL": "/signup?next=" + FormEncoding.escape(path), "logInURL": "/login?next=" + FormEncoding.escape(path),
                ])
        }
        return dashboard.render(
            "invitation",
            [
                "organization": organization.name, "role": invitation.role.rawValue, "email": invitation.email, "signedIn": true,
                "action": path,
            ],
            visitor: visitor, membership: nil, title: "Join \(organization.name)")
    }

    private func accept(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let visitor = try await dashboard.requireVisitor(request)
        _ = try await dashboard.form(request, visitor: visitor)
        guard let invitation = try await accounts.invitations.find(token: context.parameters.get("token") ?? ""),
            let organization = try await dashboard.platform.tenancy.organization(id: invitation.organizationID),
            try await accounts.invitations.accept(id: invitation.id)
        else { return gone() }
        try await accounts.memberships.add(userID: visitor.user.id, organizationID: organization.id, role: invitation.role)
        context.logger.info("invitation accepted", metadata: ["organization": .string(organization.slug)])
        return PageResponse.redirect("/orgs/\(organization.slug)").response
    }

    private func gone() -> Response {
        dashboard.pages.message(
            "This invitation is no longer valid", "It has expired (invitations last 48 hours), was revoked, or was already used.",
            hint: "Ask the person who invited you for a new link.", eyebrow: "MCPlatform", status: .gone)
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false)).replacingOccurrences(of: "T", with: " ")
    }
}
