import Foundation

/// The stores and clients of end-user sign-in, created once per process.
public struct AuthServices: Sendable {
    let endUsers: EndUserStore
    let clients: OAuthClientStore
    let clientDocuments: ClientMetadataDocuments
    let pending: PendingAuthorizationStore
    let grants: GrantStore
    let providers: UpstreamProviderStore
    let upstream: UpstreamClient
    let signingKeys: SigningKeys
    let rateLimiter: RateLimiter

    init(database: any Database, secretKey: SecretKey, configuration: AppConfiguration) {
        let http = OutboundHTTP(allowPrivateNetworks: configuration.ingestLimits.allowPrivateNetworks, caFile: configuration.outboundCAFile)
        endUsers = EndUserStore(database: database)
        clients = OAuthClientStore(database: database, secretKey: secretKey)
        clientDocuments = ClientMetadataDocuments(http: http, clients: clients)
        pending = PendingAuthorizationStore(database: database, secretKey: secretKey)
        grants = GrantStore(database: database, secretKey: secretKey)
        providers = UpstreamProviderStore(database: database, secretKey: secretKey)
        upstream = UpstreamClient(http: http)
        signingKeys = SigningKeys(database: database, secretKey: secretKey)
        rateLimiter = RateLimiter(database: database)
    }

    /// The client `clientID` of a server: registered, or described by a metadata document.
    func client(_ clientID: String, serverID: Int64) async throws -> OAuthClient? {
        if ClientMetadataDocuments.isDocumentURL(clientID) {
            return try await clientDocuments.client(at: clientID, serverID: serverID)
        }
        return try await clients.find(clientID: clientID, serverID: serverID)
    }
}
