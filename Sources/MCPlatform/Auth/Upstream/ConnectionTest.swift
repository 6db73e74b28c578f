import Foundation

/// "Test connection": what a customer runs after configuring their identity provider.
struct ConnectionTest: Sendable {
    let upstream: UpstreamClient

    func run(_ provider: UpstreamProvider, clientSecret: String?, callbackURL: String) async -> [AuthAdminRoutes.Check] {
        var checks: [AuthAdminRoutes.Check] = []
        let endpoints: UpstreamEndpoints
        do {
            endpoints = try await upstream.endpoints(of: provider, fresh: true)
            let source = provider.discoveryURL == nil ? "configured endpoints" : "discovery document"
            checks.append(
                .init(
                    name: "endpoints", ok: true,
                    detail: "\(source): authorization \(endpoints.authorization.absoluteString), token \(endpoints.token.absoluteString)"))
        } catch {
            checks.append(.init(name: "endpoints", ok: false, detail: error.description))
            return checks
        }
        if let jwks = endpoints.jwks {
            do {
                let count = try await upstream.keyCount(at: jwks)
                checks.append(
                    .init(
                        name: "signing keys", ok: count > 0,
                        detail: count > 0 ? "\(count) key(s) at \(jwks.absoluteString)" : "the JWKS has no usable keys"))
            } catch {
                checks.append(.init(name: "signing keys", ok: false, detail: error.description))
            }
        } else if endpoints.userinfo == nil {
            checks.append(.init(name: "identity", ok: false, detail: "neither a JWKS (ID tokens) nor a userinfo endpoint is known"))
        }
        do {
            // A made-up code: a provider that accepts the client credentials answers invalid_grant.
            _ = try await upstream.exchange(
                code: "mcplatform-connection-test", verifier: RandomToken.make(bytes: 48), redirectURI: callbackURL, endpoints: endpoints,
                provider: provider, clientSecret: clientSecret)
            checks.append(.init(name: "client credentials", ok: true, detail: "the token endpoint accepted the request"))
        } catch .rejected(let detail) where !detail.contains("invalid_client") && !detail.contains("HTTP 401") {
            checks.append(
                .init(name: "client credentials", ok: true, detail: "accepted (the test code was refused as expected: \(detail))"))
        } catch {
            checks.append(.init(name: "client credentials", ok: false, detail: "the client id or secret was refused: \(error.description)"))
        }
        checks.append(.init(name: "callback URL", ok: true, detail: "register \(callbackURL) as the redirect URI at the provider"))
        return checks
    }
}
