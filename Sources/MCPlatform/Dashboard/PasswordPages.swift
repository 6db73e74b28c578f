import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The account page (name, password change) and password reset by emailed link.
struct PasswordPages: Sendable {
    let dashboard: Dashboard
    var accounts: AccountServices { dashboard.accounts }

    /// Reset requests per email (and per client address) in an hour.
    static let resetLimit = RateLimiter.Limit(requests: 5, perSeconds: 3600)

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/account") { request, _ in try await account(request) }
        router.post("/account") { request, _ in try await saveAccount(request) }
        router.post("/account/password") { request, context in try await changePassword(request, context) }
        router.get("/password/forgot") { request, _ in try await forgotForm(request) }
        router.post("/password/forgot") { request, context in try await forgot(request, context) }
        router.get("/password/reset/{token}") { request, context in try await resetForm(request, context) }
        router.post("/password/reset/{token}") { request, context in try await reset(request, context) }
    }

    // MARK: Account

    private func account(_ request: Request) async throws -> Response {
        let visitor = try await dashboard.requireVisitor(request)
        return accountPage(visitor, name: visitor.user.name)
    }

    private func accountPage(
        _ visitor: Visitor, name: String, errors: [String: String] = [:], flash: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        var values: [String: Any] = ["name": name, "email": visitor.user.email, "errors": errors]
        if let flash { values["flash"] = ["kind": "success", "text": flash] }
        return dashboard.render("account", values, visitor: visitor, membership: nil, title: "Your account", status: status)
    }

    private func saveAccount(_ request: Request) async throws -> Response {
        let visitor = try await dashboard.requireVisitor(request)
        let form = try await dashboard.form(request, visitor: visitor)
        do {
            try await accounts.users.rename(userID: visitor.user.id, to: form["name"] ?? "")
        } catch let error as AccountError {
            return accountPage(visitor, name: form["name"] ?? "", errors: ["name": error.description], status: .unprocessableContent)
        }
        return PageResponse.redirect("/account").response
    }

    /// Changing the password signs every other browser out.
    private func changePassword(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let visitor = try await dashboard.requireVisitor(request)
        let form = try await dashboard.form(request, visitor: visitor)
        guard try await accounts.users.verifyPassword(form["current_password"] ?? "", userID: visitor.user.id) else {
            return accountPage(
                visitor, name: visitor.user.name, errors: ["current_password": "this is not your current password"],
                status: .unprocessableContent)
        }
        do {
            try await accounts.users.setPassword(form["new_password"] ?? "", userID: visitor.user.id)
        } catch let error as AccountError {
            return accountPage(visitor, name: visitor.user.name, errors: ["new_password": error.description], status: .unprocessableContent)
        }
        try await accounts.sessions.endAll(userID: visitor.user.id)
        context.logger.info("password changed")
        return try await dashboard.signIn(visitor.user, redirectTo: "/account")
    }

    // MARK: Reset

    private func forgotForm(_ request: Request) async throws -> Response {
        dashboard.anonymousPage("password_forgot", request: request, [:])
    }

    /// Always answers the same way, so that the form does not reveal which emails have accounts.
    private func forgot(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await dashboard.anonymousForm(request)
        let email = (form["email"] ?? "").lowercased().trimmingCharacters(in: .whitespaces)
        let limiter = dashboard.platform.auth.rateLimiter
        let keys = ["reset-email:" + String(email.prefix(254)), "reset-address:" + context.clientAddress]
        var limited = false
        for key in keys where try await limiter.hit(key, limit: Self.resetLimit) != nil { limited = true }
        if !limited, let user = try await accounts.users.find(email: email) {
            let token = try await accounts.passwordResets.create(userID: user.id)
            let link = dashboard.platform.configuration.publicOrigin + "/password/reset/" + token
            try await accounts.outbox.enqueue(
                to: user.email, subject: "Reset your MCPlatform password",
                body:
                    "Someone asked to reset the password of your MCPlatform account.\n\nTo choose a new password, open this link within an hour:\n\(link)\n\nIf it was not you, ignore this email.",
                logger: context.logger)
        }
        return dashboard.anonymousPage(
            "password_forgot", request: request,
            [
                "sent": true, "email": email,
                "flash": ["kind": "success", "text": "If an account exists for \(email), a reset link is on its way."],
            ])
    }

    private func resetForm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard try await accounts.passwordResets.userID(token: context.parameters.get("token") ?? "") != nil else { return expired() }
        return dashboard.anonymousPage("password_reset", request: request, [:])
    }

    private func reset(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await dashboard.anonymousForm(request)
        let token = context.parameters.get("token") ?? ""
        let password = form["password"] ?? ""
        guard password.count >= UserStore.minimumPasswordLength else {
            return dashboard.anonymousPage(
                "password_reset", request: request,
                ["errors": ["password": AccountError.weakPassword(minimum: UserStore.minimumPasswordLength).description]],
                status: .unprocessableContent)
        }
        guard let userID = try await accounts.passwordResets.consume(token: token), let user = try await accounts.users.find(id: userID)
        else {
            return expired()
        }
        try await accounts.users.setPassword(password, userID: userID)
        try await accounts.sessions.endAll(userID: userID)
        context.logger.info("password reset")
        return try await dashboard.signIn(user, redirectTo: "/")
    }

    private func expired() -> Response {
        dashboard.pages.message(
            "This link is no longer valid", "Password reset links work once, for an hour.",
            hint: "Ask for a new one from the sign-in page.",
            eyebrow: "MCPlatform", status: .gone)
    }
}
