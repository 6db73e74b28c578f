import Foundation
import MCP
import NIOCore
import NIOHTTP1

/// Client ID Metadata Documents: a client whose `client_id` is an `https` URL is described by
/// the JSON document at that URL, which the authorization server fetches (through the SSRF
/// guard, at most 64 KiB within 5 s) and keeps for as long as its `Cache-Control` allows
/// (5 minutes to a day; an hour by default).
struct ClientMetadataDocuments: Sendable {
    let http: OutboundHTTP
    let clients: OAuthClientStore

    static let maximumBytes = 64 << 10

    /// Whether `clientID` names a metadata document rather than a registered client.
    static func isDocumentURL(_ clientID: String) -> Bool {
        clientID.hasPrefix("https://")
    }

    /// The client described at `url`, from the cache or freshly fetched.
    func client(at url: String, serverID: Int64, now: Date = Date()) async throws -> OAuthClient {
        if let cached = try await clients.find(clientID: url, serverID: serverID), cached.kind == .metadataDocument,
            let expiresAt = cached.expiresAt, expiresAt > now
        {
            return cached
        }
        guard url.utf8.count <= 2000, let components = URLComponents(string: url), components.scheme == "https",
            components.host?.isEmpty == false, components.fragment == nil, components.user == nil, components.password == nil,
            components.path.count > 1
        else {
            throw OAuthError(.invalidClient, "a client_id URL must be https with a path, and no fragment or credentials")
        }
        var request = OutboundHTTP.Request(url: components.url!)
        request.headers = [("Accept", "application/json")]
        request.maximumBytes = Self.maximumBytes
        request.timeout = .seconds(5)
        let response: OutboundHTTP.Response
        do {
            response = try await http.send(request)
        } catch {
            throw OAuthError(.invalidClient, "the client metadata document at \(url) could not be fetched: \(error)")
        }
        guard response.status == 200 else {
            throw OAuthError(.invalidClient, "the client metadata document at \(url) answered HTTP \(response.status)")
        }
        guard let json = response.json(as: [String: Value].self) else {
            throw OAuthError(.invalidClient, "the client metadata document at \(url) is not a JSON object")
        }
        guard json["client_id"]?.stringValue == url else {
            throw OAuthError(.invalidClient, "the client metadata document's client_id does not equal its URL")
        }
        let metadata = try ClientMetadata(json: json, defaultAuthMethod: .none)
        guard metadata.authMethod == .none, json["client_secret"] == nil else {
            throw OAuthError(
                .invalidClient, "a client metadata document describes a public client: token_endpoint_auth_method must be none")
        }
        let lifetime = Self.maxAge(response.headers.first(name: "Cache-Control")).map { min(max($0, 300), 86400) } ?? 3600
        return try await clients.saveMetadataDocument(
            metadata, url: url, serverID: serverID, expiresAt: now.addingTimeInterval(TimeInterval(lifetime)), now: now)
    }

    /// `max-age` of a Cache-Control header; 0 for `no-store`/`no-cache`.
    static func maxAge(_ header: String?) -> Int? {
        guard let header else { return nil }
        for directive in header.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if directive == "no-store" || directive == "no-cache" { return 0 }
            if directive.hasPrefix("max-age="), let seconds = Int(directive.dropFirst("max-age=".count)) { return seconds }
        }
        return nil
    }
}
