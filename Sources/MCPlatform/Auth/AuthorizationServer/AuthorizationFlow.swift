import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The browser side of sign-in: the client's authorization request is validated and shown on a
/// consent page; on "Continue" the end user is sent to the customer's identity provider; its
/// answer arrives at the platform's callback, which signs the user in and returns them to the
/// client with an authorization code (and `iss`, RFC 9207).
///
/// Until the client and its redirect URI are known, problems are shown as a page (never a
/// redirect, so the endpoint cannot be used as an open redirector); after that they are
/// returned to the client as `error=` redirects.
struct AuthorizationFlow: Sendable {
    let platform: Platform
    var auth: AuthServices { platform.auth }
    var pages: HTMLPages { platform.pages }

    static let csrfCookie = "mcp_oauth_csrf"
    static let maximumQueryBytes = 8 << 10
    static let maximumParameterBytes = 2048

    // MARK: GET /oauth/authorize

    func showConsent(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (server, authority): (TenantServer, TenantAuthority)
        switch try await tenant(request, context) {
        case .success(let found): (server, authority) = found
        case .failure(let page): return page.response
        }
        let parameters: [String: String]
        switch Self.parameters(request.uri.query ?? "") {
        case .success(let values): parameters = values
        case .failure(let problem): return badRequest(problem)
        }
        guard let clientID = parameters["client_id"], !clientID.isEmpty else { return badRequest("client_id is missing.") }
        let client: OAuthClient
        do {
            guard let found = try await auth.client(clientID, serverID: server.id) else {
                return badRequest(
                    "The application '\(clientID.prefix(100))' is not registered with this server. Reconnect from your agent.")
            }
            client = found
        } catch let error as OAuthError {
            return badRequest(error.description)
        }
        let redirectURI: String
        let redirectURIGiven: Bool
        if let presented = parameters["redirect_uri"] {
            guard client.redirectURI(matching: presented) != nil else {
                return badRequest("The redirect_uri is not one registered for this application, so sign-in was stopped.")
            }
            (redirectURI, redirectURIGiven) = (presented, true)
        } else if client.redirectURIs.count == 1 {
            (redirectURI, redirectURIGiven) = (client.redirectURIs[0], false)
        } else {
            return badRequest("redirect_uri is missing.")
        }
        let state = parameters["state"]
        let reply = ClientRedirect(redirectURI: redirectURI, state: state, issuer: authority.issuer)
        guard parameters["response_type"] == "code" else {
            return reply.error(OAuthError(.unsupportedResponseType, "response_type must be code"))
        }
        guard let challenge = parameters["code_challenge"] else {
            return reply.error(OAuthError(.invalidRequest, "code_challenge is required (PKCE with S256)"))
        }
        guard parameters["code_challenge_method"] == "S256" else {
            return reply.error(OAuthError(.invalidRequest, "code_challenge_method must be S256"))
        }
        guard PKCE.isValidChallenge(challenge) else {
            return reply.error(OAuthError(.invalidRequest, "code_challenge must be the base64url SHA-256 of the verifier"))
        }
        if let resource = parameters["resource"], resource != authority.resource {
            return reply.error(OAuthError(.invalidTarget, "resource must be \(authority.resource)"))
        }
        guard let scope = AccessScope.granted(for: parameters["scope"]) else {
            return reply.error(OAuthError(.invalidScope, "the only scope offered is '\(AccessScope.mcp)'"))
        }
        guard try await auth.providers.provider(serverID: server.id) != nil else {
            return pages.message(
                "Sign-in is not set up yet",
                "\(server.organizationName) has not finished configuring sign-in for \(server.name). Please contact them.",
                status: .serviceUnavailable)
        }
        let (pending, csrfToken) = try await auth.pending.create(
            AuthorizationParameters(
                clientID: client.clientID, redirectURI: redirectURI, redirectURIGiven: redirectURIGiven, state: state,
                codeChallenge: challenge, resource: authority.resource, scope: scope),
            serverID: server.id, issuer: authority.issuer)
        var response = pages.render(
            "consent",
            [
                "clientName": client.name ?? RedirectURI.displayHost(of: redirectURI),
                "clientID": client.clientID,
                "clientIsURL": client.kind == .metadataDocument,
                "unverified": client.kind == .registered,
                "redirectHost": RedirectURI.displayHost(of: redirectURI),
                "serverName": server.name,
                "organizationName": server.organizationName,
                "scopeDescription": "Search and read \(server.organizationName)'s documentation as you",
                // Relative, so that the form posts back to the origin that set the CSRF cookie.
                "action": URLComponents(string: authority.authorizationEndpoint)?.path ?? authority.authorizationEndpoint,
                "requestID": pending.id,
                "csrfToken": csrfToken,
            ])
        response.headers[.setCookie] = Self.cookie(csrfToken, authority: authority, maxAge: Int(PendingAuthorizationStore.lifetime))
        return response
    }

