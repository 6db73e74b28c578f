import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Sign-up, sign-in and sign-out.
struct AccountPages: Sendable {
    let dashboard: Dashboard
    var accounts: AccountServices { dashboard.accounts }

    /// Failed sign-ins allowed per email in 15 minutes.
    static let loginLimit = RateLimiter.Limit(requests: 5, perSeconds: 900)
    /// Failed sign-ins allowed per client address in 15 minutes: higher, since many people may
    /// share one address (an office, a VPN).
    static let addressLimit = RateLimiter.Limit(requests: 50, perSeconds: 900)

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/") { request, _ in try await home(request) }
        router.get("/signup") { request, _ in try await signUpForm(request) }
        router.post("/signup") { request, _ in try await signUp(request) }
        router.get("/login") { request, _ in try await logInForm(request) }
        router.post("/login") { request, context in try await logIn(request, context) }
        router.post("/logout") { request, _ in try await logOut(request) }
    }

    /// The first organization, or creating one; the sign-in page when signed out.
    private func home(_ request: Request) async throws -> Response {
        guard let visitor = try await dashboard.visitor(request) else { return PageResponse.redirect("/login").response }
        // The organization switcher without JavaScript submits `?org=/orgs/<slug>`.
        if let chosen = Dashboard.safeNext(request.uri.queryParameters.get("org")) { return PageResponse.redirect(chosen).response }
        guard let first = visitor.memberships.first else { return PageResponse.redirect("/orgs/new").response }
        return PageResponse.redirect("/orgs/\(first.organization.slug)").response
    }

    // MARK: Sign-up

    private func signUpForm(_ request: Request) async throws -> Response {
        if try await dashboard.visitor(request) != nil { return PageResponse.redirect("/").response }
        return dashboard.anonymousPage(
            "signup", request: request, ["next": Dashboard.safeNext(request.uri.queryParameters.get("next")) ?? ""])
    }

    private func signUp(_ request: Request) async throws -> Response {
        let form = try await dashboard.anonymousForm(request)
        let (name, email, password) = (form["name"] ?? "", form["email"] ?? "", form["password"] ?? "")
        let next = Dashboard.safeNext(form["next"])
        do {
            let user = try await accounts.users.create(email: email, name: name, password: password)
            return try await dashboard.signIn(user, redirectTo: next ?? "/orgs/new")
        } catch let error as AccountError {
            var errors: [String: String] = [:]
            switch error {
            case .emailTaken, .invalidEmail: errors["email"] = error.description
            case .weakPassword: errors["password"] = error.description
            case .invalidName: errors["name"] = error.description
            }
            return dashboard.anonymousPage(
                "signup", request: request, ["name": name, "email": email, "next": next ?? "", "errors": errors],
                status: .unprocessableContent)
        }
    }

    // MARK: Sign-in

    private func logInForm(_ request: Request) async throws -> Response {
        if try await dashboard.visitor(request) != nil { return PageResponse.redirect("/").response }
        return dashboard.anonymousPage(
            "login", request: request, ["next": Dashboard.safeNext(request.uri.queryParameters.get("next")) ?? ""])
    }

    private func logIn(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await dashboard.anonymousForm(request)
        let (email, password) = ((form["email"] ?? "").lowercased(), form["password"] ?? "")
        let next = Dashboard.safeNext(form["next"])
        let limiter = dashboard.platform.auth.rateLimiter
        // Counted per account: ` Ada@example.com` signs in as `ada@example.com`, so it must not start a fresh count.
        let account = (try? UserStore.normalizedEmail(email)) ?? email
        let emailKey = "login-email:" + String(account.prefix(254))
        let addressKey = "login-address:" + context.clientAddress
        let retryAfter: Int?
        if let wait = try await limiter.exceeded([emailKey], limit: Self.loginLimit) {
            retryAfter = wait
        } else {
            retryAfter = try await limiter.exceeded([addressKey], limit: Self.addressLimit)
        }
        if let retryAfter {
            var response = dashboard.anonymousPage(
                "login", request: request,
                [
                    "email": email, "next": next ?? "",
                    "flash": ["kind": "error", "text": "Too many failed attempts. Try again in \(retryAfter / 60 + 1) minutes."],
                ],
                status: .tooManyRequests)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        }
        guard let user = try await accounts.users.authenticate(email: email, password: password) else {
            _ = try await limiter.hit(emailKey, limit: Self.loginLimit)
            _ = try await limiter.hit(addressKey, limit: Self.addressLimit)
            context.logger.info("failed dashboard sign-in")
            return dashboard.anonymousPage(
                "login", request: request,
                ["email": email, "next": next ?? "", "flash": ["kind": "error", "text": "Wrong email or password."]],
                status: .unauthorized)
        }
        return try await dashboard.signIn(user, redirectTo: next ?? "/")
    }

    private func logOut(_ request: Request) async throws -> Response {
        if let visitor = try await dashboard.visitor(request) {
            _ = try await dashboard.form(request, visitor: visitor)
            try await accounts.sessions.end(token: visitor.sessionToken)
        }
        var response = PageResponse.redirect("/login").response
        response.headers.append(HTTPField(name: .setCookie, value: dashboard.cookie(Dashboard.sessionCookie, "", maxAge: 0)))
        return response
    }
}