    // MARK: POST /oauth/authorize

    /// The end user's decision on the consent page.
    func decide(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (server, authority): (TenantServer, TenantAuthority)
        switch try await tenant(request, context) {
        case .success(let found): (server, authority) = found
        case .failure(let page): return page.response
        }
        guard let body = try? await request.body.collect(upTo: Self.maximumQueryBytes) else {
            return badRequest("The form is too large.")
        }
        let form: [String: String]
        switch Self.parameters(String(buffer: body)) {
        case .success(let values): form = values
        case .failure(let problem): return badRequest(problem)
        }
        guard let id = form["request"], let pending = try await auth.pending.awaitingConsent(id: id, serverID: server.id) else {
            return expired()
        }
        guard let token = form["csrf_token"], Self.cookieValue(request, named: Self.csrfCookie) == token,
            auth.pending.isValidCSRFToken(token, for: pending)
        else {
            return pages.message(
                "This form could not be verified",
                "The request did not come from the page this server showed (or cookies are blocked). Start the sign-in again from your agent.",
                status: .forbidden)
        }
        let reply = ClientRedirect(redirectURI: pending.redirectURI, state: pending.state, issuer: authority.issuer)
        var response: Response
        if form["decision"] != "allow" {
            guard try await auth.pending.decline(id: pending.id) else { return expired() }
            response = reply.error(OAuthError(.accessDenied, "the user declined"))
        } else {
            guard let (provider, _) = try await auth.providers.provider(serverID: server.id) else {
                return pages.message("Sign-in is not set up yet", "This server has no identity provider.", status: .serviceUnavailable)
            }
            let endpoints: UpstreamEndpoints
            do {
                endpoints = try await auth.upstream.endpoints(of: provider)
            } catch {
                context.logger.warning(
                    "identity provider discovery failed", metadata: ["tenant": .string(server.slug), "error": "\(error)"])
                return upstreamFailure(error)
            }
            let (state, nonce, verifier) = (RandomToken.make(), RandomToken.make(), RandomToken.make(bytes: 48))
            let binding = BrowserBinding(authorizationID: pending.id, issuer: authority.issuer, configuration: platform.configuration)
            let bindingValue = binding.isPossible ? RandomToken.make() : nil
            guard
                try await auth.pending.sendUpstream(
                    id: pending.id, upstreamState: state, nonce: nonce, verifier: verifier, browserBinding: bindingValue)
            else {
                return expired()
            }
            let location = auth.upstream.authorizationURL(
                endpoints, provider: provider, redirectURI: callbackURL, state: state, nonce: nonce, verifier: verifier)
            response = Response(status: .seeOther, headers: [.location: location.absoluteString, .cacheControl: "no-store"])
            if let bindingValue { response.headers.append(HTTPField(name: .setCookie, value: binding.cookie(bindingValue))) }
        }
        response.status = .seeOther
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie("", authority: authority, maxAge: 0)))
        return response
    }

    // MARK: GET /oauth/callback

    /// The identity provider's answer, for any tenant: the pending request is found by `state`.
    func callback(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let parameters: [String: String]
        switch Self.parameters(request.uri.query ?? "") {
        case .success(let values): parameters = values
        case .failure(let problem): return badRequest(problem)
        }
        guard let state = parameters["state"] else {
            if let error = parameters["error"] {
                return pages.message(
                    "Sign-in was not completed", "Your identity provider ended the sign-in.", detail: error.prefix(200) + "",
                    hint: "Return to your agent and connect again.", status: .badRequest)
            }
            return badRequest("The identity provider's answer has no state.")
        }
        guard let pending = try await auth.pending.completeUpstream(upstreamState: state),
            let server = try await platform.tenancy.server(id: pending.serverID), server.authMode == .oauth
        else { return expired() }
        var logger = context.logger
        logger[metadataKey: "tenant"] = .string(server.slug)
        let binding = BrowserBinding(authorizationID: pending.id, issuer: pending.issuer, configuration: platform.configuration)
        guard auth.pending.isBoundBrowser(Self.cookieValue(request, named: binding.cookieName), for: pending) else {
            logger.warning("identity provider callback arrived in another browser than the one that consented")
            return pages.message(
                "Sign-in was stopped",
                "This sign-in was finished in a different browser from the one it was started in, so it was not trusted.",
                hint: "If you started it, connect again from your agent and complete the sign-in in the browser that opens.",
                status: .forbidden)
        }
        var response = try await finishSignIn(parameters, pending: pending, server: server, logger: logger)
        response.headers.append(HTTPField(name: .setCookie, value: binding.cookie("", maxAge: 0)))
        return response
    }

    /// Exchanges the identity provider's code, signs the end user in, and returns them to the client.
    private func finishSignIn(_ parameters: [String: String], pending: PendingAuthorization, server: TenantServer, logger: Logger)
        async throws -> Response
    {
        let reply = ClientRedirect(redirectURI: pending.redirectURI, state: pending.state, issuer: pending.issuer)
        if let error = parameters["error"] {
            logger.info("identity provider returned an error", metadata: ["error": .string(String(error.prefix(100)))])
            let code: OAuthError.Code =
                error == "access_denied" ? .accessDenied : error == "temporarily_unavailable" ? .temporarilyUnavailable : .serverError
            return reply.error(OAuthError(code, "the identity provider answered \(error.prefix(100))"))
        }
        guard let code = parameters["code"], !code.isEmpty else {
            return reply.error(OAuthError(.serverError, "the identity provider returned no code"))
        }
        guard let (provider, clientSecret) = try await auth.providers.provider(serverID: server.id) else {
            return pages.message("Sign-in is not set up", "This server has no identity provider.", status: .serviceUnavailable)
        }
        do {
            let endpoints = try await auth.upstream.endpoints(of: provider)
            if let issuer = parameters["iss"], let expected = endpoints.issuer, issuer != expected {
                return pages.message(
                    "Sign-in was stopped", "The answer came from a different identity provider than the one this sign-in was sent to.",
                    status: .badRequest)
            }
            let tokens = try await auth.upstream.exchange(
                code: code, verifier: pending.upstreamVerifier ?? "", redirectURI: callbackURL, endpoints: endpoints, provider: provider,
                clientSecret: clientSecret)
            let identity = try await auth.upstream.identity(
                from: tokens, nonce: pending.upstreamNonce, endpoints: endpoints, provider: provider)
            let user = try await auth.endUsers.upsert(identity, serverID: server.id)
            let ourCode = try await auth.grants.createGrant(for: pending, endUserID: user.id, upstreamRefreshToken: tokens.refreshToken)
            logger.info("end user signed in", metadata: ["end_user": "\(user.id)", "client": .string(pending.clientID)])
            return reply.success(code: ourCode)
        } catch let error as UpstreamError {
            logger.warning("sign-in through the identity provider failed", metadata: ["error": .string(error.description)])
            return upstreamFailure(error)
        }
    }

    /// The server addressed, or a 404 page when there is none that requires sign-in.
    private func tenant(_ request: Request, _ context: AppRequestContext) async throws -> Result<(TenantServer, TenantAuthority), Page> {
        do {
            return .success(try await OAuthTenant.resolve(request, context, platform: platform))
        } catch let error as APIError {
            return .failure(Page(response: pages.message("Sign-in is not available", error.message, status: .notFound)))
        }
    }

    /// A page answering the request instead of the flow going on.
    struct Page: Error {
        let response: Response
    }

    /// The platform's one redirect URI at every identity provider.
    var callbackURL: String { platform.configuration.publicOrigin + "/oauth/callback" }

    // MARK: Pages

    private func badRequest(_ message: String) -> Response {
        pages.message("This sign-in request is not valid", message, hint: "Return to your agent and connect again.", status: .badRequest)
    }

    private func expired() -> Response {
        pages.message(
            "This sign-in has expired", "The sign-in request is unknown, expired, or was already used.",
            hint: "Return to your agent and connect again.", status: .badRequest)
    }

    private func upstreamFailure(_ error: UpstreamError) -> Response {
        switch error {
        case .unavailable(let detail):
            pages.message(
                "Your identity provider is not responding", "Signing in could not be completed because the identity provider failed.",
                detail: detail, hint: "Try again in a few minutes. If it keeps failing, tell the server's operator.", status: .badGateway)
        case .rejected(let detail):
            pages.message(
                "Your identity provider refused the sign-in", "The identity provider did not confirm who you are.", detail: detail,
                hint: "Return to your agent and connect again.", status: .badRequest)
        case .misconfigured(let detail):
            pages.message(
                "Sign-in is misconfigured", "The server's identity provider settings cannot work.", detail: detail,
                hint: "Tell the server's operator; they can use “test connection” in the dashboard.", status: .serviceUnavailable)
        }
    }

    // MARK: Parameters and cookies

    /// Query or form parameters, refusing oversized input and repeated parameters (RFC 6749 §3.1).
    static func parameters(_ text: String) -> Result<[String: String], ParameterProblem> {
        guard text.utf8.count <= maximumQueryBytes else { return .failure(ParameterProblem("The request is too large.")) }
        let (values, duplicates) = FormEncoding.decode(text)
        if let name = duplicates.first { return .failure(ParameterProblem("The parameter '\(name.prefix(40))' appears more than once.")) }
        if let (name, _) = values.first(where: { $0.value.utf8.count > maximumParameterBytes }) {
            return .failure(ParameterProblem("The parameter '\(name.prefix(40))' is longer than \(maximumParameterBytes) bytes."))
        }
        return .success(values)
    }

    struct ParameterProblem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static func cookie(_ value: String, authority: TenantAuthority, maxAge: Int) -> String {
        "\(csrfCookie)=\(value); Path=\(authority.cookiePath); Max-Age=\(maxAge); HttpOnly; SameSite=Lax"
            + (authority.isSecure ? "; Secure" : "")
    }

    static func cookieValue(_ request: Request, named name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }
}

extension AuthorizationFlow {
    fileprivate func badRequest(_ problem: ParameterProblem) -> Response { badRequest(problem.message) }
}

/// A redirect back to the client's (validated) redirect URI, carrying `state` and `iss`.
struct ClientRedirect {
    let redirectURI: String
    let state: String?
    let issuer: String

    func success(code: String) -> Response {
        redirect(["code": code])
    }

    func error(_ error: OAuthError) -> Response {
        redirect(["error": error.code.rawValue, "error_description": error.description])
    }

    private func redirect(_ parameters: [String: String]) -> Response {
        var items = parameters
        items["iss"] = issuer
        items["state"] = state
        let separator = redirectURI.contains("?") ? "&" : "?"
        let location = redirectURI + separator + FormEncoding.encode(items)
        return Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// The cookie that ties the identity provider's callback (on the platform's host) to the
/// browser that consented (on the tenant's host or path). Without it, someone could start a
/// sign-in for their own client, consent, and send the identity provider's link to a victim:
/// the victim's sign-in would end as a code for the attacker's client. The cookie is set for the
/// platform's host; a tenant host `<slug>.<host>` sets it with `Domain=<host>`. When the platform's
/// host is not a parent of the tenant's, no binding is possible and none is checked.
struct BrowserBinding {
    let cookieName: String
    private let domain: String?
    private let secure: Bool
    let isPossible: Bool

    init(authorizationID: String, issuer: String, configuration: AppConfiguration) {
        cookieName = "mcp_oauth_flow_" + authorizationID.prefix(16)
        let publicOrigin = configuration.publicOrigin
        let callbackHost = URLComponents(string: publicOrigin)?.host ?? ""
        let issuerHost = URLComponents(string: issuer)?.host ?? ""
        secure = publicOrigin.hasPrefix("https://")
        if issuerHost == callbackHost {
            (domain, isPossible) = (nil, true)
        } else if issuerHost.hasSuffix("." + callbackHost), callbackHost.contains(".") {
            (domain, isPossible) = (callbackHost, true)
        } else {
            (domain, isPossible) = (nil, false)
        }
    }

    func cookie(_ value: String, maxAge: Int = Int(PendingAuthorizationStore.lifetime)) -> String {
        var cookie = "\(cookieName)=\(value); Path=/oauth/callback; Max-Age=\(maxAge); HttpOnly; SameSite=Lax"
        if let domain { cookie += "; Domain=\(domain)" }
        if secure { cookie += "; Secure" }
        return cookie
    }
}
